package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// Routes is the JSON API over a store, with its OpenAPI contract and the operational
// endpoints, as the edge serves it: every route with its cost class. Adding an endpoint
// is adding one line to routes.
func Routes(st *store.Store, opts Options) (edge.Surface, error) {
	s, err := newServer(st, opts)
	if err != nil {
		return edge.Surface{}, err
	}
	return s.surface(), nil
}

// surface is the API's routes, and its answers for what no route has: problem documents
// for every path under /api/.
func (s *Server) surface() edge.Surface {
	routes := s.routes()
	s.listed = nil
	for _, rt := range routes {
		if rt.Listing != nil { // the index's entries, in the routes' order, linked by path
			s.listed = append(s.listed, Resource{Name: rt.Listing.Name, Href: rt.Path, Description: rt.Listing.Description})
		}
	}
	return edge.Surface{
		Routes:     routes,
		Owns:       func(path string) bool { return strings.HasPrefix(path, "/api/") },
		Collectors: s.collectors(),
	}
}

// The route middleware of the API's groups: reads are checked and cacheable; writes
// need a curator's token, and the audit log, vocabularies and imports an admin's.
func (s *Server) routes() []edge.Route {
	read := func(h gin.HandlerFunc) []gin.HandlerFunc { return []gin.HandlerFunc{wellFormedQuery, s.cacheable, h} }
	as := func(role models.Role, h gin.HandlerFunc) []gin.HandlerFunc {
		return []gin.HandlerFunc{wellFormedQuery, s.requireRole(role), h}
	}
	curator := func(h gin.HandlerFunc) []gin.HandlerFunc { return as(models.RoleCurator, h) }
	admin := func(h gin.HandlerFunc) []gin.HandlerFunc { return as(models.RoleAdmin, h) }
	docs := []gin.HandlerFunc{docsHeaders, s.docsUI()}
	listed := func(name, description string) *edge.Listing {
		return &edge.Listing{Name: name, Description: description}
	}
	const v1 = httpio.APIRoot
	get, post, put, patch, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	routes := []edge.Route{
		{Method: get, Path: "/healthz", Handlers: handlers(s.healthz), Cost: edge.Free},
		{Method: get, Path: "/readyz", Handlers: handlers(s.readyz), Cost: edge.Free},
		{Method: get, Path: "/openapi.yaml", Handlers: handlers(s.openAPIYAML), Cost: edge.Cheap, Precompressed: true},
		{Method: get, Path: "/openapi.json", Handlers: handlers(s.openAPIJSON), Cost: edge.Cheap, Precompressed: true},
		{Method: get, Path: "/docs", Handlers: docs, Cost: edge.Cheap},
		{Method: get, Path: "/docs/*any", Handlers: docs, Cost: edge.Cheap},

		{Method: get, Path: v1, Handlers: read(s.index), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/studies", Handlers: read(s.listStudies), Cost: edge.List, Exports: true,
			Listing: listed("studies", "Studies of the review (2008–2014): filter, search, sort, facet, page, export; /studies/{id} for one, with its citation")},
		{Method: get, Path: v1 + "/studies/:id", Handlers: read(s.getStudy), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/studies/:id/history", Handlers: read(s.studyHistory), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/interventions", Handlers: read(s.listInterventions), Cost: edge.List, Exports: true,
			Listing: listed("interventions", "Interventions and the evidence for each: filter, search, sort, facet, page, export; /interventions/{id} for one")},
		{Method: get, Path: v1 + "/interventions/:id", Handlers: read(s.getIntervention), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/interventions/:id/history", Handlers: read(s.interventionHistory), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/themes", Handlers: read(s.listThemes), Cost: edge.Cheap,
			Listing: listed("themes", "The six key themes, with study and intervention counts; /themes/{slug} for one")},
		{Method: get, Path: v1 + "/themes/:slug", Handlers: read(s.getTheme), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/strands", Handlers: read(s.listStrands), Cost: edge.Cheap,
			Listing: listed("strands", "The four strands of government activity, with counts; /strands/{slug} for one")},
		{Method: get, Path: v1 + "/strands/:slug", Handlers: read(s.getStrand), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/disadvantages", Handlers: read(s.listDisadvantages), Cost: edge.Cheap,
			Listing: listed("disadvantages", "The disadvantage-focus values, with counts; /disadvantages/{slug} for one")},
		{Method: get, Path: v1 + "/disadvantages/:slug", Handlers: read(s.getDisadvantage), Cost: edge.Cheap},
		{Method: get, Path: v1 + "/vocabularies", Handlers: read(s.vocabularies), Cost: edge.Cheap,
			Listing: listed("vocabularies", "Every filterable and facetable field of studies and interventions: type, operators, values with labels")},
		{Method: get, Path: v1 + "/glossary", Handlers: read(s.getGlossary), Cost: edge.Cheap,
			Listing: listed("glossary", "Plain-language labels and descriptions of the closed vocabularies")},
		{Method: get, Path: v1 + "/evidence-map", Handlers: read(s.evidenceMap), Cost: edge.Query,
			Listing: listed("evidence-map", "The evidence-gap map: two dimensions of studies crossed, gaps flagged")},
		{Method: get, Path: v1 + "/stats", Handlers: read(s.stats), Cost: edge.Query,
			Listing: listed("stats", "Coverage: counts per tag, completeness of DOI, sample size and effect size")},
		{Method: get, Path: v1 + "/autocomplete", Handlers: read(s.autocomplete), Cost: edge.Query,
			Listing: listed("autocomplete", "Suggestions for search boxes (q=)")},
		{Method: get, Path: v1 + "/dataset", Handlers: read(s.getDataset), Cost: edge.Download, Precompressed: true,
			Listing: listed("dataset", "The whole evidence base in the dataset format, named after its version")},
		{Method: get, Path: v1 + "/audit", Handlers: admin(s.listAudit), Cost: edge.Cheap,
			Listing: listed("audit", "The audit log of every change (admins only)")},

		{Method: post, Path: v1 + "/studies", Handlers: curator(s.createStudy), Cost: edge.Cheap},
		{Method: put, Path: v1 + "/studies/:id", Handlers: curator(s.replaceStudy), Cost: edge.Cheap},
		{Method: patch, Path: v1 + "/studies/:id", Handlers: curator(s.patchStudy), Cost: edge.Cheap},
		{Method: del, Path: v1 + "/studies/:id", Handlers: curator(s.deleteStudy), Cost: edge.Cheap},
		{Method: post, Path: v1 + "/interventions", Handlers: curator(s.createIntervention), Cost: edge.Cheap},
		{Method: put, Path: v1 + "/interventions/:id", Handlers: curator(s.replaceIntervention), Cost: edge.Cheap},
		{Method: patch, Path: v1 + "/interventions/:id", Handlers: curator(s.patchIntervention), Cost: edge.Cheap},
		{Method: del, Path: v1 + "/interventions/:id", Handlers: curator(s.deleteIntervention), Cost: edge.Cheap},
		{Method: put, Path: v1 + "/themes/:slug", Handlers: admin(s.putTheme), Cost: edge.Cheap},
		{Method: del, Path: v1 + "/themes/:slug", Handlers: admin(s.deleteTheme), Cost: edge.Cheap},
		{Method: put, Path: v1 + "/strands/:slug", Handlers: admin(s.putStrand), Cost: edge.Cheap},
		{Method: del, Path: v1 + "/strands/:slug", Handlers: admin(s.deleteStrand), Cost: edge.Cheap},
		{Method: put, Path: v1 + "/disadvantages/:slug", Handlers: admin(s.putDisadvantage), Cost: edge.Cheap},
		{Method: del, Path: v1 + "/disadvantages/:slug", Handlers: admin(s.deleteDisadvantage), Cost: edge.Cheap},
		// an import carries the whole evidence base: its body has a limit of its own
		{Method: post, Path: v1 + "/imports", Handlers: admin(s.createImport), Cost: edge.Cheap, MaxBodyBytes: s.opts.MaxImportBytes},
	}
	return append(routes, s.planningRoutes()...) // school leaders: planning.go
}

func handlers(h ...gin.HandlerFunc) []gin.HandlerFunc { return h }

// docsCSP is the Content-Security-Policy of Swagger UI at /docs. Its scripts are all files
// (our initializer too: swagger-initializer.js), so no inline script runs; its styles set
// through the DOM need 'unsafe-inline', and its icons are data: URLs.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsHeaders gives the docs UI a CSP that forbids framing, and a Referrer-Policy (the
// pages set their own).
func docsHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}
