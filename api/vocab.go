package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// listThemes godoc
//
//	@Summary		List themes
//	@ID				listThemes
//	@Description	The six key themes of the review, with how many studies and interventions each holds, in the list envelope. Three are provisional: their names are ours, because the review's own could not be recovered (see each theme's note).
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			page		query		int	false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int	false	"Items per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Success		200			{object}	ThemeList
//	@Failure		400			{object}	Problem
//	@Header			200			{string}	Link	"RFC 8288 links: first, prev, next, last"
//	@Router			/api/v1/themes [get]
func (s *Server) listThemes(c *gin.Context) {
	themeKind.list(s, c)
}

// vocabularyKind is a vocabulary as the API serves it: the catalogue's kind, and the
// documents that carry its values, each with how many records it tags.
type vocabularyKind[V, I any] struct {
	*catalog.VocabularyKind[V]
	itemOf   func(v V, studies, interventions int) I
	listOf   func(data []I, meta ListMeta, links Links) any
	detailOf func(item I, meta VersionMeta) any
}

var (
	themeKind = &vocabularyKind[models.Theme, ThemeItem]{
		VocabularyKind: catalog.ThemeKind,
		itemOf: func(t models.Theme, studies, ivs int) ThemeItem {
			return ThemeItem{Theme: t, StudyCount: studies, InterventionCount: ivs}
		},
		listOf:   func(data []ThemeItem, meta ListMeta, links Links) any { return ThemeList{data, meta, links} },
		detailOf: func(item ThemeItem, meta VersionMeta) any { return ThemeDetail{Data: item, Meta: meta} },
	}
	strandKind = &vocabularyKind[models.Strand, StrandItem]{
		VocabularyKind: catalog.StrandKind,
		itemOf: func(t models.Strand, studies, ivs int) StrandItem {
			return StrandItem{Strand: t, StudyCount: studies, InterventionCount: ivs}
		},
		listOf:   func(data []StrandItem, meta ListMeta, links Links) any { return StrandList{data, meta, links} },
		detailOf: func(item StrandItem, meta VersionMeta) any { return StrandDetail{Data: item, Meta: meta} },
	}
	disadvantageKind = &vocabularyKind[models.DisadvantageFocus, DisadvantageItem]{
		VocabularyKind: catalog.DisadvantageKind,
		itemOf: func(t models.DisadvantageFocus, studies, ivs int) DisadvantageItem {
			return DisadvantageItem{DisadvantageFocus: t, StudyCount: studies, InterventionCount: ivs}
		},
		listOf: func(data []DisadvantageItem, meta ListMeta, links Links) any {
			return DisadvantageList{data, meta, links}
		},
		detailOf: func(item DisadvantageItem, meta VersionMeta) any { return DisadvantageDetail{Data: item, Meta: meta} },
	}
)

// list answers a page of the vocabulary, each value with its counts.
func (k *vocabularyKind[V, I]) list(s *Server, c *gin.Context) {
	paging, err := onlyPaging(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cat := s.snapshot(c)
	values := k.Values(cat)
	items := make([]I, len(values))
	for i, v := range values {
		items[i] = k.item(cat, v)
	}
	data, meta, links, err := pageOf(s, c, items, paging)
	if err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, http.StatusOK, k.listOf(data, meta, links))
}

// item is the value v with how many live records it tags.
func (k *vocabularyKind[V, I]) item(cat *catalog.Catalog, v V) I {
	studies, ivs := k.TagUse(cat, k.Slug(v))
	return k.itemOf(v, studies, ivs)
}

// getTheme godoc
//
//	@Summary	Get a theme
//	@Description	One of the six themes, with how many studies and interventions carry it. Provisional themes carry a note saying the name is ours.
//	@ID				getTheme
//	@Tags		vocabularies
//	@Produce	json
//	@Produce	application/problem+json
//	@Param		slug	path		string	true	"Theme slug"	example(engaging-with-fathers)
//	@Success	200		{object}	ThemeDetail
//	@Failure	400		{object}	Problem	"Malformed slug"
//	@Failure	404		{object}	Problem	"No theme with that slug"
//	@Header		200		{string}	ETag	"The theme's entity tag, for an admin's change"
//	@Router		/api/v1/themes/{slug} [get]
func (s *Server) getTheme(c *gin.Context) {
	themeKind.get(s, c)
}

// get answers one value of the vocabulary, with its ETag.
func (k *vocabularyKind[V, I]) get(s *Server, c *gin.Context) {
	if slug, ok := k.pathSlug(s, c); ok {
		k.answer(s, c, http.StatusOK, slug)
	}
}

// answer writes the value slug as GET does, with its ETag.
func (k *vocabularyKind[V, I]) answer(s *Server, c *gin.Context, status int, slug string) {
	cat := s.snapshot(c)
	v, etag, ok := k.Item(cat, slug)
	if !ok {
		s.fail(c, models.NotFound(k.Name, slug))
		return
	}
	c.Header("ETag", etag)
	httpio.WriteJSON(c, status, k.detailOf(k.item(cat, v), s.versionMeta(c)))
}

// pathSlug reads the route's slug, refusing any query parameter and a malformed slug;
// false when it has answered.
func (k *vocabularyKind[V, I]) pathSlug(s *Server, c *gin.Context) (string, bool) {
	slug := c.Param("slug")
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return "", false
	}
	if err := httpio.ValidSlug(k.Name, slug); err != nil {
		s.fail(c, err)
		return "", false
	}
	return slug, true
}

// listStrands godoc
//
//	@Summary		List strands
//	@ID				listStrands
//	@Description	The four strands of government activity on parental engagement, with how many studies and interventions each holds, in the list envelope. All four are provisional: the source page's list is lost, so each label is built from that page's own wording.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			page		query		int	false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int	false	"Items per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Success		200			{object}	StrandList
//	@Failure		400			{object}	Problem
//	@Header			200			{string}	Link	"RFC 8288 links: first, prev, next, last"
//	@Router			/api/v1/strands [get]
func (s *Server) listStrands(c *gin.Context) {
	strandKind.list(s, c)
}

// listDisadvantages godoc
//
//	@Summary		List disadvantage-focus values
//	@ID				listDisadvantages
//	@Description	The disadvantaged groups a record can concern, each grounded in a source of the review, with how many studies and interventions each holds, in the list envelope.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			page		query		int	false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int	false	"Items per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Success		200			{object}	DisadvantageList
//	@Failure		400			{object}	Problem
//	@Header			200			{string}	Link	"RFC 8288 links: first, prev, next, last"
//	@Router			/api/v1/disadvantages [get]
func (s *Server) listDisadvantages(c *gin.Context) {
	disadvantageKind.list(s, c)
}

// getGlossary godoc
//
//	@Summary		Glossary of the vocabularies
//	@ID				getGlossary
//	@Description	Plain-language labels and descriptions, for school staff, of the values of the closed vocabularies: `design`, `stage`, `setting`, `type` (of publication), `strand` (the dataset's strand names, with `provisional`), and the typed evidence's `kind`, `result` and `window`. The web pages use the same labels.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	GlossaryList
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/glossary [get]
func (s *Server) getGlossary(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, 200, GlossaryList{Data: models.Glossary(s.snapshot(c).Strands()), Meta: s.versionMeta(c)})
}

func (s *Server) versionMeta(c *gin.Context) VersionMeta {
	return VersionMeta{DatasetVersion: s.snapshot(c).Version()}
}

// noParams rejects any query parameter on endpoints that take none.
func noParams(c *gin.Context) error {
	_, err := httpio.ParseParams(c.Request.URL.Query())
	return err
}

// onlyFlag reads the one query parameter a request may carry, name, a boolean that is
// false unless given.
func onlyFlag(c *gin.Context, name string) (bool, error) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), name)
	if err != nil {
		return false, err
	}
	return p.Bool(name, false)
}
