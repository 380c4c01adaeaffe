package edge

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are this process's Prometheus metrics, on a registry of its own (so two servers
// in one process, as in tests, never collide), served at GET /metrics, with the
// surfaces' own collectors. The README lists them. /metrics is operational, like /healthz: it is not part of the JSON API, and not in
// openapi.yaml.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
	busy        prometheus.Counter
	held        prometheus.Counter
}

// unmatchedRoute is the route label of requests no route matched (404, 405, the pages'
// not-found), so that unknown paths cannot grow the label set.
const unmatchedRoute = "unmatched"

// latencyBuckets span a detail at a small dataset (under a millisecond) to an export at
// 100,000 studies (seconds), in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func newMetrics(own []prometheus.Collector) *metrics {
	reg := prometheus.NewRegistry()
	labels := []string{"method", "route", "status"}
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kb_http_requests_total",
			Help: "HTTP requests answered, by method, route template (\"unmatched\" when no route matched) and status.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kb_http_request_duration_seconds",
			Help:    "Time from receiving a request to the end of its response (an export's whole stream), by method, route template and status.",
			Buckets: latencyBuckets,
		}, labels),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kb_rate_limit_rejections_total",
			Help: "Requests refused with 429 because their client's token bucket could not pay their cost.",
		}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kb_busy_rejections_total",
			Help: "Costly requests refused with 503 because no query slot came free within the query timeout.",
		}),
		held: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kb_rate_limit_held_total",
			Help: "Requests held until their client's Retry-After had passed, because the client came back before it.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.rateLimited, m.busy, m.held,
	)
	reg.MustRegister(own...)
	return m
}

// observe is the middleware that counts and times every request, whatever answers it (the
// rate limiter's 429, the edge's 414, a handler).
func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	labels := prometheus.Labels{"method": methodLabel(c.Request.Method), "route": route, "status": strconv.Itoa(c.Writer.Status())}
	m.requests.With(labels).Inc()
	m.duration.With(labels).Observe(time.Since(start).Seconds())
}

// methodLabel keeps the method label to the methods the server knows.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// handler serves the registry in the Prometheus exposition format (compressed by promhttp
// itself when the scraper asks; the gzip middleware skips /metrics).
func (m *metrics) handler() gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry}))
}
