package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// BenchmarkWriteVisibleAt100k is a curator's one-record write at 100,000 synthetic
// studies, measured from the request to the moment a search finds the new text: the
// checks, the SQLite transaction with its audit entry, and the incremental update of the
// query indexes. It reports the median as ms-p50 (seeding the store takes a while first).
func BenchmarkWriteVisibleAt100k(b *testing.B) {
	ctx := context.Background()
	base, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		b.Fatal(err)
	}
	seed, err := models.EncodeDataset(synth.Generate(base, 100_000, 1))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{DB: filepath.Join(b.TempDir(), "kb.db"), Seed: store.DocumentSeed("synthetic", seed)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	studies := st.Catalog().Dataset().Studies
	actor := store.Actor{Name: "bench", Role: models.RoleCurator, RequestID: "bench"}
	var took []time.Duration
	i := 0
	for b.Loop() {
		cat := st.Catalog()
		s := studies[(i*7919)%len(studies)]
		r, err := cat.Study(s.ID)
		if err != nil {
			b.Fatal(err)
		}
		s = r.Study
		word := fmt.Sprintf("zebrafinch%d", i)
		s.Title = s.Title + " " + word
		start := time.Now()
		if _, err := st.Write(ctx, store.RecordWrite{Actor: actor, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID,
			Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
			b.Fatal(err)
		}
		p, err := st.Catalog().Studies(catalog.Query{Search: word})
		if err != nil || p.Total != 1 {
			b.Fatalf("the write is not visible: %v, %v", p, err)
		}
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "ms-p99")
}
