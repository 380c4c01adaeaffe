package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// BenchmarkScaleWrite times a curator's one-record writes through the whole handler
// (edge, token, body, checks, the transaction with its audit entry, the next snapshot,
// the answer) at 100,000 studies on SQLite, served from the catalogue image as a server
// is: POST of a new study, and PATCH of an existing one. It reports the median and p99 as
// ms-p50 and ms-p99. A fresh store of its own, so the writes leave the shared scale store
// as it is (KB_SCALE_TEST=1 go test ./api -run '^$' -bench ScaleWrite).
func BenchmarkScaleWrite(b *testing.B) {
	if os.Getenv("KB_SCALE_TEST") == "" {
		b.Skip("set KB_SCALE_TEST=1 to run the checks at 100,000 studies")
	}
	db := filepath.Join(b.TempDir(), "kb.db")
	opts := store.Options{DB: db, Seed: scaleSeed(b), Image: db + ".image"}
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	st.Close() // the image is saved on close; reopen to serve from it, as a restarted server does
	if st, err = store.Open(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := apitest.Serve(b, st, apitest.Setup{})
	token := apitest.Token(b, st, "bench", models.RoleCurator)
	send := func(method, target, contentType string, body []byte, headers ...string) *discardWriter {
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		w := &discardWriter{header: http.Header{}}
		srv.ServeHTTP(w, req)
		return w
	}
	template := st.Catalog().Dataset().Studies[0]
	report := func(b *testing.B, took []time.Duration) {
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-p50")
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "ms-p99")
	}
	b.Run("post", func(b *testing.B) {
		var took []time.Duration
		i := 0
		for b.Loop() {
			s := template
			s.ID = fmt.Sprintf("bench-post-%d", i)
			s.DOI = nil
			s.Title = fmt.Sprintf("Benchmarked study zebrapost%dx", i)
			words := strings.Fields(s.Summary)
			words[0] = fmt.Sprintf("zebrapost%dx", i)
			s.Summary = strings.Join(words, " ")
			body, _ := json.Marshal(s)
			start := time.Now()
			if w := send(http.MethodPost, "/api/v1/studies", "application/json", body); w.code != http.StatusCreated {
				b.Fatalf("POST: %d", w.code)
			}
			took = append(took, time.Since(start))
			i++
		}
		report(b, took)
	})
	b.Run("patch", func(b *testing.B) {
		studies := st.Catalog().Dataset().Studies
		var took []time.Duration
		i := 0
		for b.Loop() {
			id := studies[(i*7919)%len(studies)].ID
			d, err := st.Catalog().Study(id)
			if err != nil {
				b.Fatal(err)
			}
			body := fmt.Appendf(nil, `{"title": "Patched zebrapatch%dx"}`, i)
			start := time.Now()
			if w := send(http.MethodPatch, "/api/v1/studies/"+id, "application/merge-patch+json", body, "If-Match", d.ETag()); w.code != http.StatusOK {
				b.Fatalf("PATCH: %d", w.code)
			}
			took = append(took, time.Since(start))
			i++
		}
		report(b, took)
	})
}
