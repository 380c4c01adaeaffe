package models

import (
	"fmt"
	"slices"
	"strings"
)

// EvidenceSummary is what an intervention's evidence items say, counted, with one
// plain-language sentence made from the counts. It is computed from the typed evidence
// items (kind, result, window) and the designs of the studies they link to, never typed in.
//
// Method: the impact items published inside the review window 2008–2014 are counted, by
// the design of the study each links to, or the design an item that links to no study
// states itself ("unknown" when neither gives one), and by result. The statement names them by design and
// result, with null and negative results first; it says "No impact evaluation in this
// review." when there is none. Impact items published before 2008 or after 2014 follow in
// a sentence of their own, marked as context; the other items inside the window (process
// studies, reviews, descriptions) are counted last. No design is graded and no result is
// weighed: the statement repeats what the items say.
type EvidenceSummary struct {
	// ImpactStudies counts the impact items (measured effects on outcomes) published inside
	// the review window.
	ImpactStudies int `json:"impact_studies" example:"1"`
	// ByDesign counts those items by the design of the study each links to, or the item's
	// own design when it links to none.
	ByDesign []SummaryCount `json:"by_design"`
	// ByResult counts those items by result.
	ByResult []SummaryCount `json:"by_result"`
	// ImpactOutsideWindow counts impact items published before 2008 or after 2014: context
	// only, not part of the review.
	ImpactOutsideWindow int `json:"impact_outside_window" example:"0"`
	// OtherEvidence counts the other items inside the window by kind (process, review,
	// description).
	OtherEvidence []SummaryCount `json:"other_evidence"`
	// Statement is one plain-language account of the counts.
	Statement string `json:"statement" example:"One randomised controlled trial found no effect."`
} // @name EvidenceSummary

// SummaryCount is one value of a summary's breakdown and how many items carry it.
type SummaryCount struct {
	Value string `json:"value" example:"RCT"`
	Count int    `json:"count" example:"1"`
} // @name SummaryCount

// UnknownDesign is the design of an impact item whose study is not in the review or does
// not state its design, and which states none itself.
const UnknownDesign = "unknown"

// EvidenceSummary summarises the intervention's evidence items. study looks a study up by
// id (nil when it is not in the evidence base); it gives each impact item that links to a
// study its design.
func (iv *Intervention) EvidenceSummary(study func(id string) *Study) EvidenceSummary {
	s := EvidenceSummary{ByDesign: []SummaryCount{}, ByResult: []SummaryCount{}, OtherEvidence: []SummaryCount{}}
	inside := map[summaryGroup]int{}
	outside := map[[2]string]int{} // window, result
	other := map[string]int{}
	for _, e := range iv.Evidence {
		switch {
		case e.Kind == "impact" && e.Window == "in":
			design := UnknownDesign
			if e.StudyID != nil {
				if st := study(*e.StudyID); st != nil && st.Design != nil {
					design = *st.Design
				}
			} else if e.Design != nil {
				design = *e.Design
			}
			result := "not-reported"
			if e.Result != nil {
				result = *e.Result
			}
			s.ImpactStudies++
			inside[summaryGroup{design, result}]++
			s.ByDesign = addCount(s.ByDesign, design)
			s.ByResult = addCount(s.ByResult, result)
		case e.Kind == "impact":
			s.ImpactOutsideWindow++
			result := "not-reported"
			if e.Result != nil {
				result = *e.Result
			}
			outside[[2]string{e.Window, result}]++
		case e.Window == "in":
			other[e.Kind]++
		}
	}
	designOrder := append(slices.Clone(summaryDesignOrder), UnknownDesign)
	sortCounts(s.ByDesign, designOrder)
	sortCounts(s.ByResult, summaryResultOrder)
	for _, k := range EvidenceKinds {
		if other[k] > 0 {
			s.OtherEvidence = append(s.OtherEvidence, SummaryCount{k, other[k]})
		}
	}

	var sentences []string
	if s.ImpactStudies == 0 {
		sentences = append(sentences, "No impact evaluation in this review.")
	} else {
		var clauses []string
		for _, r := range summaryResultOrder {
			var subjects []string
			for _, d := range designOrder {
				if n := inside[summaryGroup{d, r}]; n > 0 {
					subjects = append(subjects, countNoun(n, designNouns[d]))
				}
			}
			if len(subjects) > 0 {
				clauses = append(clauses, andList(subjects)+" "+resultVerb(r, inside, designOrder))
			}
		}
		sentences = append(sentences, capitalise(strings.Join(clauses, "; "))+".")
	}
	if s.ImpactOutsideWindow > 0 {
		var clauses []string
		for _, w := range []string{"before", "after"} {
			for _, r := range summaryResultOrder {
				if n := outside[[2]string{w, r}]; n > 0 {
					clauses = append(clauses, countNoun(n, windowNouns[w])+" "+resultVerbN(r, n))
				}
			}
		}
		sentences = append(sentences, "Outside the review period, for context only: "+strings.Join(clauses, "; ")+".")
	}
	if len(s.OtherEvidence) > 0 {
		var parts []string
		for _, c := range s.OtherEvidence {
			parts = append(parts, countNoun(c.Count, kindNouns[c.Value]))
		}
		lead := "Other evidence in the review: "
		if s.ImpactStudies == 0 {
			lead = "Evidence in the review: "
		}
		sentences = append(sentences, lead+andList(parts)+".")
	}
	s.Statement = strings.Join(sentences, " ")
	return s
}

// summaryDesignOrder lists designs from those with a comparison group to those without,
// the order in which a statement names them. It is an order of wording, not a grade.
var summaryDesignOrder = []string{
	"RCT", "quasi-experimental", "longitudinal cohort", "mixed methods", "pre-post", "monitoring data",
	"survey", "qualitative", "case study", "meta-analysis", "systematic review", "literature review",
	"policy review", "practice guidance", "conceptual",
}

// summaryResultOrder puts null and negative results first, and results not stated last.
var summaryResultOrder = []string{"negative", "no-effect", "mixed", "positive", "not-reported"}

// designNouns name a design in running text: singular, plural.
var designNouns = map[string][2]string{
	"RCT":                 {"randomised controlled trial", "randomised controlled trials"},
	"quasi-experimental":  {"study with a comparison group that was not randomised", "studies with a comparison group that was not randomised"},
	"longitudinal cohort": {"cohort study following children over time", "cohort studies following children over time"},
	"mixed methods":       {"mixed-methods study", "mixed-methods studies"},
	"pre-post":            {"before-and-after study without a comparison group", "before-and-after studies without a comparison group"},
	"monitoring data":     {"analysis of monitoring data without a comparison group", "analyses of monitoring data without a comparison group"},
	"survey":              {"survey", "surveys"},
	"qualitative":         {"qualitative study", "qualitative studies"},
	"case study":          {"case study", "case studies"},
	"meta-analysis":       {"meta-analysis", "meta-analyses"},
	"systematic review":   {"systematic review", "systematic reviews"},
	"literature review":   {"literature review", "literature reviews"},
	"policy review":       {"policy review", "policy reviews"},
	"practice guidance":   {"practice guidance document", "practice guidance documents"},
	"conceptual":          {"conceptual paper", "conceptual papers"},
	UnknownDesign:         {"evaluation whose design is not recorded here", "evaluations whose design is not recorded here"},
}

var windowNouns = map[string][2]string{
	"before": {"evaluation published before 2008", "evaluations published before 2008"},
	"after":  {"evaluation published after 2014", "evaluations published after 2014"},
}

var kindNouns = map[string][2]string{
	"process":     {"study of how it was delivered or received", "studies of how it was delivered or received"},
	"review":      {"review of other studies", "reviews of other studies"},
	"description": {"description", "descriptions"},
}

// summaryGroup is the impact items inside the window of one design and one result.
type summaryGroup struct{ design, result string }

// resultVerb words a result for the subjects of one clause; their total decides number.
func resultVerb(result string, inside map[summaryGroup]int, designs []string) string {
	n := 0
	for _, d := range designs {
		n += inside[summaryGroup{d, result}]
	}
	return resultVerbN(result, n)
}

func resultVerbN(result string, n int) string {
	switch result {
	case "positive":
		return "reported positive results"
	case "mixed":
		return "reported mixed results"
	case "no-effect":
		return "found no effect"
	case "negative":
		return "reported negative results"
	}
	if n == 1 {
		return "is listed without a stated result"
	}
	return "are listed without a stated result"
}

var numberWords = []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func countNoun(n int, noun [2]string) string {
	word := fmt.Sprint(n)
	if n < len(numberWords) {
		word = numberWords[n]
	}
	if n == 1 {
		return word + " " + noun[0]
	}
	return word + " " + noun[1]
}

func andList(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func addCount(counts []SummaryCount, value string) []SummaryCount {
	for i := range counts {
		if counts[i].Value == value {
			counts[i].Count++
			return counts
		}
	}
	return append(counts, SummaryCount{value, 1})
}

func sortCounts(counts []SummaryCount, order []string) {
	slices.SortStableFunc(counts, func(a, b SummaryCount) int {
		return slices.Index(order, a.Value) - slices.Index(order, b.Value)
	})
}
