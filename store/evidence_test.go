package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// Typed evidence (issue 10), held to the reference: every item's kind, result and window,
// and every result's fact.

// resultWithoutFact lists results that the intervention's and study's facts do not state,
// with the domain.md words that do; TestEvidenceTypedAgainstReference checks they are still
// there. It is empty: Mind the Gap's EEF trial (dorsett-2014), once stated only in domain.md
// §3, is now an evidence_summary_fact of the intervention, quoted as its result_fact
// (issue 23).
var resultWithoutFact = map[[2]string][2]string{} // intervention, study → domain.md words, result

// windowByDomain dates the items whose own text does not: Mind the Gap's "later overview",
// which domain.md §3 dates ("reported 2016").
var windowByDomain = map[[2]string]string{
	{"mind-the-gap", "In a later overview"}: "after",
}

// Designs that measure no outcome: an impact item cannot rest on them.
var noImpactDesigns = []string{"qualitative", "survey", "case study", "conceptual", "practice guidance", "policy review", "literature review"}

// Designs that summarise other studies: what a review item links to.
var reviewDesigns = []string{"literature review", "systematic review", "meta-analysis", "policy review"}

// What a fact must say for each result it supports.
var resultWords = map[string]*regexp.Regexp{
	"positive":  regexp.MustCompile(`(?i).`),
	"mixed":     regexp.MustCompile(`(?i)mixed|but also|adverse|negative`),
	"no-effect": regexp.MustCompile(`(?i)\bno\b|\blittle\b|\bnot\b`),
	"negative":  regexp.MustCompile(`(?i)negative|adverse|harm|worse`),
}

var (
	saysBefore  = regexp.MustCompile(`(?i)before the review period|before 2008`)
	saysAfter   = regexp.MustCompile(`(?i)after the review period|after 2014`)
	yearPattern = regexp.MustCompile(`\b(?:19|20)\d\d\b`)
	saysNull    = regexp.MustCompile(`(?i)no (?:significant )?(?:effect|impact|difference)`)
)

func TestEvidenceTypedAgainstReference(t *testing.T) {
	refStudies := readReference[refStudy](t, "studies.json")
	refIvs := readReference[refIntervention](t, "interventions.json")
	domain, err := os.ReadFile(filepath.Join(referenceDir, "domain.md"))
	if err != nil {
		t.Fatal(err)
	}
	d := embedded(t)
	refByTitle, refIv, study := indexReference(refStudies, refIvs, d)
	for _, iv := range d.Interventions {
		r, ok := refIv[iv.Name]
		if !ok {
			t.Errorf("%s: not in the reference", iv.ID)
			continue
		}
		for i, e := range iv.Evidence {
			at := iv.ID + ".evidence[" + itoa(i) + "]"
			if !models.Contains(models.EvidenceKinds, e.Kind) || !models.Contains(models.EvidenceWindows, e.Window) {
				t.Errorf("%s: kind %q, window %q not in the vocabularies", at, e.Kind, e.Window)
			}
			if (e.Kind == "impact") != (e.Result != nil) {
				t.Errorf("%s: kind %s with result %v", at, e.Kind, show(e.Result))
			}
			facts := slices.Concat(r.EvidenceSummaryFacts, r.DescriptionFacts)
			var linked *refStudy
			if e.StudyID != nil {
				s := study[*e.StudyID]
				if rs, ok := refByTitle[s.Title+"|"+itoa(s.Year)]; ok {
					linked = &rs
					facts = append(facts, rs.KeyFindingFacts...)
				}
			}

			// kind: an impact item rests on a design that measures outcomes; a review item
			// on one that summarises other studies.
			if linked != nil && linked.Design != nil {
				if e.Kind == "impact" && slices.Contains(noImpactDesigns, *linked.Design) {
					t.Errorf("%s: impact item linked to %s, a %s", at, *e.StudyID, *linked.Design)
				}
				if e.Kind == "review" && !slices.Contains(reviewDesigns, *linked.Design) {
					t.Errorf("%s: review item linked to %s, a %s", at, *e.StudyID, *linked.Design)
				}
			}

			// result: other than not-reported only with the reference fact it comes from.
			if e.Result != nil && *e.Result != "not-reported" {
				if e.ResultFact == nil {
					key := [2]string{iv.ID, deref(e.StudyID)}
					if src, ok := resultWithoutFact[key]; !ok || src[1] != *e.Result {
						t.Errorf("%s: result %s names no reference fact", at, *e.Result)
					} else if line := lineWith(string(domain), src[0]); !strings.Contains(line, "no attainment effects") {
						t.Errorf("%s: domain.md no longer states the null result of %s", at, src[0])
					}
				} else {
					if !slices.Contains(facts, *e.ResultFact) {
						t.Errorf("%s: result_fact is not a reference fact of %s or its linked study: %q", at, iv.ID, *e.ResultFact)
					}
					if !resultWords[*e.Result].MatchString(*e.ResultFact) {
						t.Errorf("%s: result %s, but its fact does not say so: %q", at, *e.Result, *e.ResultFact)
					}
					if *e.Result == "positive" && saysNull.MatchString(*e.ResultFact) {
						t.Errorf("%s: result positive, but its fact reports a null result: %q", at, *e.ResultFact)
					}
				}
			} else if e.ResultFact != nil {
				t.Errorf("%s: result_fact without a result", at)
			}

			// window: a study of the review is inside it; otherwise the item's own text
			// (or, for the one undated item, domain.md) dates it.
			if want := expectedWindow(iv.ID, e); e.Window != want {
				t.Errorf("%s: window %s; its text dates it %s: %q", at, e.Window, want, e.Finding)
			}
		}
	}
}

// expectedWindow is where an item's own words put it relative to 2008–2014.
func expectedWindow(iv string, e models.Evidence) string {
	if e.StudyID != nil {
		return "in" // every study in the dataset is from 2008–2014 (validate checks)
	}
	for k, w := range windowByDomain {
		if k[0] == iv && strings.HasPrefix(e.Finding, k[1]) {
			return w
		}
	}
	text := e.Finding + " " + deref(e.ResultFact)
	switch {
	case saysBefore.MatchString(e.Finding):
		return "before"
	case saysAfter.MatchString(e.Finding):
		return "after"
	}
	var years []int
	for _, y := range yearPattern.FindAllString(text, -1) {
		years = append(years, atoi(y))
	}
	switch {
	case len(years) > 0 && slices.Max(years) < models.FirstYear:
		return "before"
	case len(years) > 0 && slices.Min(years) > models.LastYear:
		return "after"
	}
	return "in"
}

// PEEP's outcome studies were published before 2008 (the reference: "the main PEEP outcome
// studies were published before 2008"); its items from then say so.
func TestPEEPPre2008ItemsSayBefore(t *testing.T) {
	d := embedded(t)
	var before int
	for _, iv := range d.Interventions {
		if iv.ID != "peep" {
			continue
		}
		for _, e := range iv.Evidence {
			pre := regexp.MustCompile(`\((?:Evangelou[^)]*)?(2005|2007)\b`).MatchString(e.Finding) || strings.Contains(e.Finding, "before 2008")
			if pre && e.Window != "before" {
				t.Errorf("PEEP item from before 2008 has window %s: %q", e.Window, e.Finding)
			}
			if e.Window == "before" {
				before++
			}
		}
	}
	if before != 3 {
		t.Errorf("PEEP has %d items before the window; want 3 (Birth to School Study 2005, Evangelou & Sylva 2007, the note)", before)
	}
}

// Every intervention's evidence summary follows from its items: the counts are recomputed
// here independently, and the statement names exactly the impact items in the window.
func TestEvidenceSummariesFollowFromItems(t *testing.T) {
	d := embedded(t)
	study := map[string]*models.Study{}
	for i := range d.Studies {
		study[d.Studies[i].ID] = &d.Studies[i]
	}
	lookup := func(id string) *models.Study { return study[id] }
	numbers := map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
	for _, iv := range d.Interventions {
		sum := iv.EvidenceSummary(lookup)
		impact, outside := 0, 0
		byDesign, byResult, other := map[string]int{}, map[string]int{}, map[string]int{}
		for _, e := range iv.Evidence {
			switch {
			case e.Kind == "impact" && e.Window == "in":
				impact++
				design := "unknown"
				if e.StudyID != nil && study[*e.StudyID] != nil && study[*e.StudyID].Design != nil {
					design = *study[*e.StudyID].Design
				} else if e.StudyID == nil && e.Design != nil {
					design = *e.Design
				}
				byDesign[design]++
				byResult[*e.Result]++
			case e.Kind == "impact":
				outside++
			case e.Window == "in":
				other[e.Kind]++
			}
		}
		if sum.ImpactStudies != impact || sum.ImpactOutsideWindow != outside {
			t.Errorf("%s: impact_studies %d, impact_outside_window %d; the items give %d, %d", iv.ID, sum.ImpactStudies, sum.ImpactOutsideWindow, impact, outside)
		}
		sameCounts(t, iv.ID+".by_design", sum.ByDesign, byDesign)
		sameCounts(t, iv.ID+".by_result", sum.ByResult, byResult)
		sameCounts(t, iv.ID+".other_evidence", sum.OtherEvidence, other)

		// The first sentence is about the impact items in the window, and only them.
		first, _, _ := strings.Cut(sum.Statement, ". ")
		if impact == 0 {
			if !strings.HasPrefix(sum.Statement, "No impact evaluation in this review.") {
				t.Errorf("%s: no impact item in the window, but the statement says %q", iv.ID, sum.Statement)
			}
		} else {
			counted := 0
			for _, w := range strings.Fields(strings.ToLower(first)) {
				counted += numbers[w]
			}
			if counted != impact {
				t.Errorf("%s: the statement counts %d impact items; there are %d: %q", iv.ID, counted, impact, first)
			}
			for result, phrase := range map[string]string{"positive": "positive results", "mixed": "mixed results",
				"no-effect": "found no effect", "negative": "negative results", "not-reported": "without a stated result"} {
				if strings.Contains(first, phrase) != (byResult[result] > 0) {
					t.Errorf("%s: %d %s items, statement %q", iv.ID, byResult[result], result, first)
				}
			}
		}
		if strings.Contains(sum.Statement, "Outside the review period") != (outside > 0) {
			t.Errorf("%s: %d impact items outside the window, statement %q", iv.ID, outside, sum.Statement)
		}
	}
}

func TestMindTheGapStatesItsNullResult(t *testing.T) {
	d := embedded(t)
	for _, iv := range d.Interventions {
		if iv.ID == "mind-the-gap" {
			sum := iv.EvidenceSummary(func(id string) *models.Study {
				for i := range d.Studies {
					if d.Studies[i].ID == id {
						return &d.Studies[i]
					}
				}
				return nil
			})
			if !strings.Contains(sum.Statement, "randomised controlled trial found no effect") {
				t.Errorf("Mind the Gap's statement hides its null result: %q", sum.Statement)
			}
			return
		}
	}
	t.Fatal("no mind-the-gap")
}

func sameCounts(t *testing.T, what string, got []models.SummaryCount, want map[string]int) {
	t.Helper()
	have := map[string]int{}
	for _, c := range got {
		have[c.Value] += c.Count
	}
	if len(have) != len(want) {
		t.Errorf("%s = %v; the items give %v", what, have, want)
		return
	}
	for k, n := range want {
		if have[k] != n {
			t.Errorf("%s = %v; the items give %v", what, have, want)
			return
		}
	}
}

func lineWith(text, needle string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, needle) {
			return line
		}
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// indexReference indexes the reference's studies by title and year ("title|year"), its
// interventions by name, and the dataset's studies by id.
func indexReference(refStudies []refStudy, refIvs []refIntervention, d *models.Dataset) (map[string]refStudy, map[string]refIntervention, map[string]models.Study) {
	byTitle := map[string]refStudy{}
	for _, r := range refStudies {
		byTitle[r.Title+"|"+itoa(r.Year)] = r
	}
	byName := map[string]refIntervention{}
	for _, r := range refIvs {
		byName[r.Name] = r
	}
	study := map[string]models.Study{}
	for _, s := range d.Studies {
		study[s.ID] = s
	}
	return byTitle, byName, study
}
