package web

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// Routes is the site for people over a source of snapshots, as the edge serves it: every
// page with its cost class, pages for paths no route has, and refusals worded as pages.
// Adding a page is adding one line to routes.
func Routes(src Snapshots, log *slog.Logger) edge.Surface { return New(src, log).Surface() }

// Surface is the site's routes and how it answers what they do not.
func (s *Site) Surface() edge.Surface {
	return edge.Surface{Routes: s.routes(), NotFound: s.NotFound, Refuse: s.refuse}
}

// routes are the pages. They are not part of the OpenAPI contract: they are for people,
// and each one links to the JSON query that gives the same data.
func (s *Site) routes() []edge.Route {
	page := func(path string, h gin.HandlerFunc, cost edge.Cost) edge.Route {
		return edge.Route{Method: http.MethodGet, Path: path, Handlers: []gin.HandlerFunc{s.cacheable, h}, Cost: cost}
	}
	routes := []edge.Route{
		page("/", s.finderPage, edge.List),
		page("/interventions/:id", withTwin(s.interventionPage, s.interventionMarkdown), edge.Cheap),
		page("/studies", s.studiesPage, edge.List),
		page("/studies/:id", withTwin(s.studyPage, s.studyMarkdown), edge.Cheap),
		page("/evidence-map", s.mapPage, edge.Query),
		page("/about", s.aboutPage, edge.Cheap),
		page("/problems", s.problemsPage, edge.Cheap),
		page("/problems/:slug", s.problemsPage, edge.Cheap),
		page(unapiPath, s.unapi, edge.Cheap),  // reference managers: unapi.go
		page(llmsPath, s.llmsTxt, edge.Cheap), // AI assistants: markdown.go
		{Method: http.MethodGet, Path: staticPath, Handlers: []gin.HandlerFunc{s.staticAsset}, Cost: edge.Cheap},
	}
	routes = append(routes, s.planningRoutes()...) // school leaders: planning.go
	routes = append(routes, s.curationRoutes()...) // curators: curation.go
	return routes
}

// staticPath is the route of the stylesheets, scripts and images.
const staticPath = "/static/*name"

// llmsPath is the guide for AI assistants and agents, at the site's root.
const llmsPath = "/llms.txt"

// forPrograms tells a request for what programs read (assets, /unapi, /llms.txt, a
// Markdown twin) from one for a page: those are refused with a problem, not a page.
func forPrograms(c *gin.Context) bool {
	switch c.FullPath() {
	case "", staticPath, unapiPath, llmsPath:
		return true
	}
	return strings.HasSuffix(c.Request.URL.Path, markdownSuffix)
}

// refuse answers a request the server will not serve now: for a page, a page (429 when
// the reader's address has asked for too much, a school network sharing one; 503 when
// the server is too busy), with Retry-After set; for anything else (an asset, a path no
// page has), a problem document.
func (s *Site) refuse(c *gin.Context, status int, detail string) {
	if forPrograms(c) {
		httpio.WriteProblem(c, status, detail, nil)
		return
	}
	v := errorView{Status: status, Back: c.Request.URL.RequestURI(), ID: httpio.RequestID(c)}
	wait := c.Writer.Header().Get("Retry-After") + " seconds"
	if wait == "1 seconds" {
		wait = "a second"
	}
	if status == http.StatusTooManyRequests {
		v.layout = s.layout(c, s.snapshot(c).Version(), "Too many requests", "", "")
		v.Heading = "Too many requests from your network"
		v.Message = "Readers at your address (a school network shares one) have asked for more pages than the evidence base serves to one address at a time. Please wait " + wait + ", then try again."
	} else {
		v.layout = s.layout(c, s.snapshot(c).Version(), "Busy", "", "")
		v.Heading = "The evidence base is busy"
		v.Message = "More searches are running than it can answer at once. Please wait " + wait + ", then try again."
	}
	s.renderError(c, v)
}
