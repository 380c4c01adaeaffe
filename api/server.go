// Package api is the HTTP face of the evidence base: a JSON API under /api/v1 with its
// OpenAPI contract, RFC 9457 problems for every error, and the operational endpoints.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/gzip"
	"github.com/gin-contrib/requestid"
	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"
	"sigs.k8s.io/yaml"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// Options configure a Server.
type Options struct {
	Logger       *slog.Logger
	Spec         []byte   // the OpenAPI document (YAML) served at /openapi.yaml
	CORSOrigins  []string // origins allowed to read; "*" for any
	MaxBodyBytes int64    // requests with larger bodies are refused with 413
	// MaxImportBytes bounds an import's body, a whole dataset document
	MaxImportBytes int64
	CacheMaxAge    time.Duration
	// QueryTimeout bounds the query work of one request (filter, search, sort, facets);
	// past it the answer is 503. An export's streaming is not bounded by it.
	QueryTimeout time.Duration
	RateLimit    RateLimit // per-client token buckets; Rate 0 for none
	// MaxExports is how many exports may stream at once, server-wide; past it an export is
	// refused with 503 and Retry-After. An export of every record costs a core for a
	// second or more, so this keeps exports from starving every other request.
	MaxExports int
	// QuerySlots is how many costly requests (searches, facets, maps, statistics, and
	// exports block by block) do query work at once, server-wide; the rest wait their turn
	// for up to QueryTimeout, then get 503 with Retry-After. Default: one fewer than the
	// CPUs, at least 1, so that cheap requests always find a core.
	QuerySlots int
	// ExportRate paces each export to at most this many records a second (after a first
	// burst of a fifth of that); 0 for no pacing. A full export at 100,000 studies takes
	// about 2 s at the default 50,000: the pace keeps exports, whose bytes load the network
	// and the machine, from crowding out short requests, not a user's one download.
	ExportRate int
	Site       Site // the pages for people, served beside the API; nil for none
	// MaxLag is how long a replica may go without catching up with the database before
	// /readyz says it is not ready (see store.Follow)
	MaxLag time.Duration
}

// DefaultExportRate is the pace of exports the command line sets when not told otherwise:
// records a second, per export.
const DefaultExportRate = 50_000

// DefaultQueryTimeout is the query work one request may take when Options do not say.
const DefaultQueryTimeout = 3 * time.Second

// Site is the server-rendered web finder (package web): it adds its own routes, and
// answers unknown paths outside /api/ with a page rather than a problem document.
type Site interface {
	Register(r *gin.Engine)
	NotFound(c *gin.Context)
	// Refuse answers a request for one of its pages that the server will not serve now
	// (429 or 503, Retry-After set) as a page, and reports whether it did.
	Refuse(c *gin.Context, status int) bool
}

// Server routes requests to handlers.
type Server struct {
	store      *store.Store
	log        *slog.Logger
	opts       Options
	specYAML   []byte
	specJSON   []byte
	engine     *gin.Engine
	records    recordCache // encoded records, for list pages
	compressed precompressed
	limiter    *rateLimiter        // nil when rate limiting is off
	exports    *semaphore.Weighted // one unit per export streaming now (Options.MaxExports)
	slots      *querySlots         // costly query work running now (Options.QuerySlots)
	metrics    *metrics
	// exportHook runs before each exported record; tests make it fail to see how an
	// export that breaks mid-stream ends
	exportHook func(n int) error
	// citations keeps the citation keys of the latest snapshot an export used: keys are made
	// over the whole dataset, so a study keeps its key in every export of one version
	citations struct {
		sync.Mutex
		cat  *catalog.Catalog
		keys export.Keys
	}
}

// NewServer builds the HTTP handler over a store.
func NewServer(st *store.Store, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.CORSOrigins) == 0 {
		opts.CORSOrigins = []string{"*"}
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxLag == 0 {
		opts.MaxLag = 5 * time.Second
	}
	if opts.MaxImportBytes == 0 {
		opts.MaxImportBytes = 512 << 20
	}
	if opts.QueryTimeout == 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	if opts.MaxExports == 0 {
		opts.MaxExports = max(1, runtime.NumCPU()/2)
	}
	if opts.QuerySlots == 0 {
		opts.QuerySlots = defaultQuerySlots()
	}
	if opts.CacheMaxAge == 0 {
		opts.CacheMaxAge = 5 * time.Minute
	}
	specJSON, err := yaml.YAMLToJSON(opts.Spec)
	if err != nil {
		return nil, fmt.Errorf("openapi spec: %w", err)
	}
	s := &Server{store: st, log: opts.Logger, opts: opts, specYAML: opts.Spec, specJSON: specJSON, metrics: newMetrics(st),
		exports: semaphore.NewWeighted(int64(opts.MaxExports)), slots: newQuerySlots(opts.QuerySlots)}
	if opts.RateLimit.Rate > 0 {
		s.limiter = newRateLimiter(opts.RateLimit)
		s.limiter.onLimit = s.metrics.rateLimited.Inc
		s.limiter.onHold = s.metrics.held.Inc
		s.limiter.refuse = s.refuse
	}
	s.exportHook = func(int) error { return nil }
	s.routes()
	return s, nil
}

// ServeHTTP makes the Server an http.Handler. HEAD is answered as GET: net/http drops the
// body of a response to HEAD, and the headers stay those of the GET.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.Clone(r.Context())
		r.Method = http.MethodGet
	}
	cut := new(bool)
	s.engine.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), cutKey{}, cut)))
	if *cut {
		// net/http drops the connection without ending the response: a chunked body
		// lacks its last chunk, so the client knows it is incomplete. (Gin's recovery
		// would swallow this panic inside a handler, so it is raised here.)
		panic(http.ErrAbortHandler)
	}
}

type cutKey struct{}

// cutResponse makes the server drop the connection once the handler returns, so that a
// response already under way reads as incomplete rather than as whole.
func cutResponse(c *gin.Context) {
	if cut, ok := c.Request.Context().Value(cutKey{}).(*bool); ok {
		*cut = true
	}
}

func (s *Server) routes() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false // /api/v1/studies/ is not a resource; answer 404, not a redirect
	chain := []gin.HandlerFunc{
		s.metrics.observe,
		secureHeaders,
		requestid.New(),
		s.logRequests,
		gin.CustomRecoveryWithWriter(nil, s.recover),
		limitRequest,
	}
	if s.limiter != nil {
		chain = append(chain, s.limiter.limit)
	}
	chain = append(chain, s.admit)
	r.Use(append(chain,
		keepController,
		s.limitBody,
		cors.New(s.corsConfig()),
		gzip.Gzip(gzip.BestSpeed, gzip.WithCustomShouldCompressFn(middlewareCompresses)),
	)...)
	r.NoRoute(func(c *gin.Context) {
		if s.opts.Site != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			s.opts.Site.NotFound(c) // people get a page; programs under /api/ get a problem
			return
		}
		httpio.WriteProblem(c, http.StatusNotFound, "no such endpoint: "+c.Request.URL.Path+"; see /docs", nil)
	})
	r.NoMethod(func(c *gin.Context) {
		httpio.WriteProblem(c, http.StatusMethodNotAllowed, c.Request.Method+" is not allowed on "+c.Request.URL.Path, nil)
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metrics.handler())
	r.GET("/openapi.yaml", s.openAPIYAML)
	r.GET("/openapi.json", s.openAPIJSON)
	r.GET("/docs", s.docsUI())
	r.GET("/docs/*any", s.docsUI())

	v1 := r.Group("/api/v1", wellFormedQuery, s.cacheable)
	v1.GET("", s.index)
	v1.GET("/vocabularies", s.vocabularies)
	v1.GET("/studies", s.listStudies)
	v1.GET("/studies/:id", s.getStudy)
	v1.GET("/studies/:id/history", s.studyHistory)
	v1.GET("/interventions", s.listInterventions)
	v1.GET("/interventions/:id", s.getIntervention)
	v1.GET("/interventions/:id/history", s.interventionHistory)
	v1.GET("/themes", s.listThemes)
	v1.GET("/themes/:slug", s.getTheme)
	v1.GET("/strands", s.listStrands)
	v1.GET("/strands/:slug", s.getStrand)
	v1.GET("/disadvantages", s.listDisadvantages)
	v1.GET("/disadvantages/:slug", s.getDisadvantage)
	v1.GET("/glossary", s.getGlossary)
	v1.GET("/dataset", s.getDataset)
	v1.GET("/stats", s.stats)
	v1.GET("/evidence-map", s.evidenceMap)
	v1.GET("/autocomplete", s.autocomplete)

	// Writes need a token; the audit log and imports an admin's, and they are never cached.
	curator := r.Group("/api/v1", wellFormedQuery, s.requireRole(models.RoleCurator))
	curator.POST("/studies", s.createStudy)
	curator.PUT("/studies/:id", s.replaceStudy)
	curator.PATCH("/studies/:id", s.patchStudy)
	curator.DELETE("/studies/:id", s.deleteStudy)
	curator.POST("/interventions", s.createIntervention)
	curator.PUT("/interventions/:id", s.replaceIntervention)
	curator.PATCH("/interventions/:id", s.patchIntervention)
	curator.DELETE("/interventions/:id", s.deleteIntervention)
	admin := r.Group("/api/v1", wellFormedQuery, s.requireRole(models.RoleAdmin))
	admin.GET("/audit", s.listAudit)
	admin.PUT("/themes/:slug", s.putTheme)
	admin.DELETE("/themes/:slug", s.deleteTheme)
	admin.PUT("/strands/:slug", s.putStrand)
	admin.DELETE("/strands/:slug", s.deleteStrand)
	admin.PUT("/disadvantages/:slug", s.putDisadvantage)
	admin.DELETE("/disadvantages/:slug", s.deleteDisadvantage)
	admin.POST("/imports", s.createImport)
	if s.opts.Site != nil {
		s.opts.Site.Register(r)
	}
	s.engine = r
}

// fail answers an error from a handler. A query that ran past its deadline is a 503: the
// server would not spend longer on it, and a narrower query may well answer.
func (s *Server) fail(c *gin.Context, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		c.Header("Retry-After", "1")
		httpio.WriteProblem(c, http.StatusServiceUnavailable,
			fmt.Sprintf("the query took longer than %s, the most one request may take; narrow the filter or the search", s.opts.QueryTimeout), nil)
		return
	}
	httpio.WriteError(c, s.log, asParameters(err))
}

// queryContext bounds the query work of a request: it ends after QueryTimeout, or when the
// client goes away.
func (s *Server) queryContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), s.opts.QueryTimeout)
}

// parameterOf names the API parameter that carries each part of a query the engine can
// object to, where the two names differ.
var parameterOf = map[string]string{
	catalog.PartSearch:     "q",
	catalog.PartPageSize:   "per_page",
	catalog.PartMapColumns: "cols",
}

// asParameters rewords an invalid-query error from the engine in the API's parameter names.
func asParameters(err error) error {
	var e *models.Error
	if !errors.As(err, &e) || e.Code != models.EInvalid {
		return err
	}
	out := &models.Error{Code: e.Code, Message: e.Message, Fields: slices.Clone(e.Fields)}
	for i, f := range out.Fields {
		if param, ok := parameterOf[f.Field]; ok {
			out.Fields[i].Field = param
			if len(out.Fields) == 1 {
				out.Message = param + ": " + f.Reason
			}
		}
	}
	return out
}

// refuse answers a request the server will not serve now (429 or 503; the caller has
// set Retry-After): a page for people when it is for one of the web pages, a problem
// document otherwise.
func (s *Server) refuse(c *gin.Context, status int, detail string) {
	if s.opts.Site != nil && s.opts.Site.Refuse(c, status) {
		return
	}
	httpio.WriteProblem(c, status, detail, nil)
}

func (s *Server) recover(c *gin.Context, v any) {
	s.log.Error("panic", "value", v, "request_id", requestid.Get(c), "path", c.Request.URL.Path)
	httpio.WriteProblem(c, http.StatusInternalServerError, "the server could not answer this request; it has been logged", nil)
}

func (s *Server) corsConfig() cors.Config {
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodOptions,
			http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowHeaders: []string{"Accept", "If-None-Match", "If-Match", "Content-Type", "Authorization", "Idempotency-Key"},
		ExposeHeaders: []string{"ETag", "Link", "Location", "X-Request-ID", "X-Dataset-Version", "Content-Disposition",
			"WWW-Authenticate", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy", "Retry-After"},
		MaxAge: 12 * time.Hour,
	}
	if len(s.opts.CORSOrigins) == 1 && s.opts.CORSOrigins[0] == "*" {
		cfg.AllowAllOrigins = true
	} else {
		cfg.AllowOrigins = s.opts.CORSOrigins
	}
	return cfg
}

// limitBody refuses oversized request bodies before any handler reads them. An import
// carries the whole evidence base, so it has a limit of its own.
func (s *Server) limitBody(c *gin.Context) {
	limit := s.opts.MaxBodyBytes
	if c.Request.URL.Path == "/api/v1/imports" {
		limit = s.opts.MaxImportBytes
	}
	if c.Request.ContentLength > limit {
		httpio.WriteProblem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", limit), nil)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// cacheable adds validators and caching to read responses. The data only changes with the
// dataset version, so an ETag of version and URL is exact and costs no body hashing.
func (s *Server) cacheable(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		c.Next()
		return
	}
	// links in bodies are absolute, so the scheme and host the request came by count too
	sum := sha256.Sum256([]byte(s.snapshot(c).Version() + "\x00" + httpio.BaseURL(c.Request) + c.Request.URL.RequestURI() + "\x00" + c.GetHeader("Accept")))
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opts.CacheMaxAge.Seconds())))
	c.Header("Vary", "Accept, Accept-Encoding, Origin")
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Next()
}

// etagMatches compares If-None-Match with the ETag by weak comparison. "*" is not honoured:
// whether a representation exists is only known once the handler has run.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// wellFormedQuery refuses a query string that does not parse (say "%zz"), which Go's URL
// parsing would otherwise silently drop, so no parameter is ever ignored.
func wellFormedQuery(c *gin.Context) {
	if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
		httpio.WriteProblem(c, http.StatusBadRequest, "the query string is malformed: "+err.Error(), []models.FieldError{{Field: "query", Reason: "is not a well-formed URL query"}})
		return
	}
	c.Next()
}

// logRequests writes one structured line per request, with its request id. Scrapes of
// /metrics, every few seconds, are logged at debug level only.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	switch {
	case c.Writer.Status() >= 500:
		level = slog.LevelError
	case c.Request.URL.Path == "/metrics", c.Writer.Status() == http.StatusTooManyRequests:
		// scrapes, and refusals (a flood of them is counted in /metrics, not written out
		// one line each, which would make the flood cost what the limit saves)
		level = slog.LevelDebug
	}
	s.log.Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "path", c.Request.URL.Path, "query", c.Request.URL.RawQuery,
		"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration", time.Since(start),
		"request_id", requestid.Get(c))
}

// controllerKey holds, in a request's context, the http.ResponseController of the writer
// net/http gave, taken before gzip wraps it (gzip's writer does not unwrap).
const controllerKey = "kb.controller"

func keepController(c *gin.Context) {
	c.Set(controllerKey, http.NewResponseController(c.Writer))
	c.Next()
}

// snapshot is the evidence base a request sees (see httpio.Pinned).
func (s *Server) snapshot(c *gin.Context) *catalog.Catalog { return httpio.Pinned(c, s.store.Catalog) }

// citationKeys are the citation keys of the snapshot cat, made once per snapshot.
func (s *Server) citationKeys(cat *catalog.Catalog) export.Keys {
	s.citations.Lock()
	defer s.citations.Unlock()
	if s.citations.cat != cat {
		s.citations.cat, s.citations.keys = cat, export.NewKeys(cat.Dataset().Studies)
	}
	return s.citations.keys
}
