package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// compareIDs are four interventions of the shipped dataset: impact evaluations with
// positive and with null results, and one with none in the review.
var compareIDs = []string{"incredible-years", "triple-p", "mind-the-gap", "dialogic-reading"}

// Compare answers 2 to 4 interventions in the order asked, each with the facts the pages
// show side by side, its evidence summary as computed everywhere else, and cost never
// guessed; apitest checks every answer against openapi.yaml.
func TestCompareInterventions(t *testing.T) {
	srv := apitest.NewServer(t)
	cat := apitest.SharedStore(t).Catalog()
	for n := 2; n <= 4; n++ {
		ids := compareIDs[:n]
		got := apitest.GetOK[api.InterventionComparison](t, srv, "/api/v1/interventions/compare?ids="+strings.Join(ids, ","))
		if got.Meta.DatasetVersion != cat.Version() || got.Meta.FirstYear != models.FirstYear || got.Meta.LastYear != models.LastYear {
			t.Errorf("meta = %+v", got.Meta)
		}
		if len(got.Data) != n {
			t.Fatalf("%d ids answered %d interventions", n, len(got.Data))
		}
		for i, c := range got.Data {
			d, err := cat.Intervention(ids[i])
			if err != nil {
				t.Fatal(err)
			}
			iv := d.Intervention
			if c.ID != ids[i] || c.Name != iv.Name || c.Summary != iv.Summary || !strings.HasSuffix(c.Href, "/api/v1/interventions/"+ids[i]) {
				t.Errorf("item %d is %s (%s); want %s in the order asked", i, c.ID, c.Href, ids[i])
			}
			if c.EvidenceSummary.Statement != cat.EvidenceSummary(&iv).Statement || c.StudyCount != cat.StudyCount(iv.ID) {
				t.Errorf("%s: summary or study count differ from the intervention's own", c.ID)
			}
			if len(c.Evidence) != len(iv.Evidence) || len(c.Studies) != len(d.Studies) || len(c.Themes) != len(iv.Themes) || len(c.DisadvantageFocus) != len(iv.DisadvantageFocus) {
				t.Errorf("%s: evidence, studies, themes or disadvantage focus incomplete", c.ID)
			}
			if !slices.IsSortedFunc(c.Studies, func(a, b api.StudyRef) int { return b.Year - a.Year }) {
				t.Errorf("%s: studies are not newest first", c.ID)
			}
			if c.Cost != "not reported in this review" {
				t.Errorf("%s: cost %q", c.ID, c.Cost)
			}
		}
	}
	// the null result is as present as any other
	got := apitest.Decode[api.InterventionComparison](t, apitest.Get(t, srv, "/api/v1/interventions/compare?ids=mind-the-gap,dialogic-reading"))
	if !slices.ContainsFunc(got.Data[0].EvidenceSummary.ByResult, func(c models.SummaryCount) bool { return c.Value == "no-effect" }) {
		t.Errorf("Mind the Gap's null result is missing: %+v", got.Data[0].EvidenceSummary)
	}
	if got.Data[1].EvidenceSummary.ImpactStudies != 0 || got.Data[1].Evidence == nil || got.Data[1].Strands == nil {
		t.Errorf("an intervention without impact evaluations: %+v", got.Data[1])
	}
}

// Bad, too few, too many and repeated ids are refused naming ids; unknown ids are 404;
// the comparison's path is not taken for an intervention's id.
func TestCompareInterventionsProblems(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, tc := range []struct{ query, field, reason string }{
		{"", "ids", "is required"},
		{"ids=", "ids", "must not be empty"},
		{"ids=triple-p", "ids", "names 1 intervention(s); a comparison takes 2 to 4"},
		{"ids=triple-p,peep,fast,sfsc,peip", "ids", "names 5 intervention(s); a comparison takes 2 to 4"},
		{"ids=triple-p,peep,triple-p", "ids", `"triple-p" is given more than once`},
		{"ids=triple-p,Bad_Id", "ids", `"Bad_Id" (item 2) is not well-formed`},
		{"ids=triple-p,,peep", "ids", `"" (item 2) is not well-formed`},
		{"ids=triple-p,peep&ids=fast,sfsc", "ids", "is given more than once"},
		{"ids=triple-p,peep&sort=name", "sort", "is not a parameter of this endpoint"},
	} {
		p := apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions/compare?"+tc.query), http.StatusBadRequest, tc.field)
		if !strings.Contains(p.Errors[0].Reason, tc.reason) {
			t.Errorf("?%s: reason %q; want %q in it", tc.query, p.Errors[0].Reason, tc.reason)
		}
		if !strings.HasSuffix(p.Type, "/problems/invalid-parameter") && !strings.HasSuffix(p.Type, "/problems/unknown-parameter") {
			t.Errorf("?%s: problem type %s", tc.query, p.Type)
		}
	}
	p := apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions/compare?ids=triple-p,no-such-one,gone-too"), http.StatusNotFound, "ids")
	if !strings.HasSuffix(p.Type, "/problems/not-found") || !strings.Contains(p.Detail, `"no-such-one", "gone-too"`) {
		t.Errorf("unknown ids: %+v", p)
	}
	// the intervention routes beside it still answer
	if rec := apitest.Get(t, srv, "/api/v1/interventions/triple-p"); rec.Code != http.StatusOK {
		t.Errorf("GET /api/v1/interventions/triple-p = %d", rec.Code)
	}
	rec := apitest.Get(t, srv, "/api/v1/interventions/compare?ids=triple-p,peep")
	if rec.Header().Get("ETag") == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age") {
		t.Errorf("a comparison is not cacheable: %v", rec.Header())
	}
}
