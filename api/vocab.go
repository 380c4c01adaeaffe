package api

import (
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
	cat := s.snapshot(c)
	vocabList(s, c, cat.Vocabulary().Themes, func(t models.Theme) ThemeItem { return themeItem(cat, t) },
		func(data []ThemeItem, meta ListMeta, links Links) any { return ThemeList{data, meta, links} })
}

// vocabList answers a page of a vocabulary, each value with its counts.
func vocabList[V, I any](s *Server, c *gin.Context, values []V, item func(V) I, list func([]I, ListMeta, Links) any) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "page", "per_page")
	if err != nil {
		s.fail(c, err)
		return
	}
	paging, err := pageParams(p)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]I, len(values))
	for i, v := range values {
		items[i] = item(v)
	}
	data, meta, links, err := pageOf(s, c, items, paging)
	if err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, 200, list(data, meta, links))
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
	getVocabulary(s, c, models.KindTheme, func(item any) any {
		return ThemeDetail{Data: themeItem(s.snapshot(c), item.(models.Theme)), Meta: s.versionMeta(c)}
	})
}

func themeItem(cat *catalog.Catalog, t models.Theme) ThemeItem {
	studies, ivs := cat.TagUse(models.KindTheme, t.Slug)
	return ThemeItem{Theme: t, StudyCount: studies, InterventionCount: ivs}
}

func strandItem(cat *catalog.Catalog, t models.Strand) StrandItem {
	studies, ivs := cat.TagUse(models.KindStrand, t.Slug)
	return StrandItem{Strand: t, StudyCount: studies, InterventionCount: ivs}
}

func disadvantageItem(cat *catalog.Catalog, t models.DisadvantageFocus) DisadvantageItem {
	studies, ivs := cat.TagUse(models.KindDisadvantage, t.Slug)
	return DisadvantageItem{DisadvantageFocus: t, StudyCount: studies, InterventionCount: ivs}
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
	cat := s.snapshot(c)
	vocabList(s, c, cat.Strands(), func(t models.Strand) StrandItem { return strandItem(cat, t) },
		func(data []StrandItem, meta ListMeta, links Links) any { return StrandList{data, meta, links} })
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
	cat := s.snapshot(c)
	vocabList(s, c, cat.Disadvantages(), func(t models.DisadvantageFocus) DisadvantageItem { return disadvantageItem(cat, t) },
		func(data []DisadvantageItem, meta ListMeta, links Links) any {
			return DisadvantageList{data, meta, links}
		})
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
