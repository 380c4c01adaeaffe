package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// StrandDetail is one strand.
type StrandDetail struct {
	Data StrandItem  `json:"data"`
	Meta VersionMeta `json:"meta"`
} // @name StrandDetail

// DisadvantageDetail is one disadvantage-focus value.
type DisadvantageDetail struct {
	Data DisadvantageItem `json:"data"`
	Meta VersionMeta      `json:"meta"`
} // @name DisadvantageDetail

// getStrand godoc
//
//	@Summary		Get a strand
//	@ID				getStrand
//	@Description	One of the four strands, with how many studies and interventions carry it, and its ETag (for an admin's change).
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			slug	path		string	true	"Strand slug"	example(information-for-parents)
//	@Success		200		{object}	StrandDetail
//	@Failure		400		{object}	Problem	"Malformed slug"
//	@Failure		404		{object}	Problem	"No strand with that slug"
//	@Header			200		{string}	ETag	"The strand's entity tag"
//	@Router			/api/v1/strands/{slug} [get]
func (s *Server) getStrand(c *gin.Context) {
	strandKind.get(s, c)
}

// getDisadvantage godoc
//
//	@Summary		Get a disadvantage-focus value
//	@ID				getDisadvantage
//	@Description	One disadvantage-focus value, with how many studies and interventions carry it, and its ETag (for an admin's change).
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			slug	path		string	true	"Disadvantage-focus slug"	example(low-income)
//	@Success		200		{object}	DisadvantageDetail
//	@Failure		400		{object}	Problem	"Malformed slug"
//	@Failure		404		{object}	Problem	"No value with that slug"
//	@Header			200		{string}	ETag	"The value's entity tag"
//	@Router			/api/v1/disadvantages/{slug} [get]
func (s *Server) getDisadvantage(c *gin.Context) {
	disadvantageKind.get(s, c)
}

// putTheme godoc
//
//	@Summary		Add or replace a theme
//	@ID				putTheme
//	@Description	Adds the theme (201, with its URL in `Location`), or replaces it (200; then `If-Match` must carry its current ETag, from GET). Admins only. Labels change across the API and pages at once.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path		string			true	"Theme slug"	example(engaging-with-fathers)
//	@Param			If-Match	header		string			false	"The theme's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			theme		body		models.Theme	true	"The theme"
//	@Success		200			{object}	ThemeDetail	"The theme replaced"
//	@Success		201			{object}	ThemeDetail	"The theme added"
//	@Failure		400			{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401			{object}	Problem	"No valid token"
//	@Failure		403			{object}	Problem	"The token is not an admin's"
//	@Failure		412			{object}	Problem	"The theme changed since the ETag in If-Match"
//	@Failure		415			{object}	Problem	"The body is not application/json"
//	@Failure		422			{object}	Problem	"The theme does not validate"
//	@Failure		428			{object}	Problem	"If-Match is missing for an existing theme"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200			{string}	ETag		"The theme's new entity tag"
//	@Header			201			{string}	ETag		"The theme's entity tag, for If-Match"
//	@Header			201			{string}	Location	"The theme's URL"
//	@Router			/api/v1/themes/{slug} [put]
func (s *Server) putTheme(c *gin.Context) {
	themeKind.put(s, c)
}

// putStrand godoc
//
//	@Summary		Add or replace a strand
//	@ID				putStrand
//	@Description	Adds the strand (201, with its URL in `Location`), or replaces it (200; `If-Match` as for themes). Admins only.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path		string			true	"Strand slug"	example(information-for-parents)
//	@Param			If-Match	header		string			false	"The strand's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			strand		body		models.Strand	true	"The strand"
//	@Success		200			{object}	StrandDetail	"The strand replaced"
//	@Success		201			{object}	StrandDetail	"The strand added"
//	@Failure		400			{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401			{object}	Problem	"No valid token"
//	@Failure		403			{object}	Problem	"The token is not an admin's"
//	@Failure		412			{object}	Problem	"The strand changed since the ETag in If-Match"
//	@Failure		415			{object}	Problem	"The body is not application/json"
//	@Failure		422			{object}	Problem	"The strand does not validate"
//	@Failure		428			{object}	Problem	"If-Match is missing for an existing strand"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200			{string}	ETag		"The strand's new entity tag"
//	@Header			201			{string}	ETag		"The strand's entity tag, for If-Match"
//	@Header			201			{string}	Location	"The strand's URL"
//	@Router			/api/v1/strands/{slug} [put]
func (s *Server) putStrand(c *gin.Context) {
	strandKind.put(s, c)
}

// putDisadvantage godoc
//
//	@Summary		Add or replace a disadvantage-focus value
//	@ID				putDisadvantage
//	@Description	Adds the value (201, with its URL in `Location`), or replaces it (200; `If-Match` as for themes). Admins only.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug			path		string						true	"Disadvantage-focus slug"	example(low-income)
//	@Param			If-Match		header		string						false	"The value's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			disadvantage	body		models.DisadvantageFocus	true	"The value"
//	@Success		200				{object}	DisadvantageDetail	"The value replaced"
//	@Success		201				{object}	DisadvantageDetail	"The value added"
//	@Failure		400				{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401				{object}	Problem	"No valid token"
//	@Failure		403				{object}	Problem	"The token is not an admin's"
//	@Failure		412				{object}	Problem	"The value changed since the ETag in If-Match"
//	@Failure		415				{object}	Problem	"The body is not application/json"
//	@Failure		422				{object}	Problem	"The value does not validate"
//	@Failure		428				{object}	Problem	"If-Match is missing for an existing value"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Header			200				{string}	ETag		"The value's new entity tag"
//	@Header			201				{string}	ETag		"The value's entity tag, for If-Match"
//	@Header			201				{string}	Location	"The value's URL"
//	@Router			/api/v1/disadvantages/{slug} [put]
func (s *Server) putDisadvantage(c *gin.Context) {
	disadvantageKind.put(s, c)
}

// put answers a put of one value: 201 with its Location when it creates the value, 200
// when it replaces it.
func (k *vocabularyKind[V, I]) put(s *Server, c *gin.Context) {
	slug, ok := k.pathSlug(s, c)
	if !ok {
		return
	}
	body, ok := readBody(s, c, mediaJSON)
	if !ok {
		return
	}
	var item V
	problems, err := httpio.DecodeRecord(body, &item)
	if err != nil {
		s.fail(c, models.Invalid("body", err.Error()))
		return
	}
	if got := k.Slug(item); got != slug {
		problems = append(problems, models.FieldError{Field: "slug", Reason: fmt.Sprintf("is %q, not the path's %q", got, slug)})
	}
	if len(problems) > 0 {
		s.fail(c, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", k.Name), Fields: problems})
		return
	}
	// the store says whether the put created the value or replaced it, as the write's
	// transaction found it: another admin's write at the same time cannot confuse the two
	written, err := s.store.WriteVocabulary(c.Request.Context(), store.VocabularyWrite{Actor: actor(c), Kind: k.Name, Slug: slug,
		Item: item, IfMatch: ifMatchTags(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	httpio.Pin(c, written.Catalog)
	status := http.StatusOK
	if written.Op == models.OpCreate {
		status = http.StatusCreated
		c.Header("Location", "/api/v1/"+k.Collection+"/"+slug)
	}
	k.answer(s, c, status, slug)
}

// deleteTheme godoc
//
//	@Summary		Delete a theme
//	@ID				deleteTheme
//	@Description	Deletes a theme that no record carries (409 otherwise: retag the records first). `If-Match` must carry its current ETag. Admins only.
//	@Tags			curation
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path	string	true	"Theme slug"	example(engaging-with-fathers)
//	@Param			If-Match	header	string	true	"The theme's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Success		204
//	@Failure		400	{object}	Problem	"Malformed slug"
//	@Failure		401	{object}	Problem	"No valid token"
//	@Failure		403	{object}	Problem	"The token is not an admin's"
//	@Failure		404	{object}	Problem	"No theme with that slug"
//	@Failure		409	{object}	Problem	"Records carry the theme"
//	@Failure		412	{object}	Problem	"The theme changed since the ETag in If-Match"
//	@Failure		428	{object}	Problem	"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/themes/{slug} [delete]
func (s *Server) deleteTheme(c *gin.Context) { themeKind.remove(s, c) }

// deleteStrand godoc
//
//	@Summary		Delete a strand
//	@ID				deleteStrand
//	@Description	Deletes a strand that no record carries, as for themes. Admins only.
//	@Tags			curation
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path	string	true	"Strand slug"	example(information-for-parents)
//	@Param			If-Match	header	string	true	"The strand's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Success		204
//	@Failure		400	{object}	Problem	"Malformed slug"
//	@Failure		401	{object}	Problem	"No valid token"
//	@Failure		403	{object}	Problem	"The token is not an admin's"
//	@Failure		404	{object}	Problem	"No strand with that slug"
//	@Failure		409	{object}	Problem	"Records carry the strand"
//	@Failure		412	{object}	Problem	"The strand changed since the ETag in If-Match"
//	@Failure		428	{object}	Problem	"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/strands/{slug} [delete]
func (s *Server) deleteStrand(c *gin.Context) { strandKind.remove(s, c) }

// deleteDisadvantage godoc
//
//	@Summary		Delete a disadvantage-focus value
//	@ID				deleteDisadvantage
//	@Description	Deletes a disadvantage-focus value that no record carries, as for themes. Admins only.
//	@Tags			curation
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path	string	true	"Disadvantage-focus slug"	example(low-income)
//	@Param			If-Match	header	string	true	"The value's current ETag"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Success		204
//	@Failure		400	{object}	Problem	"Malformed slug"
//	@Failure		401	{object}	Problem	"No valid token"
//	@Failure		403	{object}	Problem	"The token is not an admin's"
//	@Failure		404	{object}	Problem	"No value with that slug"
//	@Failure		409	{object}	Problem	"Records carry the value"
//	@Failure		412	{object}	Problem	"The value changed since the ETag in If-Match"
//	@Failure		428	{object}	Problem	"If-Match is missing"
//	@Failure		503	{object}	Problem	"The database does not answer (an outage, a failover under way): the change was not confirmed; send it again after Retry-After (the same Idempotency-Key or If-Match makes that safe)"
//	@Failure		507	{object}	Problem	"The database's disk is full: nothing was written"
//	@Header			503	{string}	Retry-After	"Seconds to wait before trying again"
//	@Router			/api/v1/disadvantages/{slug} [delete]
func (s *Server) deleteDisadvantage(c *gin.Context) { disadvantageKind.remove(s, c) }

// remove answers a delete of one value.
func (k *vocabularyKind[V, I]) remove(s *Server, c *gin.Context) {
	slug, ok := k.pathSlug(s, c)
	if !ok {
		return
	}
	tags, ok := ifMatch(s, c)
	if !ok {
		return
	}
	if _, err := s.store.WriteVocabulary(c.Request.Context(), store.VocabularyWrite{Actor: actor(c), Kind: k.Name, Slug: slug,
		Delete: true, IfMatch: tags}); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
