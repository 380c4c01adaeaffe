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
//	@Description	The six key themes of the review, with how many studies and interventions each holds. Three are provisional: their names are ours, because the review's own could not be recovered (see each theme's note).
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	ThemeList
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/themes [get]
func (s *Server) listThemes(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	themes := s.snapshot(c).Themes()
	items := make([]ThemeItem, len(themes))
	for i, t := range themes {
		items[i] = themeItem(t)
	}
	httpio.WriteJSON(c, 200, ThemeList{Data: items, Meta: s.versionMeta(c)})
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
	slug := c.Param("slug")
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := httpio.ValidSlug("theme", slug); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.snapshot(c).Theme(slug)
	if err != nil {
		s.fail(c, err)
		return
	}
	_, etag, _ := s.snapshot(c).VocabularyItem(models.KindTheme, slug)
	c.Header("ETag", etag)
	httpio.WriteJSON(c, 200, ThemeDetail{Data: themeItem(*t), Meta: s.versionMeta(c)})
}

func themeItem(t catalog.ThemeCount) ThemeItem {
	return ThemeItem{Theme: t.Theme, StudyCount: t.StudyCount, InterventionCount: t.InterventionCount}
}

// listStrands godoc
//
//	@Summary		List strands
//	@ID				listStrands
//	@Description	The four strands of government activity on parental engagement. All four are provisional: the source page's list is lost, so each label is built from that page's own wording.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	StrandList
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/strands [get]
func (s *Server) listStrands(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, 200, StrandList{Data: s.snapshot(c).Strands(), Meta: s.versionMeta(c)})
}

// listDisadvantages godoc
//
//	@Summary		List disadvantage-focus values
//	@ID				listDisadvantages
//	@Description	The disadvantaged groups a record can concern, each grounded in a source of the review.
//	@Tags			vocabularies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	DisadvantageList
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/disadvantages [get]
func (s *Server) listDisadvantages(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, 200, DisadvantageList{Data: s.snapshot(c).Disadvantages(), Meta: s.versionMeta(c)})
}

func (s *Server) versionMeta(c *gin.Context) VersionMeta {
	return VersionMeta{DatasetVersion: s.snapshot(c).Version()}
}

// noParams rejects any query parameter on endpoints that take none.
func noParams(c *gin.Context) error {
	_, err := httpio.ParseParams(c.Request.URL.Query())
	return err
}
