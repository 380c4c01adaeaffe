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
//	@Summary	Readiness probe: the store answers
//	@Description	Answers 200 when the store of record answers a query, with the dataset version being served; 503 otherwise.
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
	httpio.WriteJSON(c, http.StatusOK, Health{Status: "ready", DatasetVersion: s.snapshot(c).Version()})
}
