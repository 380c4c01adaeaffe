package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// problemsView is the page of one kind of problem the JSON API answers with, whose address
// is that problem's type URI, or, without a kind, the list of them all.
type problemsView struct {
	layout
	Kind       *httpio.ProblemKind
	Kinds      []httpio.ProblemKind
	TypeURI    string
	StatusText string
}

// problemsPage explains the problem types of the JSON API: /problems lists them, and
// /problems/{slug} is the page a problem document's type URI resolves to.
func (s *Site) problemsPage(c *gin.Context) {
	if _, err := parseForm(c.Request.URL.Query(), nil); err != nil {
		s.webFail(c, err)
		return
	}
	v := problemsView{Kinds: httpio.ProblemKinds}
	title := "Problems the API answers with"
	if slug := c.Param("slug"); slug != "" {
		for i, k := range httpio.ProblemKinds {
			if k.Slug == slug {
				v.Kind = &httpio.ProblemKinds[i]
			}
		}
		if v.Kind == nil {
			s.webFail(c, models.NotFound("problem type", slug))
			return
		}
		title = "Problem: " + v.Kind.Title
		v.TypeURI = httpio.BaseURL(c.Request) + httpio.ProblemPath(slug)
		v.StatusText = http.StatusText(v.Kind.Status)
	}
	v.layout = s.layout(c, s.snapshot(c).Version(), title, "", "")
	s.render(c, http.StatusOK, "problems", v)
}
