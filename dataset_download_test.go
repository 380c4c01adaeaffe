package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/store"
)

// TestValidateAcceptsDatasetDownload saves GET /api/v1/dataset to a file and checks it as
// `evidence-kb validate FILE` would, so a researcher's download is a dataset of the exact
// version the API served.
func TestValidateAcceptsDatasetDownload(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "kb.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := api.NewServer(st, api.Options{Spec: spec})
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
	if want := "(version " + st.DatasetVersion() + ")"; !strings.Contains(out.String(), want) {
		t.Errorf("validate reports %q; want the served version %s", out.String(), want)
	}
}
