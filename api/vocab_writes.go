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
	getVocabulary(s, c, models.KindStrand, func(item any) any {
		return StrandDetail{Data: strandItem(s.snapshot(c), item.(models.Strand)), Meta: s.versionMeta(c)}
	})
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
	getVocabulary(s, c, models.KindDisadvantage, func(item any) any {
		return DisadvantageDetail{Data: disadvantageItem(s.snapshot(c), item.(models.DisadvantageFocus)), Meta: s.versionMeta(c)}
	})
}

func getVocabulary(s *Server, c *gin.Context, kind string, detail func(item any) any) {
	slug, ok := vocabularySlug(s, c, kind)
	if !ok {
		return
	}
	item, etag, ok := s.snapshot(c).VocabularyItem(kind, slug)
	if !ok {
		s.fail(c, models.NotFound(kind, slug))
		return
	}
	c.Header("ETag", etag)
	httpio.WriteJSON(c, http.StatusOK, detail(item))
}

// putTheme godoc
//
//	@Summary		Add or replace a theme
//	@ID				putTheme
//	@Description	Adds the theme, or replaces it (then `If-Match` must carry its current ETag, from GET). Admins only. Labels change across the API and pages at once.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path		string			true	"Theme slug"	example(engaging-with-fathers)
//	@Param			If-Match	header		string			false	"The theme's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			theme		body		models.Theme	true	"The theme"
//	@Success		200			{object}	ThemeDetail
//	@Failure		400			{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401			{object}	Problem	"No valid token"
//	@Failure		403			{object}	Problem	"The token is not an admin's"
//	@Failure		412			{object}	Problem	"The theme changed since the ETag in If-Match"
//	@Failure		415			{object}	Problem	"The body is not application/json"
//	@Failure		422			{object}	Problem	"The theme does not validate"
//	@Failure		428			{object}	Problem	"If-Match is missing for an existing theme"
//	@Header			200			{string}	ETag	"The theme's new entity tag"
//	@Router			/api/v1/themes/{slug} [put]
func (s *Server) putTheme(c *gin.Context) {
	putVocabulary(s, c, models.KindTheme, func(t models.Theme) string { return t.Slug }, s.getTheme)
}

// putStrand godoc
//
//	@Summary		Add or replace a strand
//	@ID				putStrand
//	@Description	Adds the strand, or replaces it (`If-Match` as for themes). Admins only.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug		path		string			true	"Strand slug"	example(information-for-parents)
//	@Param			If-Match	header		string			false	"The strand's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			strand		body		models.Strand	true	"The strand"
//	@Success		200			{object}	StrandDetail
//	@Failure		400			{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401			{object}	Problem	"No valid token"
//	@Failure		403			{object}	Problem	"The token is not an admin's"
//	@Failure		412			{object}	Problem	"The strand changed since the ETag in If-Match"
//	@Failure		415			{object}	Problem	"The body is not application/json"
//	@Failure		422			{object}	Problem	"The strand does not validate"
//	@Failure		428			{object}	Problem	"If-Match is missing for an existing strand"
//	@Header			200			{string}	ETag	"The strand's new entity tag"
//	@Router			/api/v1/strands/{slug} [put]
func (s *Server) putStrand(c *gin.Context) {
	putVocabulary(s, c, models.KindStrand, func(t models.Strand) string { return t.Slug }, s.getStrand)
}

// putDisadvantage godoc
//
//	@Summary		Add or replace a disadvantage-focus value
//	@ID				putDisadvantage
//	@Description	Adds the value, or replaces it (`If-Match` as for themes). Admins only.
//	@Tags			curation
//	@Accept			json
//	@Produce		json
//	@Produce		application/problem+json
//	@Security		BearerToken
//	@Param			slug			path		string						true	"Disadvantage-focus slug"	example(low-income)
//	@Param			If-Match		header		string						false	"The value's current ETag; required to replace"	example("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
//	@Param			disadvantage	body		models.DisadvantageFocus	true	"The value"
//	@Success		200				{object}	DisadvantageDetail
//	@Failure		400				{object}	Problem	"Malformed slug, or the body is not a JSON object"
//	@Failure		401				{object}	Problem	"No valid token"
//	@Failure		403				{object}	Problem	"The token is not an admin's"
//	@Failure		412				{object}	Problem	"The value changed since the ETag in If-Match"
//	@Failure		415				{object}	Problem	"The body is not application/json"
//	@Failure		422				{object}	Problem	"The value does not validate"
//	@Failure		428				{object}	Problem	"If-Match is missing for an existing value"
//	@Header			200				{string}	ETag	"The value's new entity tag"
//	@Router			/api/v1/disadvantages/{slug} [put]
func (s *Server) putDisadvantage(c *gin.Context) {
	putVocabulary(s, c, models.KindDisadvantage, func(t models.DisadvantageFocus) string { return t.Slug }, s.getDisadvantage)
}

// putVocabulary answers a put of one vocabulary value; answer writes the value as GET does.
func putVocabulary[T any](s *Server, c *gin.Context, kind string, slugOf func(T) string, answer gin.HandlerFunc) {
	slug, ok := vocabularySlug(s, c, kind)
	if !ok {
		return
	}
	body, ok := readBody(s, c, mediaJSON)
	if !ok {
		return
	}
	var item T
	problems, err := httpio.DecodeRecord(body, &item)
	if err != nil {
		s.fail(c, models.Invalid("body", err.Error()))
		return
	}
	if got := slugOf(item); got != slug {
		problems = append(problems, models.FieldError{Field: "slug", Reason: fmt.Sprintf("is %q, not the path's %q", got, slug)})
	}
	if len(problems) > 0 {
		s.fail(c, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", kind), Fields: problems})
		return
	}
	cat, err := s.store.WriteVocabulary(c.Request.Context(), store.VocabularyWrite{Actor: actor(c), Kind: kind, Slug: slug,
		Item: item, IfMatch: ifMatchTags(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	httpio.Pin(c, cat)
	answer(c)
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
//	@Router			/api/v1/themes/{slug} [delete]
func (s *Server) deleteTheme(c *gin.Context) { deleteVocabulary(s, c, models.KindTheme) }

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
//	@Router			/api/v1/strands/{slug} [delete]
func (s *Server) deleteStrand(c *gin.Context) { deleteVocabulary(s, c, models.KindStrand) }

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
//	@Router			/api/v1/disadvantages/{slug} [delete]
func (s *Server) deleteDisadvantage(c *gin.Context) { deleteVocabulary(s, c, models.KindDisadvantage) }

func deleteVocabulary(s *Server, c *gin.Context, kind string) {
	slug, ok := vocabularySlug(s, c, kind)
	if !ok {
		return
	}
	tags, ok := ifMatch(s, c)
	if !ok {
		return
	}
	if _, err := s.store.WriteVocabulary(c.Request.Context(), store.VocabularyWrite{Actor: actor(c), Kind: kind, Slug: slug,
		Delete: true, IfMatch: tags}); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// vocabularySlug reads a vocabulary route's slug, refusing any query parameter and a
// malformed slug; false when it has answered.
func vocabularySlug(s *Server, c *gin.Context, kind string) (string, bool) {
	slug := c.Param("slug")
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return "", false
	}
	if err := httpio.ValidSlug(kind, slug); err != nil {
		s.fail(c, err)
		return "", false
	}
	return slug, true
}
