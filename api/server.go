// Package api is the HTTP face of the evidence base: a JSON API under /api/v1 with its
// OpenAPI contract, RFC 9457 problems for every error, and the operational endpoints.
package api

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// Options configure the API. A zero field takes its default.
type Options struct {
	Logger *slog.Logger
	Spec   []byte // the OpenAPI document (YAML) served at /openapi.yaml
	// MaxImportBytes bounds an import's body, a whole dataset document
	MaxImportBytes int64
	CacheMaxAge    time.Duration
	// ExportRate paces each export to at most this many records a second (after a first
	// burst of a fifth of that); 0 for no pacing. A full export at 100,000 studies takes
	// about 2 s at the default 50,000: the pace keeps exports, whose bytes load the network
	// and the machine, from crowding out short requests, not a user's one download.
	ExportRate int
	// MaxLag is how long a replica may go without catching up with the database before
	// /readyz says it is not ready (see store.Follow)
	MaxLag time.Duration
}

// Defaults of Options.
const (
	// DefaultExportRate is the pace of exports: records a second, per export.
	DefaultExportRate     = 50_000
	DefaultMaxLag         = 5 * time.Second
	DefaultMaxImportBytes = 512 << 20
	DefaultCacheMaxAge    = 5 * time.Minute
)

// Server holds what the API's handlers share.
type Server struct {
	store      *store.Store
	log        *slog.Logger
	opts       Options
	specYAML   []byte
	specJSON   []byte
	records    recordCache // encoded records, for list pages
	listed     []Resource  // the index's entries (see surface), with paths for links
	compressed precompressed
	// exportHook runs before each exported record; tests make it fail to see how an
	// export that breaks mid-stream ends
	exportHook func(n int) error
}

func newServer(st *store.Store, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.MaxLag = cmp.Or(opts.MaxLag, DefaultMaxLag)
	opts.MaxImportBytes = cmp.Or(opts.MaxImportBytes, DefaultMaxImportBytes)
	opts.CacheMaxAge = cmp.Or(opts.CacheMaxAge, DefaultCacheMaxAge)
	specJSON, err := yaml.YAMLToJSON(opts.Spec)
	if err != nil {
		return nil, fmt.Errorf("openapi spec: %w", err)
	}
	return &Server{store: st, log: opts.Logger, opts: opts, specYAML: opts.Spec, specJSON: specJSON,
		exportHook: func(int) error { return nil }}, nil
}

// fail answers an error from a handler. A query that ran past its deadline is a 503: the
// server would not spend longer on it, and a narrower query may well answer.
func (s *Server) fail(c *gin.Context, err error) {
	if s.databaseProblem(c, err) { // before the deadline: a database that did not answer in time is one that is down
		return
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		c.Header("Retry-After", "1")
		httpio.WriteProblem(c, http.StatusServiceUnavailable,
			fmt.Sprintf("the query took longer than %s, the most one request may take; narrow the filter or the search", edge.QueryTimeout(c)), nil)
		return
	}
	httpio.WriteError(c, s.log, asParameters(err))
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
	if httpio.WeakMatch(c.GetHeader("If-None-Match"), etag) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Next()
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

// snapshot is the evidence base a request sees (see httpio.Pinned).
func (s *Server) snapshot(c *gin.Context) *catalog.Catalog { return httpio.Pinned(c, s.store.Catalog) }

// citationKeys are the citation keys of the snapshot cat, made once per snapshot over the
// whole dataset and shared with the pages and the assistants' tools, so a study keeps its
// key in every export and citation of one version.
func citationKeys(cat *catalog.Catalog) export.Keys {
	return catalog.Derived(cat, export.KeysName, func() export.Keys { return export.NewKeys(cat.Dataset().Studies) })
}
