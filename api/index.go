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
	out := Index{Data: make([]Resource, len(s.listed)), Meta: s.versionMeta(c), Links: IndexLinks{
		Self: base + httpio.APIRoot, OpenAPI: base + "/openapi.yaml", Docs: base + "/docs", Problems: base + httpio.ProblemsPath,
	}}
	for i, r := range s.listed {
		out.Data[i] = Resource{Name: r.Name, Href: base + r.Href, Description: r.Description}
	}
	httpio.WriteJSON(c, http.StatusOK, out)
}
