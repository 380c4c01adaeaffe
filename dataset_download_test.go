package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// TestValidateAcceptsDatasetDownload saves GET /api/v1/dataset to a file and checks it as
// `evidence-kb validate FILE` would, and `import -dry-run FILE` finds nothing to change: a
// researcher's download is the evidence base the API served, exactly.
func TestValidateAcceptsDatasetDownload(t *testing.T) {
	st := openStore(t, store.Options{DB: storetest.Location(t), Seed: store.EmbeddedSeed()})
	jsonAPI, err := api.Routes(st, api.Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := edge.New(edge.Config{}, jsonAPI)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/dataset", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/dataset = %d", rec.Code)
	}
	file := filepath.Join(t.TempDir(), "dataset-"+st.DatasetVersion()+".json")
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"validate", file}, &out, io.Discard, nil); err != nil {
		t.Fatalf("validate rejects the download: %v\n%s", err, out.String())
	}
	report, err := st.Import(context.Background(), store.Actor{Name: "test", Role: models.RoleAdmin}, rec.Body.Bytes(), true)
	if err != nil || len(report.Added)+len(report.Changed)+len(report.Removed) > 0 {
		t.Errorf("importing the download would change the store: %+v, %v", report, err)
	}
}
