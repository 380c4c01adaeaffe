package catalog

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

func seedCatalog(tb testing.TB) *Catalog {
	d, raw := seedDataset(tb)
	return New(d, models.DocumentVersion(raw))
}

// seedDataset is the dataset the binary ships, and its document.
func seedDataset(tb testing.TB) (*models.Dataset, []byte) {
	tb.Helper()
	raw, err := os.ReadFile("../store/seed/dataset.json")
	if err != nil {
		tb.Fatal(err)
	}
	d, err := models.ParseDataset(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return d, raw
}

// A multi-key sort answered run by run from its first key's order gives exactly the full
// sort's order, by offset and by cursor, filtered or not.
func TestWalkGroupedIsTheFullSort(t *testing.T) {
	cat := seedCatalog(t)
	c := cat.studies
	for _, spec := range []string{"author,year", "-year,-sample_size", "effect_size,title", "-effect_size,-year,id", "year,author,-effect_size,title", "sample_size,-title"} {
		for _, filter := range []string{"", "stage:primary", "year:2010-2012,design:!survey"} {
			terms, err := c.parseSort(spec, false)
			if err != nil {
				t.Fatal(err)
			}
			clauses, _ := parseFilter(filter)
			matched, _ := c.evaluate(context.Background(), clauses)
			var want []int32
			matched.each(func(o int) bool { want = append(want, int32(o)); return true })
			slices.SortFunc(want, c.comparator(terms, nil))

			all, err := c.walkGrouped(context.Background(), matched, terms, -1, 0, len(want)+1)
			if err != nil || !slices.Equal(all, want) {
				t.Fatalf("%s / %q: whole walk differs (err %v)", spec, filter, err)
			}
			var paged []int32
			after := int32(-1)
			for {
				page, _ := c.walkGrouped(context.Background(), matched, terms, after, 0, 7)
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				after = page[len(page)-1]
			}
			if !slices.Equal(paged, want) {
				t.Errorf("%s / %q: cursor walk differs", spec, filter)
			}
			if len(want) > 12 {
				page, _ := c.walkGrouped(context.Background(), matched, terms, -1, 5, 7)
				if !slices.Equal(page, want[5:12]) {
					t.Errorf("%s / %q: offset page differs", spec, filter)
				}
			}
		}
	}
}

// The order cache holds the canonical orders only, however many sorts are asked for.
func TestOrderCacheIsBounded(t *testing.T) {
	cat := seedCatalog(t)
	keys := []string{"year", "title", "author", "sample_size", "effect_size", "id"}
	for _, a := range keys {
		for _, b := range keys {
			if a != b {
				for _, spec := range []string{a + "," + b, "-" + a + ",-" + b, a + ",-" + b} {
					if _, err := cat.Studies(Query{Sort: spec}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	if n, most := len(cat.studies.perms.m), 2*len(cat.studies.sorts)+1; n > most {
		t.Errorf("%d orders cached; at most %d", n, most)
	}
}

// A query whose context is done stops with the context's error.
func TestQueryStopsAtDeadline(t *testing.T) {
	cat := seedCatalog(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := cat.Studies(Query{Context: ctx, Filter: "stage:primary", Facets: []string{"theme"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}
