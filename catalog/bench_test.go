package catalog_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
)

// BenchSize is the evidence base the benchmarks measure: a thousand times today's.
const benchSize = 100_000

var (
	benchOnce  sync.Once
	benchStore *catalog.Catalog
)

// benchmarkStore builds the query catalogue over a synthetic 100,000-study dataset. The
// catalogue is what serves reads; SQLite is not on the read path, so it is left out here.
func benchmarkStore(b *testing.B) *catalog.Catalog {
	b.Helper()
	benchOnce.Do(func() { benchStore = catalog.New(benchDataset(b), "bench") })
	return benchStore
}

// benchDataset is a fresh synthetic dataset of benchSize studies shaped like the shipped one.
func benchDataset(b *testing.B) *models.Dataset {
	b.Helper()
	base := embeddedDataset(b)
	return synth.Generate(base, benchSize, 1)
}

func BenchmarkListFilteredWithTotal(b *testing.B) {
	s := benchmarkStore(b)
	q := catalog.Query{Filter: "theme:supporting-vulnerable-families,year:2010-2014,design:!survey", Sort: "-year,title"}
	for b.Loop() {
		if _, err := s.Studies(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListCursorSortedBySampleSize(b *testing.B) {
	s := benchmarkStore(b)
	p, _ := s.Studies(catalog.Query{Filter: "stage:primary", Sort: "-sample_size,title", Cursor: catalog.FirstCursor})
	q := catalog.Query{Filter: "stage:primary", Sort: "-sample_size,title", Cursor: p.NextCursor}
	for b.Loop() {
		if _, err := s.Studies(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	s := benchmarkStore(b)
	for _, q := range []string{"parental engagement", `"home learning"`, "father* OR literacy", "reading -school"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Studies(catalog.Query{Search: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var allFacets = []string{"theme", "strand", "disadvantage", "design", "stage", "country", "year"}

func BenchmarkFacets(b *testing.B) {
	s := benchmarkStore(b)
	for _, mode := range []string{catalog.FacetsFiltered, catalog.FacetsDisjunctive} {
		b.Run(mode, func(b *testing.B) {
			q := catalog.Query{Filter: "stage:primary|secondary,year:2010-2014", Facets: allFacets, FacetMode: mode}
			for b.Loop() {
				if _, err := s.Studies(q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvidenceMap(b *testing.B) {
	s := benchmarkStore(b)
	for _, dims := range [][2]string{{"theme", "strand"}, {"disadvantage", "year"}} {
		b.Run(dims[0]+"x"+dims[1], func(b *testing.B) {
			for b.Loop() {
				if _, err := s.CrossTab(dims[0], dims[1], "year:2010-2014", ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuildCatalog(b *testing.B) {
	base := embeddedDataset(b)
	d := synth.Generate(base, benchSize/10, 1)
	for b.Loop() {
		catalog.New(d, "bench")
	}
}

// BenchmarkApplyOneStudy is a curator's one-record write at 100,000 studies: the time from
// the committed change to the next snapshot that every read sees. Each iteration applies
// to the previous snapshot, as the store does, and then runs the first list query on the
// new snapshot (its cached order was patched, not re-sorted).
func BenchmarkApplyOneStudy(b *testing.B) {
	cat := benchmarkStore(b)
	d := cat.Dataset()
	i := 0
	for b.Loop() {
		s := d.Studies[(i*7919)%len(d.Studies)]
		s.Year = models.FirstYear + i%7
		s.Title = fmt.Sprintf("%s (revised %d)", s.Title, i)
		cat = cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, fmt.Sprintf("w%d", i))
		if _, err := cat.Studies(catalog.Query{Filter: "year:2010-2014", Sort: "-year,title"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkApplyNewStudy is a curator's new study at 100,000 studies: the next snapshot
// with the study appended (a new ordinal, a new id in the id index, a new document in the
// search index), after a first list query has cached an order to keep up to date. Its cost
// must not grow with the evidence base: only the chunks and shards the study lands in are
// copied.
func BenchmarkApplyNewStudy(b *testing.B) {
	cat := benchmarkStore(b)
	template := cat.Dataset().Studies[0]
	if _, err := cat.Studies(catalog.Query{Sort: "title"}); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		s := template
		s.ID = fmt.Sprintf("bench-new-%d", i)
		s.DOI = nil
		s.Title = fmt.Sprintf("New study zebranew%dx", i)
		cat = cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, fmt.Sprintf("n%d", i))
		i++
	}
	if p, err := cat.Studies(catalog.Query{Search: fmt.Sprintf("zebranew%dx", i-1)}); err != nil || p.Total != 1 {
		b.Fatalf("the last new study is not found: %v, %v", p, err)
	}
}

// The costliest list requests an abusive client can send: a disjunctive facet over many
// clauses, each with many values, and a multi-key sort that is not kept whole.
func BenchmarkDisjunctiveFacetsManyValues(b *testing.B) {
	s := benchmarkStore(b)
	q := catalog.Query{Filter: "theme:family-learning|parenting-support|engaging-with-fathers,design:RCT|quasi-experimental|survey|qualitative,stage:primary|secondary|early-years,year:2009|2010|2011|2012|2013,country:!England",
		Facets: []string{"theme", "strand", "disadvantage", "design", "stage", "country", "type", "year"}, FacetMode: catalog.FacetsDisjunctive}
	for b.Loop() {
		if _, err := s.Studies(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUncachedMultiKeySort(b *testing.B) {
	s := benchmarkStore(b)
	sorts := []string{"author,-year", "-effect_size,title", "sample_size,-author", "title,-sample_size", "-year,-effect_size,author"}
	i := 0
	for b.Loop() {
		if _, err := s.Studies(catalog.Query{Sort: sorts[i%len(sorts)], Page: 1 + i%50}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkReadImage is a restart's catalogue: read from the image the last build saved.
// BenchmarkBuildCatalog100k, beside it, is the build it replaces.
func BenchmarkReadImage(b *testing.B) {
	var image bytes.Buffer
	if err := benchmarkStore(b).WriteImage(&image, 1); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(image.Len())/(1<<20), "MiB")
	for b.Loop() {
		if _, _, err := catalog.ReadImage(image.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildCatalog100k(b *testing.B) {
	d := benchmarkStore(b).Dataset()
	for b.Loop() {
		catalog.New(d, "bench")
	}
}
