package api

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/store"
)

func streamServer(t *testing.T) *Server {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: filepath.Join(t.TempDir(), "kb.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	spec, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(st, Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// A whole export ends with the trailer X-Export-Status: complete; one that fails after it
// began has no trailer and a truncated body (and NDJSON an error line), never a silent cut.
func TestExportFailureIsVisible(t *testing.T) {
	srv := streamServer(t)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, f := range []string{"csv", "ndjson"} {
		srv.exportHook = func(int) error { return nil }
		resp, err := http.Get(ts.URL + "/api/v1/studies?format=" + f)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.Trailer.Get(ExportStatus) != "complete" {
			t.Errorf("%s: whole export: err %v, trailer %v", f, err, resp.Trailer)
		}
		if f == "csv" {
			if rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll(); err != nil || len(rows) != 111 {
				t.Errorf("csv: %d rows, %v; want 111", len(rows), err)
			}
		}

		srv.exportHook = func(n int) error {
			if n == 60 {
				return errors.New("injected failure")
			}
			return nil
		}
		resp, err = http.Get(ts.URL + "/api/v1/studies?format=" + f)
		if err != nil {
			t.Fatal(err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || resp.Trailer.Get(ExportStatus) == "complete" {
			t.Errorf("%s: a failed export reads as whole (err %v, trailer %v)", f, err, resp.Trailer)
		}
		if f == "ndjson" && !strings.Contains(string(body), `{"error":"the export failed after 60 records`) {
			t.Errorf("ndjson: no error line at the end: %q", string(body[max(0, len(body)-200):]))
		}
	}
}
