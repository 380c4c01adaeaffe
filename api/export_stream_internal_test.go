package api

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// testServer is the API behind the edge, with its Server at hand (its exportHook).
type testServer struct {
	*edge.Server
	api *Server
}

// streamServer serves the API over a fresh store seeded with seed (nil for the embedded
// dataset), behind an edge configured by cfg.
func streamServer(t *testing.T, cfg edge.Config, opts Options, seed *store.Seed) testServer {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: filepath.Join(t.TempDir(), "kb.db"), Seed: cmp.Or(seed, store.EmbeddedSeed())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if opts.Spec, err = os.ReadFile("../openapi.yaml"); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := edge.New(cfg, s.surface())
	if err != nil {
		t.Fatal(err)
	}
	return testServer{srv, s}
}

// A whole export ends with the trailer X-Export-Status: complete; one that fails after it
// began has no trailer and a truncated body (and NDJSON an error line), never a silent cut.
func TestExportFailureIsVisible(t *testing.T) {
	srv := streamServer(t, edge.Config{}, Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, f := range []string{"csv", "ndjson"} {
		srv.api.exportHook = func(int) error { return nil }
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

		srv.api.exportHook = func(n int) error {
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

// Exports are capped server-wide: while as many stream as the server runs at once, the
// next is refused with 503, Retry-After and a problem, and other requests are served.
func TestExportsAreCappedServerWide(t *testing.T) {
	const maxExports = 2
	// a slot for each: every export holds one while its first block waits
	srv := streamServer(t, edge.Config{MaxExports: maxExports, QuerySlots: maxExports}, Options{}, nil)
	release := make(chan struct{})
	started := make(chan struct{}, maxExports)
	srv.api.exportHook = func(n int) error {
		if n == 0 {
			started <- struct{}{}
			<-release
		}
		return nil
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	done := make(chan error, maxExports)
	for range maxExports {
		go func() {
			resp, err := http.Get(ts.URL + "/api/v1/studies?format=csv")
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		<-started
	}
	resp, err := http.Get(ts.URL + "/api/v1/studies?format=ndjson")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("an export past the cap = %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	if resp, err := http.Get(ts.URL + "/api/v1/studies/lindsay-2008"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("a detail while exports stream: %v %v", resp.StatusCode, err)
	}
	close(release)
	for range maxExports {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if resp, err := http.Get(ts.URL + "/api/v1/studies?format=ndjson"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("an export after the others ended: %v %v", resp.StatusCode, err)
	}
}

// An export compresses its own blocks for a client that takes gzip (the middleware stays
// out), and unzips to the very bytes of the identity export.
func TestExportCompressesItsOwnBlocks(t *testing.T) {
	srv := streamServer(t, edge.Config{}, Options{}, nil)
	get := func(encoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/studies?format=csv&sort=-year", nil)
		req.Header.Set("Accept-Encoding", encoding)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	plain, zipped := get("identity"), get("gzip, br")
	if plain.Header().Get("Content-Encoding") != "" || zipped.Header().Get("Content-Encoding") != "gzip" ||
		!strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") || zipped.Header().Get(ExportStatus) != "complete" {
		t.Fatalf("headers: plain %v; gzipped %v", plain.Header(), zipped.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || string(got) != plain.Body.String() {
		t.Errorf("the gzipped export differs from the plain one (err %v, %d and %d bytes)", err, len(got), plain.Body.Len())
	}
}

// An export is paced to Options.ExportRate records a second, after a first burst of a
// fifth of that (at least a block): 1,200 records at 1,000 a second take the burst's 500,
// then wait about 0.5 s for each of the next two blocks.
func TestExportIsPaced(t *testing.T) {
	base, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(synth.Generate(base, 1200, 1))
	if err != nil {
		t.Fatal(err)
	}
	srv := streamServer(t, edge.Config{}, Options{ExportRate: 1000}, store.DocumentSeed("synthetic", raw))
	start := time.Now()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/studies?format=ndjson", nil))
	took := time.Since(start)
	if lines := strings.Count(rec.Body.String(), "\n"); rec.Code != http.StatusOK || lines != 1200 {
		t.Fatalf("export = %d with %d lines; want 1200", rec.Code, lines)
	}
	if took < 900*time.Millisecond {
		t.Errorf("1,200 records at 1,000 a second took %v; want about 1 s (the pace)", took)
	}
}
