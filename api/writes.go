package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// Media types of write bodies.
const (
	mediaJSON       = "application/json"
	mediaMergePatch = "application/merge-patch+json"
)

// createStudy godoc
//
//	@Summary		Add a study
//	@ID				createStudy
//	@Description	Adds a study, given as a record of the dataset format. The body is checked by the same rules as `validate`: every problem is listed in one 422 answer (unknown fields, wrong types, unknown tags, ids that break the slug rule, years outside 2008–2014, links to records that do not exist). Send an `Idempotency-Key` to make a retry safe: the same key with the same body answers with the study the first request created.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			Idempotency-Key	header		string			false	"A unique key per intended creation (at most 255 characters)"	minLength(1)	maxLength(255)	example(3f9c2a6e-4d1b-4c55-9a61-0b7f4e1d2c3a)
//	@Param			study			body		models.Study	true	"The study"
//	@Success		201				{object}	StudyDetail		"The study as stored"
//	@Failure		400				{object}	Problem			"The body is not a JSON object"
//	@Failure		401				{object}	Problem			"No valid token"
//	@Failure		403				{object}	Problem			"The token's role may not write"
//	@Failure		409				{object}	Problem			"A study with that id exists"
//	@Failure		413				{object}	Problem			"The body is too large"
//	@Failure		415				{object}	Problem			"The body is not application/json"
//	@Failure		422				{object}	Problem			"The study does not validate; errors lists every problem"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			201				{string}	Location		"The study's URL"
//	@Header			201				{string}	ETag			"The study's entity tag, for If-Match"
//	@Router			/api/v1/studies [post]
func (s *Server) createStudy(c *gin.Context) {
	studyKind.write(s, c, models.OpCreate, nil)
}

// replaceStudy godoc
//
//	@Summary		Replace a study
//	@ID				replaceStudy
//	@Description	Replaces a study with the record in the body (the whole record, in the dataset format; its id must be the path's). `If-Match` must carry the study's current ETag, so that no curator overwrites a change they have not seen: without it the answer is 428, with a stale one 412.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id			path		string			true	"Study id"	example(lindsay-2008)
//	@Param			If-Match	header		string			true	"The study's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			study		body		models.Study	true	"The study"
//	@Success		200			{object}	StudyDetail		"The study as stored"
//	@Failure		400			{object}	Problem			"Malformed id, or the body is not a JSON object"
//	@Failure		401			{object}	Problem			"No valid token"
//	@Failure		403			{object}	Problem			"The token's role may not write"
//	@Failure		404			{object}	Problem			"No study with that id"
//	@Failure		412			{object}	Problem			"The study changed since the ETag in If-Match"
//	@Failure		413			{object}	Problem			"The body is too large"
//	@Failure		415			{object}	Problem			"The body is not application/json"
//	@Failure		422			{object}	Problem			"The study does not validate; errors lists every problem"
//	@Failure		428			{object}	Problem			"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200			{string}	ETag			"The study's new entity tag"
//	@Router			/api/v1/studies/{id} [put]
func (s *Server) replaceStudy(c *gin.Context) {
	studyKind.write(s, c, models.OpUpdate, nil)
}

// patchStudy godoc
//
//	@Summary		Change some fields of a study
//	@ID				patchStudy
//	@Description	Applies a JSON Merge Patch (RFC 7386, `application/merge-patch+json`) to a study: the members given replace the study's, `null` removes a field (an optional one becomes null; a required one then fails validation), and the result is checked as a whole record. `If-Match` as for PUT.
//	@Tags			curation
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id			path		string			true	"Study id"	example(lindsay-2008)
//	@Param			If-Match	header		string			true	"The study's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			patch		body		object			true	"A merge patch of the study"
//	@Success		200			{object}	StudyDetail		"The study as stored"
//	@Failure		400			{object}	Problem			"Malformed id, or the body is not JSON"
//	@Failure		401			{object}	Problem			"No valid token"
//	@Failure		403			{object}	Problem			"The token's role may not write"
//	@Failure		404			{object}	Problem			"No study with that id"
//	@Failure		412			{object}	Problem			"The study changed since the ETag in If-Match"
//	@Failure		413			{object}	Problem			"The body is too large"
//	@Failure		415			{object}	Problem			"The body is not application/merge-patch+json"
//	@Failure		422			{object}	Problem			"The patched study does not validate"
//	@Failure		428			{object}	Problem			"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200			{string}	ETag			"The study's new entity tag"
//	@Router			/api/v1/studies/{id} [patch]
func (s *Server) patchStudy(c *gin.Context) {
	studyKind.write(s, c, models.OpUpdate, mergePatchOf)
}

// deleteStudy godoc
//
//	@Summary		Delete a study
//	@ID				deleteStudy
//	@Description	Deletes a study. When interventions' evidence cites it, the answer is 409 naming each reference, unless `unlink=true`: then those references are removed too (each evidence item keeps its finding, without the study link), in the same transaction, and audited. `If-Match` as for PUT.
//	@Tags			curation
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id			path	string	true	"Study id"	example(lindsay-2008)
//	@Param			If-Match	header	string	true	"The study's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			unlink		query	bool	false	"Also remove other records' references to the study"	default(false)	example(false)
//	@Success		204
//	@Failure		400	{object}	Problem	"Malformed id or parameter"
//	@Failure		401	{object}	Problem	"No valid token"
//	@Failure		403	{object}	Problem	"The token's role may not write"
//	@Failure		404	{object}	Problem	"No study with that id"
//	@Failure		409	{object}	Problem	"Other records refer to the study; errors names each reference"
//	@Failure		412	{object}	Problem	"The study changed since the ETag in If-Match"
//	@Failure		428	{object}	Problem	"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/studies/{id} [delete]
func (s *Server) deleteStudy(c *gin.Context) {
	studyKind.remove(s, c)
}

// createIntervention godoc
//
//	@Summary		Add an intervention
//	@ID				createIntervention
//	@Description	Adds an intervention with its evidence items, given as a record of the dataset format; checked as for studies (an evidence item's `study_id` must name a study). `Idempotency-Key` as for studies.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			Idempotency-Key	header		string				false	"A unique key per intended creation (at most 255 characters)"	minLength(1)	maxLength(255)	example(3f9c2a6e-4d1b-4c55-9a61-0b7f4e1d2c3a)
//	@Param			intervention	body		models.Intervention	true	"The intervention"
//	@Success		201				{object}	InterventionDetail	"The intervention as stored"
//	@Failure		400				{object}	Problem				"The body is not a JSON object"
//	@Failure		401				{object}	Problem				"No valid token"
//	@Failure		403				{object}	Problem				"The token's role may not write"
//	@Failure		409				{object}	Problem				"An intervention with that id exists"
//	@Failure		413				{object}	Problem				"The body is too large"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"The intervention does not validate; errors lists every problem"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			201				{string}	Location			"The intervention's URL"
//	@Header			201				{string}	ETag				"The intervention's entity tag, for If-Match"
//	@Router			/api/v1/interventions [post]
func (s *Server) createIntervention(c *gin.Context) {
	interventionKind.write(s, c, models.OpCreate, nil)
}

// replaceIntervention godoc
//
//	@Summary		Replace an intervention
//	@ID				replaceIntervention
//	@Description	Replaces an intervention, evidence items included, with the record in the body; `If-Match` as for studies.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id				path		string				true	"Intervention id"	example(triple-p)
//	@Param			If-Match		header		string				true	"The intervention's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			intervention	body		models.Intervention	true	"The intervention"
//	@Success		200				{object}	InterventionDetail	"The intervention as stored"
//	@Failure		400				{object}	Problem				"Malformed id, or the body is not a JSON object"
//	@Failure		401				{object}	Problem				"No valid token"
//	@Failure		403				{object}	Problem				"The token's role may not write"
//	@Failure		404				{object}	Problem				"No intervention with that id"
//	@Failure		412				{object}	Problem				"The intervention changed since the ETag in If-Match"
//	@Failure		413				{object}	Problem				"The body is too large"
//	@Failure		415				{object}	Problem				"The body is not application/json"
//	@Failure		422				{object}	Problem				"The intervention does not validate; errors lists every problem"
//	@Failure		428				{object}	Problem				"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200				{string}	ETag				"The intervention's new entity tag"
//	@Router			/api/v1/interventions/{id} [put]
func (s *Server) replaceIntervention(c *gin.Context) {
	interventionKind.write(s, c, models.OpUpdate, nil)
}

// patchIntervention godoc
//
//	@Summary		Change some fields of an intervention
//	@ID				patchIntervention
//	@Description	Applies a JSON Merge Patch (RFC 7386) to an intervention, as for studies. A patch replaces `evidence` as a whole list, as merge patches replace arrays.
//	@Tags			curation
//	@Accept			application/merge-patch+json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id			path		string				true	"Intervention id"	example(triple-p)
//	@Param			If-Match	header		string				true	"The intervention's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			patch		body		object				true	"A merge patch of the intervention"
//	@Success		200			{object}	InterventionDetail	"The intervention as stored"
//	@Failure		400			{object}	Problem				"Malformed id, or the body is not JSON"
//	@Failure		401			{object}	Problem				"No valid token"
//	@Failure		403			{object}	Problem				"The token's role may not write"
//	@Failure		404			{object}	Problem				"No intervention with that id"
//	@Failure		412			{object}	Problem				"The intervention changed since the ETag in If-Match"
//	@Failure		413			{object}	Problem				"The body is too large"
//	@Failure		415			{object}	Problem				"The body is not application/merge-patch+json"
//	@Failure		422			{object}	Problem				"The patched intervention does not validate"
//	@Failure		428			{object}	Problem				"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200			{string}	ETag				"The intervention's new entity tag"
//	@Router			/api/v1/interventions/{id} [patch]
func (s *Server) patchIntervention(c *gin.Context) {
	interventionKind.write(s, c, models.OpUpdate, mergePatchOf)
}

// deleteIntervention godoc
//
//	@Summary		Delete an intervention
//	@ID				deleteIntervention
//	@Description	Deletes an intervention with its evidence items. When studies name it in their `interventions`, the answer is 409 naming each, unless `unlink=true`: then they drop it, in the same transaction, audited. `If-Match` as for PUT.
//	@Tags			curation
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			id			path	string	true	"Intervention id"	example(triple-p)
//	@Param			If-Match	header	string	true	"The intervention's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			unlink		query	bool	false	"Also remove other records' references to the intervention"	default(false)	example(false)
//	@Success		204
//	@Failure		400	{object}	Problem	"Malformed id or parameter"
//	@Failure		401	{object}	Problem	"No valid token"
//	@Failure		403	{object}	Problem	"The token's role may not write"
//	@Failure		404	{object}	Problem	"No intervention with that id"
//	@Failure		409	{object}	Problem	"Other records refer to the intervention; errors names each reference"
//	@Failure		412	{object}	Problem	"The intervention changed since the ETag in If-Match"
//	@Failure		428	{object}	Problem	"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/interventions/{id} [delete]
func (s *Server) deleteIntervention(c *gin.Context) {
	interventionKind.remove(s, c)
}

// recordKind is a record kind as the API serves it: the store's kind, which reads and
// writes it, and the detail document that answers for one record.
type recordKind[T any, D catalog.Detail[T]] struct {
	*store.WriteKind[T, D]
	detailOf func(s *Server, c *gin.Context, cat *catalog.Catalog, d D) any
}

var (
	studyKind = &recordKind[models.Study, *catalog.StudyRecord]{
		WriteKind: store.StudyWrites,
		detailOf: func(s *Server, c *gin.Context, _ *catalog.Catalog, d *catalog.StudyRecord) any {
			return StudyDetail{Data: d.Study, Related: studyRelated(d), Meta: s.versionMeta(c)}
		},
	}
	interventionKind = &recordKind[models.Intervention, *catalog.InterventionRecord]{
		WriteKind: store.InterventionWrites,
		detailOf: func(s *Server, c *gin.Context, cat *catalog.Catalog, d *catalog.InterventionRecord) any {
			return InterventionDetail{Data: InterventionWithSummary{Intervention: d.Intervention, StudyCount: len(d.Studies),
				EvidenceSummary: cat.EvidenceSummary(&d.Intervention)},
				Related: interventionRelated(d), Meta: s.versionMeta(c)}
		},
	}
)

// recordKinds are the record kinds by name, for the read handlers, which name theirs.
var recordKinds = map[string]interface {
	answer(s *Server, c *gin.Context, status int, id string)
}{studyKind.Name: studyKind, interventionKind.Name: interventionKind}

// bodyOf turns a write's body into the record's JSON, given the record as it is now: nil
// for POST and PUT, whose body is the record, mergePatchOf for PATCH.
type bodyOf func(current, body []byte) ([]byte, error)

// mergePatchOf applies the body, a merge patch, to the record as it is now.
func mergePatchOf(current, body []byte) ([]byte, error) {
	patched, err := httpio.MergePatch(current, body)
	if err != nil {
		return nil, models.Invalid("body", "is not JSON")
	}
	return patched, nil
}

// document is the record id as it is now, in JSON.
func (k *recordKind[T, D]) document(cat *catalog.Catalog, id string) ([]byte, error) {
	d, err := k.Detail(cat, id)
	if err != nil {
		return nil, err
	}
	return json.Marshal(d.Record())
}

// write answers a create, replace or patch of one record.
func (k *recordKind[T, D]) write(s *Server, c *gin.Context, op string, transform bodyOf) {
	if _, err := httpio.ParseParams(c.Request.URL.Query()); err != nil {
		s.fail(c, err)
		return
	}
	w := store.RecordWrite{Actor: actor(c), Kind: k.Name, Op: op}
	if op != models.OpCreate {
		w.ID = c.Param("id")
		if err := httpio.ValidID(k.Name, w.ID); err != nil {
			s.fail(c, err)
			return
		}
		var ok bool
		if w.IfMatch, ok = ifMatch(s, c); !ok {
			return
		}
	}
	wantType := mediaJSON
	if transform != nil {
		wantType = mediaMergePatch
	}
	body, ok := readBody(s, c, wantType)
	if !ok {
		return
	}
	if transform != nil {
		current, err := k.document(s.snapshot(c), w.ID)
		if err == nil {
			body, err = transform(current, body)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	record := new(T)
	problems, err := httpio.DecodeRecord(body, record)
	k.Normalize(record)
	if err != nil {
		s.fail(c, models.Invalid("body", err.Error()))
		return
	}
	k.Carry(&w, record)
	bodyID := k.ID(record)
	switch {
	case op == models.OpCreate:
		w.ID = bodyID
	case bodyID != w.ID:
		problems = append(problems, models.FieldError{Field: "id", Reason: fmt.Sprintf("is %q, not the path's %q: a record keeps its id", bodyID, w.ID)})
	}
	if len(problems) > 0 {
		s.fail(c, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", k.Name), Fields: problems})
		return
	}
	if op == models.OpCreate {
		if w.IdempotencyKey = c.GetHeader("Idempotency-Key"); utf8.RuneCountInString(w.IdempotencyKey) > 255 {
			s.fail(c, models.Invalid("Idempotency-Key", "is longer than 255 characters"))
			return
		}
		sum := sha256.Sum256(append([]byte(k.Name+"\n"), body...))
		w.RequestHash = hex.EncodeToString(sum[:])
	}
	written, err := s.store.Write(c.Request.Context(), w)
	if err != nil {
		s.fail(c, err)
		return
	}
	httpio.Pin(c, written.Catalog) // the answer shows the write
	status := http.StatusOK
	if op == models.OpCreate {
		status = http.StatusCreated
		c.Header("Location", "/api/v1/"+k.Collection+"/"+w.ID)
		if written.Replayed {
			c.Header("Idempotent-Replayed", "true")
		}
	}
	k.answer(s, c, status, w.ID)
}

// writeDetail answers with a record's detail document and its strong ETag, the one a
// write names in If-Match. A GET whose If-None-Match names it is answered 304.
func (s *Server) writeDetail(c *gin.Context, status int, kind, id string) {
	recordKinds[kind].answer(s, c, status, id)
}

// answer is writeDetail for a record of this kind.
func (k *recordKind[T, D]) answer(s *Server, c *gin.Context, status int, id string) {
	cat := s.snapshot(c)
	d, err := k.Detail(cat, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	etag := d.ETag()
	c.Header("ETag", etag)
	if c.Request.Method == http.MethodGet && httpio.WeakMatch(c.GetHeader("If-None-Match"), etag) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	httpio.WriteJSON(c, status, k.detailOf(s, c, cat, d))
}

// remove answers a delete of one record.
func (k *recordKind[T, D]) remove(s *Server, c *gin.Context) {
	unlink, err := onlyFlag(c, "unlink")
	if err != nil {
		s.fail(c, err)
		return
	}
	w := store.RecordWrite{Actor: actor(c), Kind: k.Name, Op: models.OpDelete, ID: c.Param("id"), Unlink: unlink}
	if err := httpio.ValidID(k.Name, w.ID); err != nil {
		s.fail(c, err)
		return
	}
	var ok bool
	if w.IfMatch, ok = ifMatch(s, c); !ok {
		return
	}
	if _, err := s.store.Write(c.Request.Context(), w); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ifMatch reads the If-Match header: its entity tags, or "*". Without it the request is
// refused with 428: an unconditional change could overwrite one its author never saw.
func ifMatch(s *Server, c *gin.Context) ([]string, bool) {
	tags := ifMatchTags(c)
	if tags == nil {
		s.fail(c, &models.Error{Code: models.EPreconditionRequired,
			Message: "send If-Match with the record's ETag (from GET), so that no change is lost",
			Fields:  []models.FieldError{{Field: "If-Match", Reason: "is required"}}})
		return nil, false
	}
	return tags, true
}

// ifMatchTags is the list of entity tags in If-Match; nil when it is absent.
func ifMatchTags(c *gin.Context) []string {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return nil
	}
	var tags []string
	for _, t := range strings.Split(h, ",") {
		tags = append(tags, strings.TrimSpace(t))
	}
	return tags
}

// readBody reads a request body of the given media type; it answers 415 for another.
func readBody(s *Server, c *gin.Context, want string) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != want {
		httpio.WriteProblem(c, http.StatusUnsupportedMediaType, "send the body as "+want,
			[]models.FieldError{{Field: "Content-Type", Reason: "must be " + want, Valid: []string{want}}})
		return nil, false
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		httpio.WriteProblem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", edge.BodyLimit(c)), nil)
		return nil, false
	}
	return body, true
}

// actor is who makes the request, for the audit log.
func actor(c *gin.Context) store.Actor {
	p := principal(c)
	return store.Actor{Name: p.Name, Role: p.Role, RequestID: httpio.RequestID(c)}
}
