package edge_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/edge"
)

func ok(c *gin.Context) { c.String(http.StatusOK, "ok") }

// A route must say what it costs: one that does not is refused when the server is built,
// so no endpoint can slip past the rate limits and the query slots.
func TestEveryRouteHasACostClass(t *testing.T) {
	_, err := edge.New(edge.Config{}, edge.Surface{Routes: []edge.Route{
		{Method: http.MethodGet, Path: "/priced", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Cheap},
		{Method: http.MethodGet, Path: "/unpriced", Handlers: []gin.HandlerFunc{ok}},
	}})
	if err == nil || !strings.Contains(err.Error(), "/unpriced") {
		t.Errorf("New with an unpriced route: %v; want an error naming it", err)
	}
}

func TestRoutesAreDeclaredOnce(t *testing.T) {
	route := edge.Route{Method: http.MethodGet, Path: "/twice", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Cheap}
	if _, err := edge.New(edge.Config{}, edge.Surface{Routes: []edge.Route{route}}, edge.Surface{Routes: []edge.Route{route}}); err == nil {
		t.Error("New took one route declared twice")
	}
}

// What a request costs its client follows from its route's class: the RateLimit header
// shows what is left of a bucket of 60.
func TestCostFollowsTheRouteClass(t *testing.T) {
	srv, err := edge.New(edge.Config{RateLimit: edge.RateLimit{Rate: 0.001, Burst: 60}}, edge.Surface{Routes: []edge.Route{
		{Method: http.MethodGet, Path: "/record", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Cheap},
		{Method: http.MethodGet, Path: "/list", Handlers: []gin.HandlerFunc{ok}, Cost: edge.List, Exports: true},
		{Method: http.MethodGet, Path: "/page", Handlers: []gin.HandlerFunc{ok}, Cost: edge.List},
		{Method: http.MethodGet, Path: "/map", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Query},
		{Method: http.MethodGet, Path: "/all", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Download},
		{Method: http.MethodGet, Path: "/probe", Handlers: []gin.HandlerFunc{ok}, Cost: edge.Free},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		target, accept string
		cost           int
	}{
		{"/record", "", 1},
		{"/list", "", 2},
		{"/list?q=x", "", 4},
		{"/list?q=x&facets=a", "", 6},
		{"/list?facets=a&facet_mode=disjunctive", "", 6},
		{"/list?format=csv", "", 20},
		{"/list", "text/csv", 20},
		{"/page", "text/html", 2}, // a page is never an export
		{"/map", "", 4},
		{"/all", "", 20},
		{"/probe", "", 0},
	} {
		req := httptest.NewRequest(http.MethodGet, c.target, nil)
		req.RemoteAddr = fmt.Sprintf("192.0.2.%d:1000", i+1) // a bucket of its own
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		want := `"default";r=` + strconv.Itoa(60-c.cost)
		if c.cost == 0 {
			if got := rec.Header().Get("RateLimit"); got != "" {
				t.Errorf("%s is charged: RateLimit %q", c.target, got)
			}
			continue
		}
		if got := rec.Header().Get("RateLimit"); !strings.HasPrefix(got, want+";") {
			t.Errorf("%s (Accept %q): RateLimit %q; want %s", c.target, c.accept, got, want)
		}
	}
}

// A path no route has is answered by the surface that owns it, in order: the API's
// problem document under /api/, the other surface's page elsewhere.
func TestUnknownPathsGoToTheirSurface(t *testing.T) {
	srv, err := edge.New(edge.Config{},
		edge.Surface{Owns: func(p string) bool { return strings.HasPrefix(p, "/api/") }},
		edge.Surface{NotFound: func(c *gin.Context) { c.String(http.StatusNotFound, "no such page") }},
	)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/api/v1/nothing": "application/problem+json", "/nothing": "text/plain; charset=utf-8"} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != want {
			t.Errorf("%s: %d %s; want 404 %s", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
	}
}

func TestParseCORSOrigins(t *testing.T) {
	got, err := edge.ParseCORSOrigins(" https://a.example, http://b.example/ ,")
	if err != nil || len(got) != 2 || got[0] != "https://a.example" || got[1] != "http://b.example" {
		t.Errorf("ParseCORSOrigins = %v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "a.example", "*,https://a.example"} {
		if _, err := edge.ParseCORSOrigins(bad); err == nil {
			t.Errorf("ParseCORSOrigins(%q) accepted", bad)
		}
	}
}
