package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"
)

// querySlots bounds the costly query work running at once, server-wide, beside the
// per-client buckets: searches, facets, maps and statistics take a slot for the whole
// request, an export one for each block of rows it writes. With fewer slots than cores,
// a core stays free for the cheap requests (details, pages, health checks), which
// would otherwise wait behind the costly ones for the Go scheduler's 10 ms time slice.
// Slots are handed out first come, first served, so an export and the searches waiting
// beside it take turns.
type querySlots struct {
	sem  *semaphore.Weighted
	size int
}

// defaultQuerySlots leaves one core to the cheap requests: one slot fewer than the CPUs,
// at least one.
func defaultQuerySlots() int { return max(1, runtime.GOMAXPROCS(0)-1) }

func newQuerySlots(n int) *querySlots {
	return &querySlots{sem: semaphore.NewWeighted(int64(n)), size: n}
}

// acquire waits for a slot until ctx ends.
func (q *querySlots) acquire(ctx context.Context) error { return q.sem.Acquire(ctx, 1) }

func (q *querySlots) release() { q.sem.Release(1) }

// busyRetryAfter is the Retry-After, in seconds, of a request that found no slot in time.
const busyRetryAfter = 1

// admit is the middleware that runs a costly request (not an export: it takes slots as
// it streams) in a query slot, waiting up to the query timeout for one; a request still
// waiting then gets 503 with Retry-After.
func (s *Server) admit(c *gin.Context) {
	if cost := requestCost(c); cost < searchCost || cost >= exportCost {
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.QueryTimeout)
	err := s.slots.acquire(ctx)
	cancel()
	if err != nil {
		s.metrics.busy.Inc()
		c.Header("Retry-After", strconv.Itoa(busyRetryAfter))
		s.refuse(c, http.StatusServiceUnavailable, fmt.Sprintf(
			"the server is busy: %d costly requests are running and others waited %s for a turn; try again in %d s",
			s.slots.size, s.opts.QueryTimeout, busyRetryAfter))
		return
	}
	release := sync.OnceFunc(s.slots.release)
	c.Set(slotKey, release)
	defer release()
	c.Next()
}

// slotKey is where admit keeps, in the request's context, how to let go of its slot.
const slotKey = "kb.query-slot"

// queryDone lets go of the request's query slot, if it holds one: its query work is
// done, and encoding and sending the answer need not keep the next costly request
// waiting (as an export lets go of its slot while it sends).
func queryDone(c *gin.Context) {
	if release, ok := c.Get(slotKey); ok {
		release.(func())()
	}
}
