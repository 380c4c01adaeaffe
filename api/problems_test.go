package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// TestProblemTypesResolve: every kind of problem has a type URI whose page answers 200
// with an HTML page explaining it, and /problems lists them all.
func TestProblemTypesResolve(t *testing.T) {
	srv := apitest.NewServer(t)
	index := page(srv, "/problems")
	if index.Code != http.StatusOK {
		t.Fatalf("/problems: %d", index.Code)
	}
	seen := map[string]bool{}
	for _, k := range httpio.ProblemKinds {
		if seen[k.Slug] {
			t.Errorf("problem type %q is in the table twice", k.Slug)
		}
		seen[k.Slug] = true
		rec := page(srv, httpio.ProblemPath(k.Slug))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Body.String(), k.Title) || !strings.Contains(rec.Body.String(), "http://example.com/problems/"+k.Slug) {
			t.Errorf("%s: %d %s", k.Slug, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(index.Body.String(), `href="/problems/`+k.Slug+`"`) {
			t.Errorf("/problems does not link to %s", k.Slug)
		}
	}
	if rec := page(srv, "/problems/no-such-problem"); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown problem type answers %d", rec.Code)
	}
}

// TestProblemsCarryTheirType provokes each kind of problem the server sends and checks
// its type URI is the kind's, absolute on the request's host, and resolves.
func TestProblemsCarryTheirType(t *testing.T) {
	srv, st := apitest.NewWritableServer(t)
	curator := apitest.Token(t, st, "problem-curator", models.RoleCurator)
	admin := apitest.Token(t, st, "problem-admin", models.RoleAdmin)
	etag := apitest.Get(t, srv, "/api/v1/studies/lindsay-2008").Header().Get("ETag")
	big := []byte(`{"x":"` + strings.Repeat("x", 2<<20) + `"}`)
	cases := []struct {
		slug                      string
		method, target, token, ct string
		body                      string
		headers                   []string
	}{
		{"invalid-parameter", "GET", "/api/v1/studies?filter=colour:red", "", "", "", nil},
		{"unknown-parameter", "GET", "/api/v1/studies?colour=red", "", "", "", nil},
		{"unknown-parameter", "GET", "/api/v1/themes?page=1&page=2", "", "", "", nil},
		{"not-found", "GET", "/api/v1/studies/no-such-study", "", "", "", nil},
		{"not-found", "GET", "/api/v1/no-such-endpoint", "", "", "", nil},
		{"unauthorized", "GET", "/api/v1/audit", "", "", "", nil},
		{"forbidden", "GET", "/api/v1/audit", curator, "", "", nil},
		{"method-not-allowed", "PATCH", "/api/v1/themes", admin, "", "", nil},
		{"not-acceptable", "GET", "/api/v1/studies", "", "", "", []string{"Accept", "application/xml"}},
		{"conflict", "POST", "/api/v1/studies", curator, "application/json", "", nil},
		{"precondition-failed", "PATCH", "/api/v1/studies/lindsay-2008", curator, "application/merge-patch+json", `{"stage":"primary"}`, []string{"If-Match", `"stale"`}},
		{"precondition-required", "PATCH", "/api/v1/studies/lindsay-2008", curator, "application/merge-patch+json", `{"stage":"primary"}`, nil},
		{"unsupported-media-type", "PATCH", "/api/v1/studies/lindsay-2008", curator, "text/plain", `{}`, []string{"If-Match", etag}},
		{"unprocessable", "PATCH", "/api/v1/studies/lindsay-2008", curator, "application/merge-patch+json", `{"year":1900}`, []string{"If-Match", etag}},
		{"payload-too-large", "PUT", "/api/v1/studies/lindsay-2008", curator, "application/json", string(big), []string{"If-Match", etag}},
	}
	for _, tc := range cases {
		t.Run(tc.slug, func(t *testing.T) {
			body := tc.body
			if tc.slug == "conflict" { // a study whose id is taken
				body = apitest.Get(t, srv, "/api/v1/studies/lindsay-2008").Body.String()
				body = body[strings.Index(body, `"data":`)+7 : strings.Index(body, `,"related":`)]
			}
			rec := apitest.Send(t, srv, tc.method, tc.target, tc.token, tc.ct, []byte(body), tc.headers...)
			p := apitest.Decode[httpio.Problem](t, rec)
			if want := "http://example.com/problems/" + tc.slug; p.Type != want {
				t.Fatalf("%s %s: type %q (status %d); want %q\n%s", tc.method, tc.target, p.Type, rec.Code, want, rec.Body)
			}
			if page := page(srv, strings.TrimPrefix(p.Type, "http://example.com")); page.Code != http.StatusOK {
				t.Errorf("%s does not resolve: %d", p.Type, page.Code)
			}
		})
	}
}

// TestEveryDocumentedProblemStatusHasAType: each error status openapi.yaml documents has a
// kind of problem of its own, so no documented error falls back to the internal type.
func TestEveryDocumentedProblemStatusHasAType(t *testing.T) {
	doc := apitest.Document(t)
	statuses := map[int]bool{}
	for _, k := range httpio.ProblemKinds {
		statuses[k.Status] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil && n >= 400 && !statuses[n] {
					t.Errorf("%s %s documents %d, which has no problem type", method, path, n)
				}
			}
		}
	}
}

// page gets a web page, which is for people and not part of the API's contract.
func page(srv http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}
