package api_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// The scale checks build a store of 100,000 synthetic studies (about a minute), so they
// run only when asked: KB_SCALE_TEST=1 go test ./api -run Scale -bench Scale.
const scaleStudies = 100_000

var (
	scaleOnce sync.Once
	scaleSrv  http.Handler
)

// scaleSeed is a seed of scaleStudies synthetic studies shaped like the shipped dataset.
func scaleSeed(tb testing.TB) *store.Seed {
	tb.Helper()
	base, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := json.Marshal(synth.Generate(base, scaleStudies, 1))
	if err != nil {
		tb.Fatal(err)
	}
	return store.DocumentSeed("synthetic", raw)
}

func scaleServer(tb testing.TB) http.Handler {
	tb.Helper()
	if os.Getenv("KB_SCALE_TEST") == "" {
		tb.Skip("set KB_SCALE_TEST=1 to run the checks at 100,000 studies")
	}
	scaleOnce.Do(func() {
		seed := scaleSeed(tb)
		dir, err := os.MkdirTemp("", "scale")
		if err != nil {
			tb.Fatal(err)
		}
		st, err := store.Open(context.Background(), store.Options{DB: filepath.Join(dir, "kb.db"), Seed: seed})
		if err != nil {
			tb.Fatal(err)
		}
		scaleSrv = apitest.Serve(tb, st, apitest.Setup{})
	})
	return scaleSrv
}

// A full CSV export at 100,000 studies streams whole: every row, parseable, the trailer
// saying complete. Its time is logged, not asserted: a shared machine's timing is no
// verdict (the export's cost is in BENCHMARKS.md).
func TestScaleExportIsComplete(t *testing.T) {
	ts := httptest.NewServer(scaleServer(t))
	defer ts.Close()
	identity := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	gzipped := &http.Client{} // asks for gzip and unzips as it reads
	for _, target := range []string{"/api/v1/studies?format=csv", "/api/v1/studies?format=csv&sort=author,-year", "/api/v1/studies?format=ndjson&q=parent", "gzip /api/v1/studies?format=csv"} {
		client := identity
		if path, ok := strings.CutPrefix(target, "gzip "); ok {
			client, target = gzipped, path
		}
		start := time.Now()
		resp, err := client.Get(ts.URL + target)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rows := 0
		if strings.Contains(target, "format=csv") {
			r := csv.NewReader(resp.Body)
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s: row %d: %v", target, rows, err)
				}
				rows++
			}
			rows-- // the header
		} else {
			dec := json.NewDecoder(resp.Body)
			for {
				var v map[string]any
				if err := dec.Decode(&v); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s: line %d: %v", target, rows, err)
				}
				rows++
			}
		}
		resp.Body.Close()
		took := time.Since(start)
		t.Logf("%s (%s): %d records in %v", target, map[bool]string{true: "gzip", false: "identity"}[client == gzipped], rows, took)
		if resp.Trailer.Get(api.ExportStatus) != "complete" {
			t.Errorf("%s: trailer %v", target, resp.Trailer)
		}
		if target == "/api/v1/studies?format=csv" && rows != scaleStudies {
			t.Errorf("full CSV export: %d rows; want %d", rows, scaleStudies)
		}
	}
}

// The gzipped dataset is compressed once per version: later downloads copy cached bytes.
// Bodies go to a writer that discards them: a recorder would time its own buffer growth.
func BenchmarkScaleDatasetGzip(b *testing.B) {
	srv := scaleServer(b)
	get := func() *discardWriter {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/dataset", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		w := &discardWriter{header: http.Header{}}
		srv.ServeHTTP(w, req)
		return w
	}
	start := time.Now()
	first := get()
	b.Logf("first gzipped download: %v, %d bytes", time.Since(start), first.n)
	for b.Loop() {
		if w := get(); w.code != http.StatusOK || w.header.Get("Content-Encoding") != "gzip" {
			b.Fatalf("%d %v", w.code, w.header)
		}
	}
}

func BenchmarkScaleCSVExport(b *testing.B) {
	srv := scaleServer(b)
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			for b.Loop() {
				w := &discardWriter{header: http.Header{}}
				req := httptest.NewRequest(http.MethodGet, "/api/v1/studies?format=csv", nil)
				req.Header.Set("Accept-Encoding", enc)
				srv.ServeHTTP(w, req)
				if w.code != http.StatusOK || w.header.Get(api.ExportStatus) != "complete" {
					b.Fatal(w.code, w.header)
				}
			}
		})
	}
}

// discardWriter is an http.ResponseWriter that keeps the status and headers and counts
// the body's bytes.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) Flush() {}

// The dataset download is gzipped from cache, and unzips to the identity bytes.
func TestDatasetPrecompressed(t *testing.T) {
	srv := apitest.NewServer(t)
	plain := apitest.Get(t, srv, "/api/v1/dataset")
	req := httptest.NewRequest(http.MethodGet, "/api/v1/dataset", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	zipped := apitest.Do(t, srv, req)
	if zipped.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding: gzipped %q, plain %q", zipped.Header().Get("Content-Encoding"), plain.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != plain.Body.String() {
		t.Error("the gzipped dataset differs from the plain one")
	}
	req = httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0")
	if rec := apitest.Do(t, srv, req); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}

// BenchmarkScaleRequests times whole requests through the handler (routing, query,
// encoding), without the network: what one request costs the server's CPU.
func BenchmarkScaleRequests(b *testing.B) {
	srv := scaleServer(b)
	for name, target := range map[string]string{
		"search":        "/api/v1/studies?q=parental%20engagement",
		"filtered-list": "/api/v1/studies?filter=theme:supporting-vulnerable-families,year:2010-2014,design:!survey&sort=-year,title",
		"facets":        "/api/v1/studies?filter=stage:primary|secondary,year:2010-2014&facets=theme,strand,disadvantage,design,stage,country,year&per_page=1",
		"evidence-map":  "/api/v1/evidence-map?rows=theme&cols=strand&filter=year:2010-2014",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				w := &discardWriter{header: http.Header{}}
				srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
				if w.code != http.StatusOK {
					b.Fatal(w.code)
				}
			}
		})
	}
}
