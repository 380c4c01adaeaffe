package catalog_test

import (
	"math"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
)

// NewPaging refuses what would overflow (Schemathesis found page=853249315327597948 with
// per_page=60 wrapping to a negative offset) and fills in the defaults.
func TestNewPaging(t *testing.T) {
	cases := []struct {
		page, perPage int
		want          catalog.Paging
		wrong         string // the part refused; "" for none
	}{
		{0, 0, catalog.Paging{Page: 1, PerPage: catalog.DefaultPerPage}, ""},
		{1, 1, catalog.Paging{Page: 1, PerPage: 1}, ""},
		{catalog.MaxPage, catalog.MaxPerPage, catalog.Paging{Page: catalog.MaxPage, PerPage: catalog.MaxPerPage}, ""},
		{catalog.MaxPage + 1, 1, catalog.Paging{}, catalog.PartPage},
		{853249315327597948, 60, catalog.Paging{}, catalog.PartPage},
		{math.MaxInt, 2, catalog.Paging{}, catalog.PartPage},
		{math.MaxInt, math.MaxInt, catalog.Paging{}, catalog.PartPageSize},
		{math.MinInt, 20, catalog.Paging{}, catalog.PartPage},
		{-1, 20, catalog.Paging{}, catalog.PartPage},
		{1, catalog.MaxPerPage + 1, catalog.Paging{}, catalog.PartPageSize},
		{1, -1, catalog.Paging{}, catalog.PartPageSize},
		{1, math.MinInt, catalog.Paging{}, catalog.PartPageSize},
	}
	for _, tc := range cases {
		got, err := catalog.NewPaging(tc.page, tc.perPage)
		if tc.wrong != "" {
			wantInvalid(t, err, tc.wrong)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NewPaging(%d, %d) = %+v, %v; want %+v", tc.page, tc.perPage, got, err, tc.want)
		}
	}
}

// A page's numbers stay in range for every page NewPaging lets through, and for any
// total, the largest int included.
func TestPagingArithmetic(t *testing.T) {
	cases := []struct {
		paging             catalog.Paging
		total              int
		offset, end, pages int
		from, to           int
		past               bool
	}{
		{catalog.Paging{Page: 1, PerPage: 20}, 0, 0, 20, 1, 0, 0, false}, // an empty list is one empty page
		{catalog.Paging{Page: 2, PerPage: 20}, 0, 20, 40, 1, 0, 0, true},
		{catalog.Paging{Page: 1, PerPage: 20}, 20, 0, 20, 1, 0, 20, false},
		{catalog.Paging{Page: 2, PerPage: 20}, 21, 20, 40, 2, 20, 21, false},
		{catalog.Paging{Page: 3, PerPage: 20}, 40, 40, 60, 2, 40, 40, true},
		{catalog.Paging{Page: 6, PerPage: 3}, 15, 15, 18, 5, 15, 15, true},
		{catalog.Paging{Page: catalog.MaxPage, PerPage: catalog.MaxPerPage}, 15, 999_999_900, 1_000_000_000, 1, 15, 15, true},
		{catalog.Paging{Page: catalog.MaxPage, PerPage: catalog.MaxPerPage}, math.MaxInt, 999_999_900, 1_000_000_000, math.MaxInt/100 + 1, 999_999_900, 1_000_000_000, false},
		{catalog.Paging{Page: 1, PerPage: 1}, math.MaxInt, 0, 1, math.MaxInt, 0, 1, false},
	}
	for _, tc := range cases {
		p := tc.paging
		from, to := p.Bounds(tc.total)
		if p.Offset() != tc.offset || p.End() != tc.end || p.Pages(tc.total) != tc.pages || from != tc.from || to != tc.to {
			t.Errorf("%+v of %d: offset %d, end %d, pages %d, bounds [%d:%d]; want %d, %d, %d, [%d:%d]",
				p, tc.total, p.Offset(), p.End(), p.Pages(tc.total), from, to, tc.offset, tc.end, tc.pages, tc.from, tc.to)
		}
		if err := p.Within(tc.total); tc.past {
			wantInvalid(t, err, catalog.PartPage)
		} else if err != nil {
			t.Errorf("%+v of %d: %v", p, tc.total, err)
		}
	}
}

// The engine's lists refuse a page whose offset would overflow, rather than wrapping to a
// negative offset.
func TestHugePageIsInvalid(t *testing.T) {
	cat := mustCatalog(t)
	for _, q := range []catalog.Query{
		{Page: 853249315327597948, PerPage: 60},
		{Page: math.MaxInt, PerPage: 2},
		{Page: math.MaxInt / 2, PerPage: 4},
		{Page: catalog.MaxPage, PerPage: 1},
		{Page: catalog.MaxOffset + 1, PerPage: 1},
	} {
		_, err := cat.Studies(q)
		wantInvalid(t, err, catalog.PartPage)
		_, err = cat.Interventions(q)
		wantInvalid(t, err, catalog.PartPage)
	}
}
