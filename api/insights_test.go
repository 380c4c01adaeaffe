package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"

	"github.com/evidence-kb/parental-engagement/api"
)

func TestStats(t *testing.T) {
	srv := apitest.NewServer(t)
	st := apitest.Decode[api.Stats](t, apitest.Get(t, srv, "/api/v1/stats"))
	if st.Studies != 110 || st.Interventions != 33 {
		t.Fatalf("stats = %d studies, %d interventions", st.Studies, st.Interventions)
	}
	fields := map[string]bool{}
	for _, f := range st.Counts {
		fields[f.Field] = true
		if f.Field == "year" {
			sum := 0
			for _, v := range f.Values {
				sum += v.Count
			}
			if sum != 110 {
				t.Errorf("year counts add up to %d; want 110", sum)
			}
		}
	}
	for _, want := range []string{"theme", "strand", "disadvantage", "design", "stage", "year"} {
		if !fields[want] {
			t.Errorf("stats has no %s counts", want)
		}
	}
	for _, c := range st.Completeness {
		if c.Field == "doi" && (c.Count == 0 || c.Share <= 0 || c.Share >= 1) {
			t.Errorf("doi completeness = %+v", c)
		}
	}
	if len(st.Provisional) != 7 { // three themes and four strands
		t.Errorf("%d provisional labels; want 7", len(st.Provisional))
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/stats?x=1"), 400, "x")
}

// Every cell of the gap map must agree with the studies list for the same query.
func TestEvidenceMapCellsAgreeWithLists(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, q := range []string{"", "&filter=year:2010-2014", "&q=parent"} {
		m := apitest.Decode[api.EvidenceMap](t, apitest.Get(t, srv, "/api/v1/evidence-map?rows=theme&cols=strand"+q))
		if len(m.Cells) != len(m.RowKeys)*len(m.ColKeys) || len(m.RowKeys) != 6 || len(m.ColKeys) != 4 {
			t.Fatalf("map is %d×%d with %d cells", len(m.RowKeys), len(m.ColKeys), len(m.Cells))
		}
		for _, cell := range m.Cells {
			list := apitest.Decode[api.StudyList](t, apitest.Get(t, srv, cell.Studies+"&per_page=1"))
			if *list.Meta.Total != cell.Count || cell.Gap != (cell.Count == 0) {
				t.Errorf("cell %s×%s (%s) = %d, gap %v; its list has %d", cell.Row, cell.Col, q, cell.Count, cell.Gap, *list.Meta.Total)
			}
		}
	}
	m := apitest.Decode[api.EvidenceMap](t, apitest.Get(t, srv, "/api/v1/evidence-map?rows=year&cols=design"))
	if len(m.RowKeys) != 7 {
		t.Errorf("year rows = %d; want 7", len(m.RowKeys))
	}
	for _, bad := range []string{"rows=colour", "cols=theme", "rows=theme&cols=theme", "filter=year:x", "extra=1"} {
		apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/evidence-map?"+bad), 400, "")
	}
}

func TestAutocomplete(t *testing.T) {
	srv := apitest.NewServer(t)
	s := apitest.Decode[api.Suggestions](t, apitest.Get(t, srv, "/api/v1/autocomplete?q=dialog"))
	found := false
	for _, x := range s.Data {
		found = found || (x.Kind == "intervention" && x.ID == "dialogic-reading")
	}
	if !found {
		t.Errorf("autocomplete dialog = %+v; want the dialogic-reading intervention", s.Data)
	}
	th := apitest.Decode[api.Suggestions](t, apitest.Get(t, srv, "/api/v1/autocomplete?q=engaging+fa&limit=3"))
	if len(th.Data) == 0 || th.Data[0].Kind != "theme" || th.Data[0].ID != "engaging-with-fathers" || len(th.Data) > 3 {
		t.Errorf("autocomplete 'engaging fa' = %+v; want the fathers theme first, at most 3", th.Data)
	}
	for _, q := range []string{"", "%22((", "c%2B%2B", "%F0%9F%98%80"} {
		if rec := apitest.Get(t, srv, "/api/v1/autocomplete?q="+q); rec.Code != 200 {
			t.Errorf("autocomplete %q = %d", q, rec.Code)
		}
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/autocomplete"), 400, "q")
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/autocomplete?q=x&limit=500"), 400, "limit")
	apitest.WantProblem(t, apitest.Get(t, srv, fmt.Sprintf("/api/v1/autocomplete?q=%s", url.QueryEscape(string(make([]byte, 300))))), 400, "q")
}
