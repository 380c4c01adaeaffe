package store_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// The unstated-result rule (issue 23; curation/README.md, "Evidence typing"): an item is
// typed by what the evaluation set out to study, never by whether its result reaches the
// review. An evaluation that assessed a programme's impact but whose result is not given is
// an impact item, result not-reported, with no result_fact, and its finding says the result
// is not given; process and description items never withhold a result; and a result the
// reference does give for the programme itself is typed, not withheld. curation/check.py
// (section f) runs the same checks.

var (
	// how a finding says that the item's result is not given here
	saysNotGiven = regexp.MustCompile(`(?i)not summarised here|not given here|no separate result|no results? for individual programmes` +
		`|not for [A-Z][\w -]* on its own|cannot show whether`)
	// what a study's reference facts say when it examined impact
	assessedImpact = regexp.MustCompile(`(?i)\bimpact\b|\boutcomes?\b|\beffects?\b`)
	// a fact that gives figures…
	givesFigures = regexp.MustCompile(`(?i)\bd = |\d%|significant`)
	// …for a pool of programmes this one was only part of
	oneOfSeveral = regexp.MustCompile(`(?i)one of (?:the|three|several) programmes|part of the national|included in`)
)

func TestTypingRuleUnstatedResult(t *testing.T) {
	refStudies := readReference[refStudy](t, "studies.json")
	refIvs := readReference[refIntervention](t, "interventions.json")
	d := embedded(t)
	refByTitle, refIv, study := indexReference(refStudies, refIvs, d)
	for _, iv := range d.Interventions {
		for i, e := range iv.Evidence {
			at := iv.ID + ".evidence[" + itoa(i) + "]"
			withheld := saysNotGiven.MatchString(e.Finding)
			notReported := e.Result != nil && *e.Result == "not-reported"

			// 2. a result not given: impact, not-reported, no fact, and the finding says so
			if notReported && (e.Kind != "impact" || e.ResultFact != nil || !withheld) {
				t.Errorf("%s: not-reported must be an impact item without result_fact whose finding says the result is not given: %q", at, e.Finding)
			}
			// 4. process and description items withhold nothing: an evaluation whose result is
			// withheld assessed impact
			if (e.Kind == "process" || e.Kind == "description") && withheld {
				t.Errorf("%s: a %s item whose finding withholds a result; the rule makes it impact / not-reported: %q", at, e.Kind, e.Finding)
			}
			if e.StudyID == nil {
				continue
			}
			s := study[*e.StudyID]
			rs, ok := refByTitle[s.Title+"|"+itoa(s.Year)]
			if !ok {
				continue // TestStudiesMatchReference reports it
			}
			// 1. an evaluation the reference says examined impact or outcomes is not process or
			// description (a review design is never impact, whatever it says about impact)
			if (e.Kind == "process" || e.Kind == "description") && (rs.Design == nil || !slices.Contains(reviewDesigns, *rs.Design)) {
				for _, f := range rs.KeyFindingFacts {
					if assessedImpact.MatchString(f) {
						t.Errorf("%s: a %s item, but the reference says %s examined impact or outcomes: %q", at, e.Kind, s.ID, f)
					}
				}
			}
			// 3. a result the reference gives for this programme from this study is typed
			if notReported {
				surname, _, _ := strings.Cut(s.Authors[0], ",")
				for _, f := range refIv[iv.Name].EvidenceSummaryFacts {
					if strings.HasPrefix(f, surname) && strings.Contains(f, "("+itoa(s.Year)) && givesFigures.MatchString(f) && !oneOfSeveral.MatchString(f) {
						t.Errorf("%s: not-reported, but the reference gives %s's result from %s: %q", at, iv.ID, s.ID, f)
					}
				}
			}
		}
	}

	// The cases the audit named, one way now.
	named := []struct{ iv, study, finding, result string }{
		{"achievement-for-all", "humphrey-2010", "", "not-reported"},
		{"parent-support-advisers", "lindsay-2009", "", "not-reported"},
		{"every-child-a-reader", "", "DFE-RR114", "not-reported"},
		{"peip", "lindsay-2013", "no comparison group", "positive"}, // its own result, with the caveat
		{"fast", "lindsay-2013", "not for FAST on its own", "not-reported"},
	}
	for _, c := range named {
		found, which := false, strings.TrimSpace(c.study+" "+c.finding)
		for _, iv := range d.Interventions {
			for _, e := range iv.Evidence {
				if iv.ID != c.iv || deref(e.StudyID) != c.study || !strings.Contains(e.Finding, c.finding) {
					continue
				}
				found = true
				if e.Kind != "impact" || deref(e.Result) != c.result {
					t.Errorf("%s (%s): kind %s, result %s; the rule gives impact, %s", c.iv, which, e.Kind, deref(e.Result), c.result)
				}
			}
		}
		if !found {
			t.Errorf("%s: no item from %q", c.iv, which)
		}
	}
}

// An item that links to no study states its design only as the reference names it (issue
// 23: FAST's randomised matched-pairs experiment has no study record, yet its design is
// known), and the evidence summary then names that design, not "design not recorded".
var designWords = map[string]*regexp.Regexp{
	"RCT":                 regexp.MustCompile(`\bRCT\b|randomised`),
	"quasi-experimental":  regexp.MustCompile(`quasi-experimental`),
	"qualitative":         regexp.MustCompile(`qualitative`),
	"longitudinal cohort": regexp.MustCompile(`\bGUS\b|cohort`), // domain.md §5b: GUS analyses are longitudinal cohort
}

func TestEvidenceDesignFromReference(t *testing.T) {
	refIvs := readReference[refIntervention](t, "interventions.json")
	d := embedded(t)
	refIv := map[string]refIntervention{}
	for _, r := range refIvs {
		refIv[r.Name] = r
	}
	for _, iv := range d.Interventions {
		for i, e := range iv.Evidence {
			if e.Design == nil {
				continue
			}
			at := iv.ID + ".evidence[" + itoa(i) + "]"
			words, ok := designWords[*e.Design]
			if !ok || e.StudyID != nil {
				t.Errorf("%s: design %s (study %s) is not one the reference names for an unlinked item", at, *e.Design, deref(e.StudyID))
				continue
			}
			// the fact the item reports: its result_fact, or the fact that shares its numbers
			named := false
			for _, f := range refIv[iv.Name].EvidenceSummaryFacts {
				if words.MatchString(f) && (deref(e.ResultFact) == f || strings.Contains(e.Finding, leadingName(f))) {
					named = true
				}
			}
			if !named {
				t.Errorf("%s: design %s, but no reference fact of %s about this item names it", at, *e.Design, iv.ID)
			}
		}
	}
	study := map[string]*models.Study{}
	for i := range d.Studies {
		study[d.Studies[i].ID] = &d.Studies[i]
	}
	for _, iv := range d.Interventions {
		if iv.ID == "fast" {
			st := iv.EvidenceSummary(func(id string) *models.Study { return study[id] })
			if !strings.HasPrefix(st.Statement, "One randomised controlled trial reported positive results") {
				t.Errorf("FAST's statement does not name its randomised experiment: %q", st.Statement)
			}
		}
	}
}

// leadingName is the name a fact opens with (an author, a study), which the finding about
// it repeats.
func leadingName(fact string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(fact, "'"), " ")
	return strings.TrimRight(name, ",:")
}
