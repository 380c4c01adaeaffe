package edge

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// busyRetryAfter is the Retry-After, in seconds, of a request that found no slot in time.
const busyRetryAfter = 1

// bill is what the edge knows of a request's cost: its route's class and its tokens,
// worked out once (the rate limiter, the query slots and the gzip decision all ask), and
// the query slot it holds.
type bill struct {
	server  *Server
	class   Cost
	tokens  int
	client  netip.Prefix // who asks: its rate-limit bucket and its share of the query slots
	release func()       // lets go of the request's query slot; nil when it holds none
}

const billKey = "edge.bill"

// price is the middleware that works out what a request of rt costs.
func (s *Server) price(rt Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(billKey, &bill{server: s, class: rt.Cost, tokens: tokensOf(rt, c.Request),
			client: clientKey(c.Request, s.cfg.RateLimit.TrustedProxies)})
		c.Next()
	}
}

func billOf(c *gin.Context) *bill {
	if b, ok := c.Get(billKey); ok {
		return b.(*bill)
	}
	return &bill{class: Cheap, tokens: cheapTokens}
}

// tokens is what the request c costs its client.
func tokens(c *gin.Context) int { return billOf(c).tokens }

// tokensOf is what a request of rt costs, following what it costs the server: a record,
// a page or a file 1; a list 2; searches, facets, the evidence map and statistics 4
// (disjunctive facets more); an export or the whole-dataset download 20.
func tokensOf(rt Route, r *http.Request) int {
	switch rt.Cost {
	case Free:
		return 0
	case Query:
		return searchTokens
	case Download:
		return exportTokens
	case List:
		if rt.Exports && IsExport(r) {
			return exportTokens
		}
		q := r.URL.Query()
		cost := listTokens
		if q.Get("q") != "" {
			cost += searchTokens - listTokens
		}
		if q.Get("facets") != "" {
			cost += 2
			if q.Get("facet_mode") == "disjunctive" {
				cost += 2
			}
		}
		return cost
	}
	return cheapTokens
}

// IsExport reports whether a request to a list asks for an export: a format other than
// JSON, by format= or by Accept.
func IsExport(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f != "json"
	}
	a := r.Header.Get("Accept")
	return a != "" && !strings.Contains(a, "json") && !strings.Contains(a, "*/*")
}

// admit is the middleware that runs a costly request (not an export: it takes slots as
// it streams) in a query slot, waiting its client's turn (fair.go) up to the query
// timeout; a request still waiting then gets 503 with Retry-After.
func (s *Server) admit(refuse func(c *gin.Context, status int, detail string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		b := billOf(c)
		if b.tokens < searchTokens || b.tokens >= exportTokens {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.QueryTimeout)
		err := s.slots.acquire(ctx, b.client, b.tokens)
		cancel()
		if err != nil {
			s.metrics.busy.Inc()
			c.Header("Retry-After", strconv.Itoa(busyRetryAfter))
			refuse(c, http.StatusServiceUnavailable, fmt.Sprintf(
				"the server is busy: %d costly requests are running and others waited %s for a turn; try again in %d s",
				s.cfg.QuerySlots, s.cfg.QueryTimeout, busyRetryAfter))
			return
		}
		b.release = sync.OnceFunc(func() { s.slots.release(b.client) })
		defer b.release()
		c.Next()
	}
}

// QueryDone lets go of the request's query slot, if it holds one: its query work is
// done, and encoding and sending the answer need not keep the next costly request
// waiting (as an export lets go of its slot while it sends).
func QueryDone(c *gin.Context) {
	if b := billOf(c); b.release != nil {
		b.release()
	}
}

// QueryContext bounds the query work of a request: it ends after the query timeout, or
// when the client goes away.
func QueryContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), QueryTimeout(c))
}

// QueryTimeout is the most query work one request may do.
func QueryTimeout(c *gin.Context) time.Duration {
	if b := billOf(c); b.server != nil {
		return b.server.cfg.QueryTimeout
	}
	return DefaultQueryTimeout
}

// exportRetryAfter is the Retry-After, in seconds, of an export refused for the cap.
const exportRetryAfter = 2

// Export is the edge's part in a streamed export, whose query work comes in blocks.
type Export struct {
	slots   *fairSlots
	client  netip.Prefix
	exports *semaphore.Weighted
	held    bool
}

// StartExport takes the request's place under the export cap; when every place is taken
// it answers 503 with Retry-After and returns nil. The caller ends it with Close.
func StartExport(c *gin.Context) *Export {
	b := billOf(c)
	s := b.server
	if !s.exports.TryAcquire(1) {
		c.Header("Retry-After", strconv.Itoa(exportRetryAfter))
		httpio.WriteProblem(c, http.StatusServiceUnavailable, fmt.Sprintf(
			"%d exports are streaming, as many as the server runs at once; try again in %d s", s.cfg.MaxExports, exportRetryAfter), nil)
		return nil
	}
	return &Export{slots: s.slots, client: b.client, exports: s.exports}
}

// Acquire waits for a query slot for the export's next block, until ctx ends. A block
// costs its client as a search does.
func (e *Export) Acquire(ctx context.Context) error {
	if err := e.slots.acquire(ctx, e.client, searchTokens); err != nil {
		return err
	}
	e.held = true
	return nil
}

// Release lets go of the slot the export holds, if any, while it sends a block.
func (e *Export) Release() {
	if e.held {
		e.slots.release(e.client)
		e.held = false
	}
}

// Close lets go of the slot, if held, and of the export's place under the cap.
func (e *Export) Close() {
	e.Release()
	e.exports.Release(1)
}
