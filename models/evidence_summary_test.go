package models_test

import (
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

func TestEvidenceSummary(t *testing.T) {
	studies := map[string]*models.Study{
		"trial": {ID: "trial", Design: ptr("RCT")},
		"pp1":   {ID: "pp1", Design: ptr("pre-post")},
		"pp2":   {ID: "pp2", Design: ptr("pre-post")},
		"pp3":   {ID: "pp3", Design: ptr("pre-post")},
		"talk":  {ID: "talk", Design: ptr("qualitative")},
	}
	lookup := func(id string) *models.Study { return studies[id] }
	impact := func(study, result, window string) models.Evidence {
		e := models.Evidence{Finding: "x", Kind: "impact", Result: &result, Window: window}
		if study != "" {
			e.StudyID = &study
		}
		return e
	}
	iv := models.Intervention{Evidence: []models.Evidence{
		impact("pp1", "positive", "in"), impact("trial", "no-effect", "in"), impact("pp2", "positive", "in"),
		impact("pp3", "not-reported", "in"), impact("", "negative", "after"),
		{Finding: "y", StudyID: ptr("talk"), Kind: "process", Window: "in"},
		{Finding: "z", Kind: "description", Window: "before"},
	}}
	s := iv.EvidenceSummary(lookup)
	want := "One randomised controlled trial found no effect; two before-and-after studies without a comparison group " +
		"reported positive results; one before-and-after study without a comparison group is listed without a stated result. " +
		"Outside the review period, for context only: one evaluation published after 2014 reported negative results. " +
		"Other evidence in the review: one study of how it was delivered or received."
	if s.Statement != want {
		t.Errorf("statement =\n%q\nwant\n%q", s.Statement, want)
	}
	if s.ImpactStudies != 4 || s.ImpactOutsideWindow != 1 {
		t.Errorf("impact_studies %d, outside %d; want 4, 1", s.ImpactStudies, s.ImpactOutsideWindow)
	}
	if len(s.ByDesign) != 2 || s.ByDesign[0] != (models.SummaryCount{Value: "RCT", Count: 1}) || s.ByDesign[1] != (models.SummaryCount{Value: "pre-post", Count: 3}) {
		t.Errorf("by_design = %v", s.ByDesign)
	}
	if len(s.ByResult) != 3 || s.ByResult[0].Value != "no-effect" || s.ByResult[1] != (models.SummaryCount{Value: "positive", Count: 2}) {
		t.Errorf("by_result = %v", s.ByResult)
	}

	// An item that links to no study in the review names the design the reference gives it;
	// without one, its design is not recorded.
	own := models.Intervention{Evidence: []models.Evidence{
		{Finding: "a", Design: ptr("RCT"), Kind: "impact", Result: ptr("positive"), Window: "in"},
		{Finding: "b", Kind: "impact", Result: ptr("not-reported"), Window: "in"},
	}}
	s = own.EvidenceSummary(lookup)
	if want := "One randomised controlled trial reported positive results; one evaluation whose design is not recorded here is listed without a stated result."; s.Statement != want {
		t.Errorf("own design: %q\nwant %q", s.Statement, want)
	}
	if len(s.ByDesign) != 2 || s.ByDesign[0] != (models.SummaryCount{Value: "RCT", Count: 1}) || s.ByDesign[1] != (models.SummaryCount{Value: models.UnknownDesign, Count: 1}) {
		t.Errorf("own design: by_design = %v", s.ByDesign)
	}

	none := models.Intervention{Evidence: []models.Evidence{{Finding: "z", Kind: "review", Window: "in"}}}
	if got := none.EvidenceSummary(lookup).Statement; got != "No impact evaluation in this review. Evidence in the review: one review of other studies." {
		t.Errorf("no impact: %q", got)
	}
	empty := models.Intervention{}
	if got := empty.EvidenceSummary(lookup); got.Statement != "No impact evaluation in this review." || got.ByDesign == nil {
		t.Errorf("no evidence: %+v", got)
	}
}
