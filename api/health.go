package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
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

// readyz godoc
//
//	@Summary	Readiness probe: the store answers and this replica is current
//	@Description	Answers 200 when the store of record answers a query and this process has caught up with the database's latest revision within the allowed lag (`-max-lag`), with the dataset version being served; 503 otherwise, so a load balancer sends no reads to a replica that is behind.
//	@ID				readyz
//	@Tags		operations
//	@Produce	json
//	@Produce	application/problem+json
//	@Success	200	{object}	Health
//	@Failure	503	{object}	Problem
//	@Router		/readyz [get]
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("readiness check failed", "err", err)
		httpio.WriteProblem(c, http.StatusServiceUnavailable, "the store does not answer", nil)
		return
	}
	if err := s.store.Ready(s.opts.MaxLag); err != nil {
		httpio.WriteProblem(c, http.StatusServiceUnavailable, "this replica is behind the database: "+err.Error(), nil)
		return
	}
	httpio.WriteJSON(c, http.StatusOK, Health{Status: "ready", DatasetVersion: s.snapshot(c).Version()})
}
