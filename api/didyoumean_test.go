package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
)

// anyList is a page of either list, its items left encoded.
type anyList struct {
	Data       []json.RawMessage
	Meta       api.ListMeta
	DidYouMean *api.DidYouMean `json:"did_you_mean"`
}

// A search whose word matches nothing answers its own (empty) results, with the correction
// beside them in did_you_mean; a search spelled right, or none, has did_you_mean null. The
// member is always there on both lists, and the contract check holds each answer to the
// spec.
func TestListsOfferDidYouMean(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, c := range []struct {
		path, q, filter, want string
	}{
		{"/api/v1/studies", "Tripple P", "", "Triple P"},
		{"/api/v1/studies", "dialogic readng", "", "dialogic reading"},
		{"/api/v1/studies", "fathres", "year:2008-2014", "fathers"},
		{"/api/v1/interventions", "Incedible Years", "", "Incredible Years"},
		{"/api/v1/interventions", "Bookbugg", "", "Bookbug"},
		{"/api/v1/studies", "Triple P", "", ""},
		{"/api/v1/studies", "Bookbug", "", ""}, // a word the evidence base knows: no typo, though no study has it
		{"/api/v1/studies", "", "", ""},
		{"/api/v1/interventions", "reading", "", ""},
	} {
		v := url.Values{}
		if c.q != "" {
			v.Set("q", c.q)
		}
		if c.filter != "" {
			v.Set("filter", c.filter)
		}
		rec := apitest.Get(t, srv, c.path+"?"+v.Encode())
		if rec.Code != http.StatusOK {
			t.Fatalf("%s q=%q: %d %s", c.path, c.q, rec.Code, rec.Body)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		got, ok := raw["did_you_mean"]
		if !ok {
			t.Fatalf("%s q=%q: no did_you_mean member: %.300s", c.path, c.q, rec.Body)
		}
		list := apitest.Decode[anyList](t, rec)
		if c.want == "" {
			if string(got) != "null" {
				t.Errorf("%s q=%q: did_you_mean %s; want null", c.path, c.q, got)
			}
			continue
		}
		if list.DidYouMean == nil || list.DidYouMean.Q != c.want || list.DidYouMean.Total == 0 {
			t.Errorf("%s q=%q: did_you_mean %s; want %q with records", c.path, c.q, got, c.want)
			continue
		}
		// never applied silently: the results are those of q as sent
		if *list.Meta.Total != 0 || len(list.Data) != 0 {
			t.Errorf("%s q=%q: %d results; want the search's own, none", c.path, c.q, *list.Meta.Total)
		}
		// the total is what the corrected search finds, with the same filter
		v.Set("q", list.DidYouMean.Q)
		corrected := apitest.Decode[anyList](t, apitest.Get(t, srv, c.path+"?"+v.Encode()))
		if *corrected.Meta.Total != list.DidYouMean.Total || corrected.DidYouMean != nil {
			t.Errorf("%s q=%q: the correction finds %d, suggestion %+v; did_you_mean said %d", c.path, list.DidYouMean.Q,
				*corrected.Meta.Total, corrected.DidYouMean, list.DidYouMean.Total)
		}
	}
	// a filter the correction finds nothing within: no suggestion
	rec := apitest.Get(t, srv, "/api/v1/studies?"+url.Values{"q": {"Tripple P"}, "filter": {"intervention:bookbug"}}.Encode())
	if rec.Code != http.StatusOK {
		t.Fatalf("Tripple P within Bookbug's studies: %d %s", rec.Code, rec.Body)
	}
	if list := apitest.Decode[api.StudyList](t, rec); list.DidYouMean != nil {
		t.Errorf("Tripple P within Bookbug's studies: did_you_mean %+v; want null", *list.DidYouMean)
	}
}
