package api_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
)

// scrape reads /metrics (which is not part of the JSON API, so not checked against
// openapi.yaml) and returns its samples: "name{labels}" → value.
func scrape(t *testing.T, srv http.Handler, addr string) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, from("/metrics", addr))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics = %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type = %q; want the text exposition format", ct)
	}
	if rec.Header().Get("RateLimit") != "" {
		t.Errorf("/metrics carries RateLimit %q; it is never limited", rec.Header().Get("RateLimit"))
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples
}

// /metrics counts and times each request by route template and status, counts rate-limit
// refusals, and shows the snapshot being served.
func TestMetrics(t *testing.T) {
	srv := limitedServer(t, edge.RateLimit{Rate: 0.001, Burst: 3})
	st := apitest.SharedStore(t)
	for range 2 {
		if rec := apitest.Do(t, srv, from("/api/v1/studies/lindsay-2008", "192.0.2.1")); rec.Code != http.StatusOK {
			t.Fatalf("detail = %d", rec.Code)
		}
	}
	if rec := apitest.Do(t, srv, from("/api/v1/no-such-thing", "192.0.2.1")); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown path = %d", rec.Code)
	}
	apitest.WantProblem(t, apitest.Do(t, srv, from("/api/v1/studies/lindsay-2008", "192.0.2.1")), http.StatusTooManyRequests, "")
	post := from("/healthz", "192.0.2.9") // a client with budget left: a 405 is charged as a request
	post.Method = http.MethodPost
	if rec := apitest.Do(t, srv, post); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d", rec.Code)
	}

	// scrapes are never limited, however many, from the client that is
	for range 5 {
		scrape(t, srv, "192.0.2.1")
	}
	m := scrape(t, srv, "192.0.2.1")
	want := map[string]float64{
		`kb_http_requests_total{method="GET",route="/api/v1/studies/:id",status="200"}`:                 2,
		`kb_http_request_duration_seconds_count{method="GET",route="/api/v1/studies/:id",status="200"}`: 2,
		`kb_http_requests_total{method="GET",route="/api/v1/studies/:id",status="429"}`:                 1,
		`kb_http_requests_total{method="GET",route="unmatched",status="404"}`:                           1,
		`kb_http_requests_total{method="GET",route="/metrics",status="200"}`:                            5,
		`kb_rate_limit_rejections_total`:                                                                1,
		`kb_snapshot_revision`:                                                                          float64(st.Revision()),
	}
	studies, ivs := st.Catalog().Size()
	want["kb_snapshot_studies"], want["kb_snapshot_interventions"] = float64(studies), float64(ivs)
	for name, v := range want {
		if got, ok := m[name]; !ok || got != v {
			t.Errorf("%s = %v (present %v); want %v", name, got, ok, v)
		}
	}
	if studies == 0 || ivs == 0 {
		t.Errorf("snapshot of %d studies, %d interventions; want the seeded ones", studies, ivs)
	}
	if m["kb_snapshot_build_seconds"] <= 0 {
		t.Errorf("kb_snapshot_build_seconds = %v; want the time the catalogue took", m["kb_snapshot_build_seconds"])
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := m[name]; !ok {
			t.Errorf("%s missing: the Go and process collectors are registered", name)
		}
	}
}

// A scraper that takes gzip gets it once: promhttp compresses, the gzip middleware stays out.
func TestMetricsGzip(t *testing.T) {
	srv := apitest.NewServer(t)
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("/metrics = %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(body), "# TYPE kb_snapshot_studies gauge") {
		t.Errorf("gunzipped body (%v): %.300s", err, body)
	}
}
