package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/store"
)

// retryAfterUnavailable is the Retry-After of a request refused because the database does
// not answer, in seconds: a replica notices the database's return within one poll
// interval (250 ms), and a database restart or a standby's promotion takes seconds, so a
// client that waits this long and tries again is likely to succeed soon after the
// database returns without hammering it meanwhile.
const retryAfterUnavailable = 2

// databaseProblem answers the store's database failures, whatever the driver: the
// database does not answer (store.ErrUnavailable) is 503 with Retry-After, and a full disk
// (store.ErrStorageFull) 507, each naming the reason; false for any other error. It is
// the one place where the API maps them (fail calls it), so that a database outage is
// never answered as a 500.
func (s *Server) databaseProblem(c *gin.Context, err error) bool {
	write := c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
	switch {
	case errors.Is(err, store.ErrStorageFull):
		// the store logs the disk's state once (when it fills and when writes succeed
		// again) and the edge every request, so this is for debugging only
		s.log.Debug("a write met a full disk", "err", err, "request_id", httpio.RequestID(c))
		httpio.WriteProblem(c, http.StatusInsufficientStorage,
			fmt.Sprintf("the database cannot store the change: %s. Nothing was written; the evidence base can still be read. Try again once an operator has freed space.", store.Reason(err)), nil)
		return true
	case errors.Is(err, store.ErrUnavailable):
		s.log.Debug("the database did not answer a request", "err", err, "request_id", httpio.RequestID(c), "path", c.Request.URL.Path)
		c.Header("Retry-After", strconv.Itoa(retryAfterUnavailable))
		detail := fmt.Sprintf("the database does not answer (%s), so this request cannot be answered now; the evidence base can still be read. Try again after %d s.",
			store.Reason(err), retryAfterUnavailable)
		if write {
			detail = fmt.Sprintf("the database does not answer (%s): the change was not confirmed and this replica does not show it; the evidence base can still be read. Send the same request again after %d s: with the same Idempotency-Key (POST) or If-Match (PUT, PATCH, DELETE), it cannot be applied twice.",
				store.Reason(err), retryAfterUnavailable)
		}
		httpio.WriteProblem(c, http.StatusServiceUnavailable, detail, nil)
		return true
	}
	return false
}
