package catalog_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
)

// typos are zero-hit searches at 100,000 studies that get a suggestion.
var typos = []string{"Tripple P", "Incedible Years", "dialogic readng", "fathres", "literacey", "parentel involvement"}

// The synthetic evidence base reuses the curated texts' words, about 2,000 of them; real
// texts of 100,000 studies would hold a couple of hundred thousand. largeVocabulary is the
// same 100,000 studies with 250,000 made-up words added to their summaries (two or three
// each), so the lexicon is as large as a real one's.
const extraWords = 250_000

var (
	largeOnce  sync.Once
	largeStore *catalog.Catalog
)

func largeVocabularyStore(b *testing.B) *catalog.Catalog {
	b.Helper()
	largeOnce.Do(func() {
		d := benchDataset(b)
		words := madeUpWords(extraWords)
		for i, w := range words {
			s := &d.Studies[i%len(d.Studies)]
			s.Summary += " " + w
		}
		largeStore = catalog.New(d, "bench-large")
	})
	return largeStore
}

// madeUpWords are n distinct word-like strings of 5 to 14 letters, made of syllables.
func madeUpWords(n int) []string {
	rng := rand.New(rand.NewPCG(7, 11))
	syllables := strings.Fields("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ha he hi ho la le li lo lu " +
		"ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo " +
		"bra cre dri fro gla ple spi sto tri tha the thi cha che chi sha she str ing ent ion ate ous est ers")
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		for want := 5 + rng.IntN(10); b.Len() < want; {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// BenchmarkDidYouMean measures a zero-hit search with its suggestion ("with") and the same
// search path without one ("without"), at 100,000 studies, and reports each one's median
// and 99th percentile: "with" less "without" is what suggestions add. The lexicon is built
// before the timer starts (once per snapshot, shared by the snapshots writes derive);
// BenchmarkLexiconBuild measures that. "large" is the same over a lexicon of 250,000 more
// words.
func BenchmarkDidYouMean(b *testing.B) {
	for _, size := range []string{"synthetic", "large"} {
		b.Run(size, func(b *testing.B) {
			cat := benchmarkStore(b)
			if size == "large" {
				cat = largeVocabularyStore(b)
			}
			for _, q := range typos { // each a typo that finds nothing and gets a suggestion
				p, err := cat.Studies(catalog.Query{Search: q})
				if err != nil || p.Total != 0 || p.DidYouMean == nil {
					b.Fatalf("%s: %v, %d found, suggestion %+v", q, err, p.Total, p.DidYouMean)
				}
			}
			for _, mode := range []string{"with", "without"} {
				run := cat.Studies
				if mode == "without" {
					run = cat.StudiesWithoutSuggestion
				}
				b.Run(mode, func(b *testing.B) {
					var took []time.Duration
					i := 0
					for b.Loop() {
						start := time.Now()
						if _, err := run(catalog.Query{Search: typos[i%len(typos)]}); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
						i++
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e6, "p50-ms")
					b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds())/1e6, "p99-ms")
				})
			}
		})
	}
}

// BenchmarkLexiconBuild builds the did-you-mean lexicon at 100,000 studies, as the first
// suggestion on a snapshot after a full build does, and reports its words and the bytes it
// adds to the heap: measured (after a collection, with the lexicon alive), and as counted
// from its arrays.
func BenchmarkLexiconBuild(b *testing.B) {
	for _, size := range []string{"synthetic", "large"} {
		b.Run(size, func(b *testing.B) {
			cat := benchmarkStore(b)
			if size == "large" {
				cat = largeVocabularyStore(b)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			lx, words, counted := cat.BuildLexicon()
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(lx)
			for b.Loop() {
				cat.BuildLexicon()
			}
			b.ReportMetric(float64(words), "words")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)), "heap-bytes")
			b.ReportMetric(float64(counted), "counted-bytes")
		})
	}
}
