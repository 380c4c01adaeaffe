package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
)

func limitedServer(t *testing.T, rl edge.RateLimit) http.Handler {
	t.Helper()
	return apitest.Serve(t, apitest.SharedStore(t), apitest.Setup{Edge: edge.Config{RateLimit: rl}})
}

func from(target, addr string, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// A burst past the limit gets 429 problems with Retry-After and RateLimit headers; another
// client is unaffected; health probes are never limited.
func TestRateLimitBurst(t *testing.T) {
	srv := limitedServer(t, edge.RateLimit{Rate: 1, Burst: 5})
	for i := range 5 {
		rec := apitest.Do(t, srv, from("/api/v1/studies/lindsay-2008", "192.0.2.1"))
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d = %d", i, rec.Code)
		}
		if got, want := rec.Header().Get("RateLimit"), `"default";r=`+strconv.Itoa(4-i)+";t="; !strings.HasPrefix(got, want) {
			t.Errorf("RateLimit = %q; want %s…", got, want)
		}
		if got := rec.Header().Get("RateLimit-Policy"); got != `"default";q=5;w=5` {
			t.Errorf("RateLimit-Policy = %q", got)
		}
	}
	rec := apitest.Do(t, srv, from("/api/v1/studies/lindsay-2008", "192.0.2.1"))
	apitest.WantProblem(t, rec, http.StatusTooManyRequests, "")
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
	}
	if !strings.HasPrefix(rec.Header().Get("RateLimit"), `"default";r=0;t=`) || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("429 headers: %v", rec.Header())
	}
	if rec := apitest.Do(t, srv, from("/api/v1/studies/lindsay-2008", "192.0.2.2")); rec.Code != http.StatusOK {
		t.Errorf("another client = %d; want 200", rec.Code)
	}
	if rec := apitest.Do(t, srv, from("/healthz", "192.0.2.1")); rec.Code != http.StatusOK || rec.Header().Get("RateLimit") != "" {
		t.Errorf("/healthz = %d, RateLimit %q; want 200 unlimited", rec.Code, rec.Header().Get("RateLimit"))
	}
}

// An export costs more than a detail: it spends the whole of a small budget at once.
func TestRateLimitWeightsCost(t *testing.T) {
	srv := limitedServer(t, edge.RateLimit{Rate: 1, Burst: 20})
	rec := apitest.Do(t, srv, from("/api/v1/studies?format=csv&filter=id:lindsay-2008", "192.0.2.3"))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("RateLimit"), `"default";r=0;`) {
		t.Fatalf("export = %d, RateLimit %q; want 200 spending all 20", rec.Code, rec.Header().Get("RateLimit"))
	}
	apitest.WantProblem(t, apitest.Do(t, srv, from("/api/v1/themes", "192.0.2.3")), http.StatusTooManyRequests, "")
}

// Forwarded headers name the client only when they come from a trusted proxy.
func TestRateLimitClientIdentity(t *testing.T) {
	proxies, err := edge.ParseTrustedProxies("10.0.0.0/8, 192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	srv := limitedServer(t, edge.RateLimit{Rate: 1, Burst: 1, TrustedProxies: proxies})
	get := func(addr string, headers ...string) int {
		return apitest.Do(t, srv, from("/api/v1/themes", addr, headers...)).Code
	}
	// through the proxy, two clients have a bucket each
	if get("10.1.1.1", "X-Forwarded-For", "198.51.100.1") != 200 || get("10.1.1.1", "X-Forwarded-For", "198.51.100.2") != 200 {
		t.Error("clients behind a trusted proxy share a bucket")
	}
	if get("10.1.1.2", "X-Forwarded-For", "198.51.100.1, 10.9.9.9") != 429 {
		t.Error("the client named by a chain of trusted proxies is not limited")
	}
	if get("192.0.2.9", "Forwarded", `for="[2001:db8::1]:4711";proto=https`) != 200 || get("192.0.2.9", "Forwarded", "for=2001:db8::2") != 429 {
		t.Error("Forwarded: an IPv6 client is not limited by its /64")
	}
	// an untrusted client cannot pick its identity
	if get("203.0.113.5", "X-Forwarded-For", "198.51.100.77") != 200 || get("203.0.113.5", "X-Forwarded-For", "198.51.100.78") != 429 {
		t.Error("X-Forwarded-For from an untrusted client changed its identity")
	}
	if _, err := edge.ParseTrustedProxies("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad -trusted-proxies entry is accepted")
	}
	_ = netip.Prefix{}
}

// A reader of the web pages who is refused gets a page saying when to come back, not a
// problem document; programs under /api/ still get the problem.
func TestRefusedPagesArePages(t *testing.T) {
	srv := apitest.Serve(t, apitest.SharedStore(t), apitest.Setup{Edge: edge.Config{RateLimit: edge.RateLimit{Rate: 1, Burst: 1}}, Site: true})
	for _, c := range []struct{ target, addr, contentType, says string }{
		{"/studies?q=homework", "192.0.2.40", "text/html", "Too many requests from your network"},
		{"/api/v1/studies?q=homework", "192.0.2.41", "application/problem+json", "too many requests from this client"},
	} {
		serve := func() *httptest.ResponseRecorder { // pages are not in the API's contract
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, from(c.target, c.addr))
			return rec
		}
		serve() // spends the budget
		rec := serve()
		if rec.Code != http.StatusTooManyRequests || !strings.HasPrefix(rec.Header().Get("Content-Type"), c.contentType) ||
			rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%s refused: %d, %s, Retry-After %q; want 429 %s saying %q", c.target, rec.Code,
				rec.Header().Get("Content-Type"), rec.Header().Get("Retry-After"), c.contentType, c.says)
		}
	}
}
