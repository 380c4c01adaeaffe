package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// On an empty PostgreSQL database the server migrates, seeds and answers exactly as it does
// on the SQLite default: the same ids, totals, facets, maps and exports, byte for byte.
// It runs in the PostgreSQL pass, where the shared store is on PostgreSQL.
func TestPostgresAnswersLikeSQLite(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("runs in the PostgreSQL pass (set " + storetest.DSNVar + ")")
	}
	sqlite, err := store.Open(context.Background(), store.Options{DB: filepath.Join(t.TempDir(), "kb.db"), Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	onSQLite := apitest.Serve(t, sqlite, apitest.Setup{})
	onPostgres := apitest.NewServer(t)
	for _, target := range []string{
		"/api/v1/studies?per_page=100&sort=-year,title&facets=theme,strand,disadvantage,design,stage,country,type,year",
		"/api/v1/studies?page=2&per_page=50",
		"/api/v1/studies?q=parent*%20OR%20reading&facets=theme&facet_mode=disjunctive",
		"/api/v1/interventions?per_page=100&facets=stage,setting,theme",
		"/api/v1/interventions/triple-p",
		"/api/v1/studies/lindsay-2008",
		"/api/v1/evidence-map?rows=theme&cols=strand",
		"/api/v1/stats",
		"/api/v1/themes",
		"/api/v1/studies?format=csv",
		"/api/v1/studies?format=bibtex",
		"/api/v1/interventions?format=ndjson",
		"/api/v1/dataset",
	} {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		onPostgres.ServeHTTP(got, httptest.NewRequest(http.MethodGet, target, nil))
		onSQLite.ServeHTTP(want, httptest.NewRequest(http.MethodGet, target, nil))
		if got.Code != http.StatusOK || want.Code != http.StatusOK {
			t.Fatalf("%s: %d on PostgreSQL, %d on SQLite", target, got.Code, want.Code)
		}
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("%s: PostgreSQL and SQLite answer differently (%d and %d bytes)", target, got.Body.Len(), want.Body.Len())
		}
	}
}
