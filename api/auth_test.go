package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// TestRequireRole mounts requireRole on a throwaway engine, one route per role, and sends
// it every kind of credential.
func TestRequireRole(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DB: storetest.Location(t), Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mint := func(name string, role models.Role) string {
		tok, err := st.CreateToken(ctx, name, role)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	curator, admin, revoked := mint("cora", models.RoleCurator), mint("ada", models.RoleAdmin), mint("rex", models.RoleAdmin)
	if err := st.RevokeToken(ctx, "rex"); err != nil {
		t.Fatal(err)
	}

	s := &Server{store: st, log: slog.New(slog.DiscardHandler)}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	whoami := func(c *gin.Context) {
		if p := principal(c); p != nil {
			c.String(http.StatusOK, p.Name+" "+string(p.Role))
			return
		}
		c.String(http.StatusOK, "nobody")
	}
	r.POST("/curate", s.requireRole(models.RoleCurator), whoami)
	r.POST("/admin", s.requireRole(models.RoleAdmin), whoami)
	r.GET("/open", whoami)

	const (
		bare         = `Bearer realm="evidence-kb"`
		invalidToken = `Bearer realm="evidence-kb", error="invalid_token"`
		needsAdmin   = `Bearer realm="evidence-kb", error="insufficient_scope", scope="admin"`
	)
	cases := []struct {
		name, path, auth string
		status           int
		challenge, body  string
	}{
		{"no header", "/curate", "", 401, bare, ""},
		{"empty header", "/curate", " ", 401, bare, ""},
		{"basic scheme", "/curate", "Basic " + curator, 401, bare, ""},
		{"scheme alone", "/curate", "Bearer", 401, bare, ""},
		{"scheme and space", "/curate", "Bearer  ", 401, bare, ""},
		{"token without scheme", "/curate", curator, 401, bare, ""},
		{"unknown token", "/curate", "Bearer kbt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 401, invalidToken, ""},
		{"garbage token", "/curate", "Bearer not-a-token", 401, invalidToken, ""},
		{"truncated token", "/curate", "Bearer " + curator[:len(curator)-1], 401, invalidToken, ""},
		{"revoked token", "/admin", "Bearer " + revoked, 401, invalidToken, ""},
		{"curator on admin route", "/admin", "Bearer " + curator, 403, needsAdmin, ""},
		{"curator", "/curate", "Bearer " + curator, 200, "", "cora curator"},
		{"scheme in lower case", "/curate", "bearer " + curator, 200, "", "cora curator"},
		{"scheme in upper case", "/curate", "BEARER " + curator, 200, "", "cora curator"},
		{"admin on curator route", "/curate", "Bearer " + admin, 200, "", "ada admin"},
		{"admin", "/admin", "Bearer " + admin, 200, "", "ada admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d; want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate %q; want %q", got, tc.challenge)
			}
			if tc.status == http.StatusOK {
				if rec.Body.String() != tc.body {
					t.Errorf("body %q; want %q", rec.Body, tc.body)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control %q; an authenticated response must not be stored", cc)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != httpio.ProblemType {
				t.Errorf("Content-Type %q; want %s", ct, httpio.ProblemType)
			}
			var p httpio.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("body is not a problem: %v: %s", err, rec.Body)
			}
			if p.Status != tc.status || p.Title != http.StatusText(tc.status) || p.Detail == "" || p.Instance != tc.path {
				t.Errorf("problem %+v; want status %d with a detail", p, tc.status)
			}
		})
	}

	// A route without requireRole has no principal, and needs no token.
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/open", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "nobody" {
		t.Errorf("open route: %d %s; want 200 and no principal", rec.Code, rec.Body)
	}
}

// TestCORSAllowsBearerTokens: a browser app on another origin may send a token, and read
// the challenge when it is refused.
func TestCORSAllowsBearerTokens(t *testing.T) {
	srv := streamServer(t, edge.Config{CORSOrigins: []string{"https://app.example.org"}}, Options{}, nil)
	req := httptest.NewRequest(http.MethodOptions, "/api/v1/studies", nil)
	req.Header.Set("Origin", "https://app.example.org")
	req.Header.Set("Access-Control-Request-Method", http.MethodGet)
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if allowed := rec.Header().Get("Access-Control-Allow-Headers"); !strings.Contains(strings.ToLower(allowed), "authorization") {
		t.Errorf("preflight: %d, Access-Control-Allow-Headers %q; want Authorization allowed", rec.Code, allowed)
	}

	req = httptest.NewRequest(http.MethodGet, "/api/v1/strands", nil)
	req.Header.Set("Origin", "https://app.example.org")
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if exposed := rec.Header().Get("Access-Control-Expose-Headers"); !strings.Contains(strings.ToLower(exposed), "www-authenticate") {
		t.Errorf("Access-Control-Expose-Headers %q; want WWW-Authenticate exposed", exposed)
	}
}
