package catalog_test

import (
	"errors"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// No query a client can send may panic or fail with anything but an invalid-input error.
func FuzzQuery(f *testing.F) {
	s := mustCatalog(f)
	for _, seed := range []struct{ filter, q, sort string }{
		{"theme:family-learning", "parent", "-year"},
		{"year:2010-2014,design:!RCT|survey", `"home learning" OR father*`, "relevance,title"},
		{"intervention.study.x:1", "((NOT", ",,"},
		{"sample_size:>-1e308", "c++ 😀 \x00", "-"},
		{"effect_size:-0.5--0.1", `-"" AND OR`, "effect_size,-sample_size,author,id"},
	} {
		f.Add(seed.filter, seed.q, seed.sort)
	}
	f.Fuzz(func(t *testing.T, filter, q, sort string) {
		for _, query := range []catalog.Query{
			{Filter: filter, Search: q, Sort: sort, Facets: []string{"theme", "year"}, FacetMode: catalog.FacetsDisjunctive},
			{Filter: filter, Search: q, Cursor: catalog.FirstCursor},
		} {
			_, err := s.Studies(query)
			var e *models.Error
			if err != nil && (!errors.As(err, &e) || e.Code != models.EInvalid) {
				t.Fatalf("Studies(%+v) = %v; want success or an invalid-input error", query, err)
			}
			_, err = s.Interventions(query)
			if err != nil && (!errors.As(err, &e) || e.Code != models.EInvalid) {
				t.Fatalf("Interventions(%+v) = %v", query, err)
			}
		}
		if _, err := s.CrossTab("theme", "strand", filter, q); err != nil {
			var e *models.Error
			if !errors.As(err, &e) || e.Code != models.EInvalid {
				t.Fatalf("EvidenceMap(%q, %q) = %v", filter, q, err)
			}
		}
	})
}
