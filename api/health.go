package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/store"
)

// healthz godoc
//
//	@Summary	Liveness probe
//	@Description	Answers 200 while the process is up; it does not touch the store.
//	@ID				healthz
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Router		/healthz [get]
func (s *Server) healthz(c *gin.Context) {
	httpio.WriteJSON(c, http.StatusOK, Health{Status: "ok"})
}

// Readiness is the answer of the readiness probe when this replica serves reads: whether
// it also takes writes, and the database's state as it sees it.
type Readiness struct {
	// Status is ready when the database answers and takes writes, degraded when reads are
	// served but writes are refused: the database does not answer (503 to writes) or its
	// disk is full (507 to writes).
	Status         string `json:"status" binding:"required" enums:"ready,degraded" example:"ready"`
	DatasetVersion string `json:"dataset_version" binding:"required" example:"3f2a9c0d1e4b5a6c"`
	// Revision counts the writes the snapshot being served holds since seeding; replicas
	// that agree show the same one.
	Revision int64 `json:"revision" binding:"required" example:"42"`
	// Database is the store of record's state as this replica last found it: up,
	// unavailable (it does not answer: reads come from this replica's snapshot, writes
	// are refused), or full (writes are refused for want of disk space).
	Database string `json:"database" binding:"required" enums:"up,unavailable,full" example:"up"`
	// DatabaseSince is when the database entered that state, as this replica saw it.
	DatabaseSince time.Time `json:"database_since" binding:"required" format:"date-time" example:"2026-12-07T10:15:00Z"`
	// LastWrite is when this replica last committed a write; absent when it has not.
	LastWrite *time.Time `json:"last_write,omitempty" format:"date-time" example:"2026-12-07T10:14:58Z"`
	// Detail says, when degraded, what is wrong and what still works.
	Detail string `json:"detail,omitempty" example:"the database does not answer (connection refused) since 2026-12-07T10:15:00Z: reads are served from revision 42; writes are refused with 503 and Retry-After until it answers"`
} // @name Readiness

// readyz godoc
//
//	@Summary	Readiness probe: this replica serves reads, and whether it takes writes
//	@Description	Answers 200 when this replica can serve reads: it has loaded, and has caught up with the database's latest revision within the allowed lag (`-max-lag`) of the database answering. The body says whether it also takes writes: `status` is `ready` when the database answers, `degraded` while it does not (or its disk is full), with `database` and `detail` saying what is wrong. A replica stays ready (200) while the database is unavailable, because it serves every read from its in-memory snapshot, which holds the database's latest revision as of when it went away; writes get 503 with Retry-After meanwhile. 503 when the replica cannot serve reads as it should: it is behind the database (or was when the database went away), or the store fails in some other way.
//	@ID				readyz
//	@Tags		operations
//	@Produce	json
//	@Produce	application/problem+json
//	@Success	200	{object}	Readiness
//	@Failure	503	{object}	Problem
//	@Router		/readyz [get]
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	pingErr := s.store.Ping(ctx)
	if pingErr != nil && !errors.Is(pingErr, store.ErrUnavailable) {
		s.log.Error("readiness check failed", "err", pingErr)
		httpio.WriteProblem(c, http.StatusServiceUnavailable, "the store does not answer", nil)
		return
	}
	if err := s.store.Ready(s.opts.MaxLag); err != nil {
		httpio.WriteProblem(c, http.StatusServiceUnavailable, "this replica is behind the database: "+err.Error(), nil)
		return
	}
	cat := s.snapshot(c)
	db := s.store.DBState()
	r := Readiness{Status: "ready", DatasetVersion: cat.Version(), Revision: s.store.Revision(), Database: "up", DatabaseSince: db.Since.UTC()}
	if !db.LastWrite.IsZero() {
		at := db.LastWrite.UTC()
		r.LastWrite = &at
	}
	switch {
	case pingErr != nil || !db.Up:
		reason := store.Reason(pingErr)
		if reason == "" {
			reason = db.Reason
		}
		r.Status, r.Database = "degraded", "unavailable"
		r.Detail = fmt.Sprintf("the database does not answer (%s) since %s: reads are served from revision %d; writes are refused with 503 and Retry-After until it answers",
			reason, r.DatabaseSince.Format(time.RFC3339), r.Revision)
	case db.StorageFull:
		r.Status, r.Database, r.DatabaseSince = "degraded", "full", db.FullSince.UTC()
		r.Detail = fmt.Sprintf("a write met a full disk at %s: reads are served; writes are refused with 507 until space is freed and a write succeeds",
			r.DatabaseSince.Format(time.RFC3339))
	}
	httpio.WriteJSON(c, http.StatusOK, r)
}
