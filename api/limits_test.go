package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
)

// Every bound on a request's cost is refused with a problem naming the parameter and the
// limit.
func TestLimitsAreNamedProblems(t *testing.T) {
	srv := apitest.NewServer(t)
	years := make([]string, 33)
	for i := range years {
		years[i] = ">" + strings.Repeat("1", i+1)
	}
	for _, tc := range []struct {
		query  string
		status int
		field  string
		says   string
	}{
		{"filter=" + strings.TrimSuffix(strings.Repeat("stage:primary,", 51), ","), 400, "filter", "at most 50"},
		{"filter=sample_size:" + strings.Join(years, "|"), 400, "filter", "at most 32 per clause"},
		{"filter=" + strings.Repeat("sample_size:"+strings.Join(years[:30], "|")+",", 9) + "year:2010", 400, "filter", "at most 256 in all"},
		{"q=" + strings.Repeat("word+", 33), 400, "q", "at most 32"},
		{"q=" + strings.Repeat("x", 1001), 400, "q", "at most 1000"},
		{"sort=year,title,author,id,sample_size", 400, "sort", "at most 4"},
		{"q=" + strings.Repeat("x", edge.MaxURLBytes), 414, "url", "8192"},
	} {
		rec := apitest.Get(t, srv, "/api/v1/studies?"+tc.query)
		p := apitest.WantProblem(t, rec, tc.status, tc.field)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Reason, tc.says) {
			t.Errorf("%.60s: errors %+v; want a reason saying %q", tc.query, p.Errors, tc.says)
		}
	}
	// repeated values count once
	rec := apitest.Get(t, srv, "/api/v1/studies?filter=stage:"+url.QueryEscape(strings.Repeat("primary|", 40)+"secondary"))
	if rec.Code != http.StatusOK {
		t.Errorf("repeated values: %d %s", rec.Code, rec.Body)
	}
}

// Query work past the deadline is a 503 problem, with Retry-After.
func TestQueryDeadlineIs503(t *testing.T) {
	srv := apitest.Serve(t, apitest.SharedStore(t), apitest.Setup{Edge: edge.Config{QueryTimeout: time.Nanosecond}})
	rec := apitest.Get(t, srv, "/api/v1/studies?facets=theme,design&facet_mode=disjunctive&filter=stage:primary")
	apitest.WantProblem(t, rec, http.StatusServiceUnavailable, "")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}
