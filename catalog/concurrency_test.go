package catalog_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/synth"
)

// Queries share reused memory (the scratch bitmaps, score buffers, cached clause sets), so
// readers running at once must each get the answer they would get alone.
func TestConcurrentQueriesAnswerAsAlone(t *testing.T) {
	cat := catalog.New(synth.Generate(embeddedDataset(t), 3000, 7), "v0")
	facets := []string{"theme", "stage", "year", "design"}
	queries := []catalog.Query{
		{Filter: "stage:primary|secondary,year:2010-2014", Facets: facets, PerPage: 5},
		{Filter: "theme:engaging-with-fathers", Facets: facets, FacetMode: catalog.FacetsDisjunctive},
		{Search: "parental engagement", PerPage: 10, Facets: facets},
		{Search: "reading OR literacy", Filter: "year:2011-2013", PerPage: 10},
		{Filter: "design:!survey", Sort: "-year,title"},
	}
	answer := func(i int) string {
		if i == len(queries) { // the gap map with a search: insights keep a search's matched set
			m, err := cat.CrossTab("theme", "strand", "year:2010-2014", "home learning")
			if err != nil {
				t.Error(err)
			}
			return fmt.Sprint(m)
		}
		p, err := cat.Studies(queries[i])
		if err != nil {
			t.Error(err)
			return ""
		}
		return fmt.Sprint(p.Total, p.Items, p.Facets, p.Matches)
	}
	alone := make([]string, len(queries)+1)
	for i := range alone {
		alone[i] = answer(i)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 40 {
				i := (g + n) % len(alone)
				if got := answer(i); got != alone[i] {
					t.Errorf("query %d answered differently beside others", i)
					return
				}
			}
		})
	}
	wg.Wait()
}
