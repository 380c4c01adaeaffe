package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// Resource is one resource of the API, as the index lists it.
type Resource struct {
	Name        string `json:"name" example:"studies"`
	Href        string `json:"href" example:"http://localhost:8080/api/v1/studies"` // absolute
	Description string `json:"description" example:"Studies of the review (2008–2014): filter, search, sort, facet, page, export"`
} // @name Resource

// IndexLinks are the documents beside the API.
type IndexLinks struct {
	Self     string `json:"self" example:"http://localhost:8080/api/v1"`
	OpenAPI  string `json:"openapi" example:"http://localhost:8080/openapi.yaml"`
	Docs     string `json:"docs" example:"http://localhost:8080/docs"`
	Problems string `json:"problems" example:"http://localhost:8080/problems"`
} // @name IndexLinks

// Index is the API's front door: its resources, with absolute links, and the dataset
// version they answer from.
type Index struct {
	Data  []Resource  `json:"data"`
	Links IndexLinks  `json:"links"`
	Meta  VersionMeta `json:"meta"`
} // @name Index

// resources are the index's entries, by path under /api/v1.
var resources = []struct{ name, path, description string }{
	{"studies", "/studies", "Studies of the review (2008–2014): filter, search, sort, facet, page, export; /studies/{id} for one, with its citation"},
	{"interventions", "/interventions", "Interventions and the evidence for each: filter, search, sort, facet, page, export; /interventions/{id} for one"},
	{"themes", "/themes", "The six key themes, with study and intervention counts; /themes/{slug} for one"},
	{"strands", "/strands", "The four strands of government activity, with counts; /strands/{slug} for one"},
	{"disadvantages", "/disadvantages", "The disadvantage-focus values, with counts; /disadvantages/{slug} for one"},
	{"vocabularies", "/vocabularies", "Every filterable and facetable field of studies and interventions: type, operators, values with labels"},
	{"glossary", "/glossary", "Plain-language labels and descriptions of the closed vocabularies"},
	{"evidence-map", "/evidence-map", "The evidence-gap map: two dimensions of studies crossed, gaps flagged"},
	{"stats", "/stats", "Coverage: counts per tag, completeness of DOI, sample size and effect size"},
	{"autocomplete", "/autocomplete", "Suggestions for search boxes (q=)"},
	{"dataset", "/dataset", "The whole evidence base in the dataset format, named after its version"},
	{"audit", "/audit", "The audit log of every change (admins only)"},
}

// index godoc
//
//	@Summary		The API's index
//	@ID				index
//	@Description	The resources of the API with absolute links, the documents beside it (OpenAPI, docs, problem types) and the dataset version.
//	@Tags			operations
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	Index
//	@Failure		400	{object}	Problem
//	@Router			/api/v1 [get]
func (s *Server) index(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	base := httpio.BaseURL(c.Request)
	out := Index{Data: make([]Resource, len(resources)), Meta: s.versionMeta(c), Links: IndexLinks{
		Self: base + "/api/v1", OpenAPI: base + "/openapi.yaml", Docs: base + "/docs", Problems: base + "/problems",
	}}
	for i, r := range resources {
		out.Data[i] = Resource{Name: r.name, Href: base + "/api/v1" + r.path, Description: r.description}
	}
	httpio.WriteJSON(c, http.StatusOK, out)
}
