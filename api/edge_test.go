package api_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
)

// Every kind of response says nosniff: JSON, problems, exports, the dataset, the spec,
// the docs, pages, static files, and the statuses middleware answers.
func TestNosniffOnEveryResponse(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, tc := range []struct {
		method, target string
		status         int
	}{
		{"GET", "/api/v1/studies?per_page=2", 200},
		{"GET", "/api/v1/studies/lindsay-2008", 200},
		{"GET", "/api/v1/studies/no-such-study", 404},
		{"GET", "/api/v1/studies?filter=colour:red", 400},
		{"GET", "/api/v1/studies?format=csv&filter=theme:engaging-with-fathers", 200},
		{"GET", "/api/v1/interventions?format=ndjson", 200},
		{"GET", "/api/v1/dataset", 200},
		{"GET", "/openapi.yaml", 200},
		{"GET", "/openapi.json", 200},
		{"GET", "/docs/", 200},
		{"GET", "/docs/swagger-initializer.js", 200},
		{"GET", "/docs/no-such-file.js", 404},
		{"GET", "/", 200},
		{"GET", "/static/site.css", 200},
		{"GET", "/healthz", 200},
		{"POST", "/api/v1/stats", 405},
		{"GET", "/api/v1/nowhere", 404},
		{"GET", "/api/v1/studies?q=" + strings.Repeat("a", edge.MaxURLBytes), 414},
	} {
		req := httptest.NewRequest(tc.method, tc.target, nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s %.80s = %d; want %d", tc.method, tc.target, rec.Code, tc.status)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %.80s: X-Content-Type-Options = %q; want nosniff", tc.method, tc.target, got)
		}
	}
}

func TestDocsSecurityHeaders(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, target := range []string{"/docs/", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"} {
		rec := apitest.Get(t, srv, target)
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", target, csp, want)
			}
		}
		if rec.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy = %q", target, rec.Header().Get("Referrer-Policy"))
		}
	}
	// the page runs no inline script, which the CSP would block
	if body := apitest.Get(t, srv, "/docs/").Body.String(); strings.Contains(body, "<script>") {
		t.Errorf("/docs/ has an inline script")
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/docs/nothing-here.css"), http.StatusNotFound, "")
}

func TestOversizedRequestsAreProblems(t *testing.T) {
	srv := apitest.NewServer(t)
	long := "/api/v1/studies?filter=" + strings.Repeat("theme:family-learning,", edge.MaxURLBytes/20)
	p := apitest.WantProblem(t, apitest.Get(t, srv, long), http.StatusRequestURITooLong, "url")
	if len(p.Instance) > 100 {
		t.Errorf("a 414 echoes %d bytes of the refused target", len(p.Instance))
	}
	req := httptest.NewRequest("GET", "/api/v1/stats", nil)
	for i := range 40 {
		req.Header.Add("X-Padding", strings.Repeat("x", 500)+string(rune('a'+i%26)))
	}
	apitest.WantProblem(t, apitest.Do(t, srv, req), http.StatusRequestHeaderFieldsTooLarge, "")
	apitest.WantProblem(t, apitest.Send(t, srv, "POST", "/api/v1/stats", "", "", nil), http.StatusMethodNotAllowed, "")
}

// Past MaxHeaderBytes net/http answers 431 before any handler runs; through Listener that
// answer is a problem document too.
func TestGoOwnErrorsAreProblems(t *testing.T) {
	srv := apitest.NewServer(t)
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.MaxHeaderBytes = edge.MaxHeaderBytes
	ts.Listener = edge.Listener(ts.Listener)
	ts.Start()
	defer ts.Close()
	for name, raw := range map[string]string{
		"431": "GET /api/v1/studies?q=" + strings.Repeat("a", 2*edge.MaxHeaderBytes) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"400": "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		go io.WriteString(conn, raw)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.Status[:3] != name || resp.Header.Get("Content-Type") != "application/problem+json" ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(string(body), `"status":`+name) {
			t.Errorf("%s: %s %v %s", name, resp.Status, resp.Header, body)
		}
	}
}
