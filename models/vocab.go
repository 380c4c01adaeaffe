package models

// Controlled vocabularies of the review (reference domain.md §5). Themes, strands and
// disadvantage focus live in the dataset itself with their descriptions; these are the
// closed lists that have no records of their own.
var (
	Designs = []string{
		"RCT", "quasi-experimental", "pre-post", "longitudinal cohort", "survey",
		"qualitative", "mixed methods", "case study", "systematic review",
		"literature review", "meta-analysis", "monitoring data", "policy review",
		"conceptual", "practice guidance",
	}
	Stages           = []string{"early-years", "primary", "secondary", "all"}
	Settings         = []string{"home", "school", "community", "mixed"}
	Countries        = []string{"Scotland", "England", "Wales", "UK", "Ireland", "USA", "Australia", "New Zealand", "Spain", "South Africa", "International"}
	PublicationTypes = []string{"journal-article", "government-report", "evaluation-report", "systematic-review", "meta-analysis", "book-chapter", "other"}

	// Typed evidence (issue 10). An evidence item's kind: impact (measured effects on
	// outcomes), process (how it was delivered or received), review (summarises other
	// studies) or description.
	EvidenceKinds = []string{"impact", "process", "review", "description"}
	// An impact item's result, only as a reference fact states it; else not-reported.
	EvidenceResults = []string{"positive", "mixed", "no-effect", "negative", "not-reported"}
	// Where an item was published relative to the review window 2008–2014.
	EvidenceWindows = []string{"in", "before", "after"}
)

// Contains reports whether v is one of list.
func Contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
