package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// AuditList is a page of audit entries, newest first.
type AuditList struct {
	Data  []models.AuditEntry `json:"data" binding:"required"`
	Meta  ListMeta            `json:"meta" binding:"required"`
	Links Links               `json:"links" binding:"required"`
} // @name AuditList

// studyHistory godoc
//
//	@Summary		A study's history
//	@ID				studyHistory
//	@Description	Every change made to the study since the store was seeded, newest first: when, by which token (name and role), in which request, and the record before and after. A deleted study's history stays readable.
//	@Tags			curation
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			id			path		string	true	"Study id"	example(lindsay-2008)
//	@Param			page		query		int		false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	example(1)
//	@Param			per_page	query		int		false	"Entries per page (1–100)"	minimum(1)	maximum(100)	example(20)
//	@Success		200			{object}	AuditList
//	@Failure		400			{object}	Problem	"Malformed id or parameter"
//	@Failure		404			{object}	Problem	"No study with that id, now or in the past"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way); try again after Retry-After"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/studies/{id}/history [get]
func (s *Server) studyHistory(c *gin.Context) { s.history(c, models.KindStudy) }

// interventionHistory godoc
//
//	@Summary		An intervention's history
//	@ID				interventionHistory
//	@Description	Every change made to the intervention (its evidence items included), newest first, as for studies.
//	@Tags			curation
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			id			path		string	true	"Intervention id"	example(triple-p)
//	@Param			page		query		int		false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	example(1)
//	@Param			per_page	query		int		false	"Entries per page (1–100)"	minimum(1)	maximum(100)	example(20)
//	@Success		200			{object}	AuditList
//	@Failure		400			{object}	Problem	"Malformed id or parameter"
//	@Failure		404			{object}	Problem	"No intervention with that id, now or in the past"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way); try again after Retry-After"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/interventions/{id}/history [get]
func (s *Server) interventionHistory(c *gin.Context) { s.history(c, models.KindIntervention) }

func (s *Server) history(c *gin.Context, kind string) {
	id := c.Param("id")
	if err := httpio.ValidID(kind, id); err != nil {
		s.fail(c, err)
		return
	}
	paging, err := onlyPaging(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, total, err := s.store.Audit(c.Request.Context(), auditPage(store.AuditQuery{Kind: kind, RecordID: id}, paging))
	if err != nil {
		s.fail(c, err)
		return
	}
	if total == 0 {
		if _, exists := s.snapshot(c).ETag(kind, id); !exists {
			s.fail(c, models.NotFound(kind, id))
			return
		}
	}
	s.writeAudit(c, paging, entries, total)
}

// listAudit godoc
//
//	@Summary		The audit log
//	@ID				listAudit
//	@Description	Every change to the evidence base, newest first, filtered by any of `kind`, `record_id`, `actor` (a token name) and `operation`. Admins only. The log is append-only: no endpoint changes it.
//	@Tags			curation
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			kind		query		string	false	"Record kind"	Enums(study, intervention, theme, strand, disadvantage)	example(study)
//	@Param			record_id	query		string	false	"Record id or slug"	example(lindsay-2008)
//	@Param			actor		query		string	false	"Token name"	example(alice)
//	@Param			operation	query		string	false	"Operation"	Enums(create, update, delete, import)	example(update)
//	@Param			page		query		int		false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	example(1)
//	@Param			per_page	query		int		false	"Entries per page (1–100)"	minimum(1)	maximum(100)	example(20)
//	@Success		200			{object}	AuditList
//	@Failure		400			{object}	Problem	"Malformed parameter"
//	@Failure		401			{object}	Problem	"No valid token"
//	@Failure		403			{object}	Problem	"The token is not an admin's"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way); try again after Retry-After"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/audit [get]
func (s *Server) listAudit(c *gin.Context) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "kind", "record_id", "actor", "operation", "page", "per_page")
	if err != nil {
		s.fail(c, err)
		return
	}
	q := store.AuditQuery{RecordID: p.Str("record_id"), Actor: p.Str("actor")}
	if q.Kind, err = p.Choice("kind"); err != nil {
		s.fail(c, err)
		return
	}
	if q.Operation, err = p.Choice("operation"); err != nil {
		s.fail(c, err)
		return
	}
	for name, v := range map[string][]string{
		"kind":      {q.Kind, models.KindStudy, models.KindIntervention, models.KindTheme, models.KindStrand, models.KindDisadvantage},
		"operation": {q.Operation, models.OpCreate, models.OpUpdate, models.OpDelete, models.OpImport},
	} {
		if v[0] != "" && !models.Contains(v[1:], v[0]) {
			s.fail(c, models.Invalid(name, fmt.Sprintf("%q is not one of the values", v[0]), v[1:]...))
			return
		}
	}
	paging, err := pageParams(p)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, total, err := s.store.Audit(c.Request.Context(), auditPage(q, paging))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeAudit(c, paging, entries, total)
}

// auditPage asks the store for one page of the audit entries q selects. The store works
// out the offset from page and per_page as they come, so only a checked page may reach it.
func auditPage(q store.AuditQuery, paging catalog.Paging) store.AuditQuery {
	q.Page, q.PerPage = paging.Page, paging.PerPage
	return q
}

// writeAudit answers a page of the audit log, or refuses a page past its end as every
// list does (the total is known only once the store has been read).
func (s *Server) writeAudit(c *gin.Context, paging catalog.Paging, entries []models.AuditEntry, total int) {
	if err := paging.Within(total); err != nil {
		s.fail(c, err)
		return
	}
	if entries == nil {
		entries = []models.AuditEntry{}
	}
	meta, links := pageMeta(c, pagedRequest(paging), total, "", s.snapshot(c).Version())
	c.Header("Cache-Control", "no-store")
	httpio.WriteJSON(c, http.StatusOK, AuditList{Data: entries, Meta: meta, Links: links})
}

// createImport godoc
//
//	@Summary		Import a dataset
//	@ID				createImport
//	@Description	Makes the evidence base hold exactly the dataset document in the body (the format `GET /api/v1/dataset` returns and `validate` checks): records it adds, changes (with the fields) and removes, vocabularies included. With `dry_run=true` nothing changes and the report says what would, with every validation error by record and field. Without it the change is applied in one transaction and audited record by record; a document that does not validate is refused with 422 and changes nothing. Admins only.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			dry_run	query		bool			false	"Report without changing anything"	default(false)	example(true)
//	@Param			dataset	body		models.Dataset	true	"The whole evidence base"
//	@Success		200		{object}	models.ImportReport
//	@Failure		400		{object}	Problem	"Malformed parameter"
//	@Failure		401		{object}	Problem	"No valid token"
//	@Failure		403		{object}	Problem	"The token is not an admin's"
//	@Failure		413		{object}	Problem	"The body is too large"
//	@Failure		415		{object}	Problem	"The body is not application/json"
//	@Failure		422		{object}	Problem	"The document does not validate; errors lists every problem"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/imports [post]
func (s *Server) createImport(c *gin.Context) {
	dryRun, err := onlyFlag(c, "dry_run")
	if err != nil {
		s.fail(c, err)
		return
	}
	body, ok := readBody(s, c, mediaJSON)
	if !ok {
		return
	}
	report, err := s.store.Import(c.Request.Context(), actor(c), body, dryRun)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	httpio.WriteJSON(c, http.StatusOK, report)
}
