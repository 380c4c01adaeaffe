// Package edge is the one HTTP server: everything a request meets before its handler and
// after it (request id, logging, recovery, security headers, size limits, rate limits,
// query slots, the export cap, CORS, compression, metrics), what answers a path or a
// method no route has, and how a refusal is worded for whom it is for.
//
// Packages api and web only declare their routes (Route), each with its cost class; the
// edge derives from a route everything else: what the request costs its client, whether
// it waits for a query slot, whether the gzip middleware compresses it, how large a body
// it takes. No list of paths is kept anywhere else.
package edge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/gzip"
	"github.com/gin-contrib/requestid"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// Config configures the edge. A zero field takes its default (the Default constants,
// which the command line's flags show too).
type Config struct {
	Logger *slog.Logger
	// CORSOrigins are the origins allowed to read ("*" for any); see ParseCORSOrigins.
	CORSOrigins []string
	// MaxBodyBytes bounds a request body, unless its route says otherwise; past it, 413.
	MaxBodyBytes int64
	// QueryTimeout bounds the query work of one request (filter, search, sort, facets),
	// and how long a costly request waits for a query slot; past it the answer is 503.
	QueryTimeout time.Duration
	RateLimit    RateLimit // per-client token buckets; Rate 0 for none
	// QuerySlots is how many costly requests (searches, facets, maps, statistics, and
	// exports block by block) do query work at once, server-wide, when one client is
	// alone; while several clients have such work, one fewer (at least 1), so that cheap
	// requests always find a core. The rest wait their client's turn (fair.go) for up to
	// QueryTimeout, then get 503 with Retry-After. Default: the CPUs.
	QuerySlots int
	// MaxExports is how many exports may stream at once, server-wide; past it an export is
	// refused with 503 and Retry-After. An export of every record costs a core for a
	// second or more, so this keeps exports from starving every other request. Default:
	// half the CPUs, at least 1.
	MaxExports int
}

// Defaults of Config.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultQueryTimeout = 3 * time.Second
)

// withDefaults is cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.CORSOrigins) == 0 {
		cfg.CORSOrigins = []string{"*"}
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.QuerySlots == 0 {
		cfg.QuerySlots = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxExports == 0 {
		cfg.MaxExports = max(1, runtime.NumCPU()/2)
	}
	return cfg
}

// Cost is a route's cost class: what serving one of its requests costs the server, and
// so its client (in tokens of its bucket) and whether it queues for a query slot.
type Cost int

const (
	unpriced Cost = iota // the zero value: a route must say its class, and New refuses one that does not
	// Free: health probes and metrics, for machines that poll; never limited or queued.
	Free
	// Cheap: one record, a page without a query, a file: 1 token.
	Cheap
	// List: a list, or a page of one, 2 tokens; with a search (q=) 4 and facets 2 or 4
	// more, which then take a query slot. On a route that Exports, a request for a file
	// format is an export, 20 tokens.
	List
	// Query: a map, statistics, suggestions: 4 tokens, in a query slot.
	Query
	// Download: the whole dataset in one file: 20 tokens.
	Download
)

// Tokens of the classes; a request costing searchTokens or more, short of an export,
// runs in a query slot.
const (
	cheapTokens  = 1
	listTokens   = 2
	searchTokens = 4
	exportTokens = 20
)

// Route is one route of the server: what it answers, and what the edge needs to know of
// it. Adding an endpoint is adding one Route to the list of its package.
type Route struct {
	Method   string
	Path     string            // a gin pattern: /api/v1/studies/:id
	Handlers []gin.HandlerFunc // the route's own middleware, then its handler
	Cost     Cost
	// Listing, when set, puts the route in the API's index (GET /api/v1).
	Listing *Listing
	// Precompressed marks a route that sends bytes compressed already, or compresses its
	// own: the gzip middleware leaves it alone.
	Precompressed bool
	// MaxBodyBytes bounds the route's request body; 0 for Config.MaxBodyBytes.
	MaxBodyBytes int64
	// Exports marks a list that answers a file format (format=, or an Accept that is not
	// JSON) with an export of every record: it streams under the export cap, taking query
	// slots block by block (StartExport), and compresses its own blocks.
	Exports bool
}

// Listing is a route's entry in the API's index.
type Listing struct {
	Name        string
	Description string
}

// Surface is the routes one audience is served (the JSON API; the pages), and how that
// audience is told what no route answers.
type Surface struct {
	Routes []Route
	// Owns tells whether a path no route has is this surface's to answer; nil for any.
	// Surfaces are asked in the order New was given them.
	Owns func(path string) bool
	// NotFound answers a path no route has; nil for a problem document.
	NotFound gin.HandlerFunc
	// Refuse answers a request the server will not serve now (429 or 503; Retry-After is
	// set) in the surface's own words; nil for a problem document.
	Refuse func(c *gin.Context, status int, detail string)
	// Collectors are metrics of the surface's own, served at /metrics.
	Collectors []prometheus.Collector
}

// Server is the HTTP handler of the whole site.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *gin.Engine
	limiter *rateLimiter        // nil when rate limiting is off
	slots   *fairSlots          // costly query work running now, shared fairly between clients
	exports *semaphore.Weighted // one unit per export streaming now
	metrics *metrics
}

// New builds the server over the surfaces' routes. It refuses a route without a cost
// class, and two routes with one method and path.
func New(cfg Config, surfaces ...Surface) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, slots: newFairSlots(cfg.QuerySlots),
		exports: semaphore.NewWeighted(int64(cfg.MaxExports))}
	var collectors []prometheus.Collector
	for _, sf := range surfaces {
		collectors = append(collectors, sf.Collectors...)
	}
	s.metrics = newMetrics(collectors)
	if cfg.RateLimit.Rate > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit)
		s.limiter.onLimit = s.metrics.rateLimited.Inc
		s.limiter.onHold = s.metrics.held.Inc
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false // /api/v1/studies/ is not a resource; answer 404, not a redirect
	own := Surface{Routes: []Route{
		{Method: http.MethodGet, Path: "/metrics", Handlers: []gin.HandlerFunc{s.metrics.handler()}, Cost: Free, Precompressed: true},
	}}
	seen := map[string]bool{}
	for _, sf := range append([]Surface{own}, surfaces...) {
		for _, rt := range sf.Routes {
			if rt.Cost == unpriced || rt.Cost > Download {
				return nil, fmt.Errorf("route %s %s has no cost class", rt.Method, rt.Path)
			}
			if key := rt.Method + " " + rt.Path; seen[key] {
				return nil, fmt.Errorf("route %s is declared twice", key)
			} else {
				seen[key] = true
			}
			r.Handle(rt.Method, rt.Path, append(s.chain(rt, refusal(sf)), rt.Handlers...)...)
		}
	}
	// what no route answers still passes the edge: it is logged, counted and limited, and
	// refused in the words of the surface that owns its path
	unmatched := Route{Cost: Cheap}
	refuseByOwner := func(c *gin.Context, status int, detail string) {
		refusal(owner(surfaces, c.Request.URL.Path))(c, status, detail)
	}
	r.NoRoute(append(s.chain(unmatched, refuseByOwner), func(c *gin.Context) {
		if sf := owner(surfaces, c.Request.URL.Path); sf.NotFound != nil {
			sf.NotFound(c)
			return
		}
		httpio.WriteProblem(c, http.StatusNotFound, "no such endpoint: "+c.Request.URL.Path+"; see /docs", nil)
	})...)
	r.NoMethod(append(s.chain(unmatched, refuseByOwner), func(c *gin.Context) {
		httpio.WriteProblem(c, http.StatusMethodNotAllowed, c.Request.Method+" is not allowed on "+c.Request.URL.Path, nil)
	})...)
	s.engine = r
	return s, nil
}

// owner is the surface that answers for a path no route has.
func owner(surfaces []Surface, path string) Surface {
	for _, sf := range surfaces {
		if sf.Owns == nil || sf.Owns(path) {
			return sf
		}
	}
	return Surface{}
}

// refusal is how sf words a refusal: its own Refuse, or a problem document.
func refusal(sf Surface) func(c *gin.Context, status int, detail string) {
	if sf.Refuse != nil {
		return sf.Refuse
	}
	return func(c *gin.Context, status int, detail string) { httpio.WriteProblem(c, status, detail, nil) }
}

// chain is the middleware every request of rt passes, in order.
func (s *Server) chain(rt Route, refuse func(c *gin.Context, status int, detail string)) []gin.HandlerFunc {
	chain := []gin.HandlerFunc{
		s.metrics.observe,
		secureHeaders,
		requestid.New(requestid.WithCustomHeaderStrKey(httpio.RequestIDHeader)),
		s.logRequests(rt),
		gin.CustomRecoveryWithWriter(nil, s.recover),
		limitRequest,
		s.price(rt),
	}
	if s.limiter != nil && rt.Cost != Free {
		chain = append(chain, s.limiter.limit(refuse))
	}
	return append(chain,
		s.admit(refuse),
		keepController,
		s.limitBody(cmp.Or(rt.MaxBodyBytes, s.cfg.MaxBodyBytes)),
		cors.New(corsConfig(s.cfg.CORSOrigins)),
		gzip.Gzip(gzip.BestSpeed, gzip.WithCustomShouldCompressFn(func(c *gin.Context) bool {
			// exports compress their own blocks inside their query slots, so that their
			// whole cost is counted there
			return !rt.Precompressed && AcceptsGzip(c.Request) && tokens(c) < exportTokens
		})),
	)
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

// CutResponse makes the server drop the connection once the handler returns, so that a
// response already under way reads as incomplete rather than as whole.
func CutResponse(c *gin.Context) {
	if cut, ok := c.Request.Context().Value(cutKey{}).(*bool); ok {
		*cut = true
	}
}

func (s *Server) recover(c *gin.Context, v any) {
	s.log.Error("panic", "value", v, "request_id", httpio.RequestID(c), "path", c.Request.URL.Path)
	httpio.WriteProblem(c, http.StatusInternalServerError, "the server could not answer this request; it has been logged", nil)
}

// logRequests writes one structured line per request, with its request id. Requests of
// Free routes (probes and scrapes, every few seconds) are logged at debug level only.
func (s *Server) logRequests(rt Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		switch {
		case c.Writer.Status() >= 500:
			level = slog.LevelError
		case rt.Cost == Free, c.Writer.Status() == http.StatusTooManyRequests:
			// probes, scrapes, and refusals (a flood of them is counted in /metrics, not
			// written out one line each, which would make the flood cost what the limit saves)
			level = slog.LevelDebug
		}
		attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "query", c.Request.URL.RawQuery,
			"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration", time.Since(start),
			"request_id", httpio.RequestID(c)}
		if len(c.Errors) > 0 { // what a handler noted of a failure it answered
			attrs = append(attrs, "errors", c.Errors.String())
		}
		s.log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// limitBody refuses a body larger than limit before any handler reads it.
func (s *Server) limitBody(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			httpio.WriteProblem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", limit), nil)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Set(bodyLimitKey, limit)
		c.Next()
	}
}

const bodyLimitKey = "edge.body-limit"

// BodyLimit is the most bytes the request's body may hold.
func BodyLimit(c *gin.Context) int64 { return c.GetInt64(bodyLimitKey) }

// ParseCORSOrigins reads a comma-separated list of origins allowed to read: "*", or
// http(s) origins.
func ParseCORSOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		switch {
		case o == "":
			continue
		case o == "*" || strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
			out = append(out, o)
		default:
			return nil, fmt.Errorf("%q is not * or an http(s) origin", o)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("name at least one origin, or *")
	}
	if len(out) > 1 && slices.Contains(out, "*") {
		return nil, errors.New("* stands alone")
	}
	return out, nil
}

func corsConfig(origins []string) cors.Config {
	cfg := cors.Config{
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodOptions,
			http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowHeaders: []string{"Accept", "If-None-Match", "If-Match", "Content-Type", "Authorization", "Idempotency-Key",
			"Mcp-Protocol-Version", "Mcp-Session-Id"},
		ExposeHeaders: []string{"ETag", "Link", "Location", "X-Request-ID", "X-Dataset-Version", "Content-Disposition",
			"WWW-Authenticate", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy", "Retry-After"},
		MaxAge: 12 * time.Hour,
	}
	if len(origins) == 1 && origins[0] == "*" {
		cfg.AllowAllOrigins = true
	} else {
		cfg.AllowOrigins = origins
	}
	return cfg
}

// controllerKey holds, in a request's context, the http.ResponseController of the writer
// net/http gave, taken before gzip wraps it (gzip's writer does not unwrap).
const controllerKey = "edge.controller"

func keepController(c *gin.Context) {
	c.Set(controllerKey, http.NewResponseController(c.Writer))
	c.Next()
}

// ResponseController is the controller of the connection's own writer, for a handler that
// sets its own write deadline (an export).
func ResponseController(c *gin.Context) *http.ResponseController {
	if rc, ok := c.Get(controllerKey); ok {
		return rc.(*http.ResponseController)
	}
	return http.NewResponseController(c.Writer)
}

// Serve answers requests on ln until ctx ends, then shuts down gracefully: requests under
// way get up to 10 s to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	httpServer := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return httpServer.Shutdown(shutdownCtx)
}
