// Package models is the glossary of the evidence review: studies, interventions and the
// controlled vocabularies that tag them. It depends on the standard library only, so the
// store, the API and the validate command all speak the same language.
package models

// Study is one piece of published evidence (2008–2014) in the review.
// Bibliographic fields come from the reference bibliography; a field it does not give is nil.
type Study struct {
	ID                string   `json:"id"`
	Title             string   `json:"title"`
	Authors           []string `json:"authors"`
	Year              int      `json:"year"`
	Type              string   `json:"type"`
	Venue             *string  `json:"venue" extensions:"x-nullable"`
	DOI               *string  `json:"doi" extensions:"x-nullable"`
	URL               *string  `json:"url" extensions:"x-nullable"`
	Country           *string  `json:"country" extensions:"x-nullable"`
	Design            *string  `json:"design" extensions:"x-nullable"`
	Stage             *string  `json:"stage" extensions:"x-nullable"`
	SampleSize        *int     `json:"sample_size" extensions:"x-nullable"`
	EffectSize        *float64 `json:"effect_size" extensions:"x-nullable"`
	EffectSizeMeasure *string  `json:"effect_size_measure" extensions:"x-nullable"`
	Summary           string   `json:"summary"`
	KeyFindings       []string `json:"key_findings"`
	Themes            []string `json:"themes"`
	Strands           []string `json:"strands"`
	DisadvantageFocus []string `json:"disadvantage_focus"`
	Interventions     []string `json:"interventions"`
	VerifiedIn        []string `json:"verified_in"`
} // @name Study

// Intervention is a named programme, strategy or policy measure that studies evaluate.
type Intervention struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Aliases           []string   `json:"aliases"`
	Origin            *string    `json:"origin" extensions:"x-nullable"`
	CountryOfOrigin   *string    `json:"country_of_origin" extensions:"x-nullable"`
	Summary           string     `json:"summary"`
	Stage             *string    `json:"stage" extensions:"x-nullable"`
	Setting           *string    `json:"setting" extensions:"x-nullable"`
	Themes            []string   `json:"themes"`
	Strands           []string   `json:"strands"`
	DisadvantageFocus []string   `json:"disadvantage_focus"`
	Evidence          []Evidence `json:"evidence"`
	URL               *string    `json:"url" extensions:"x-nullable"`
	VerifiedIn        []string   `json:"verified_in"`
} // @name Intervention

// Evidence is one finding about an intervention, in the curators' own words. StudyID links
// it to a study in the dataset when that study is in it. Kind says what sort of evidence it
// is (EvidenceKinds); an impact item states its Result (EvidenceResults), and a result
// other than not-reported quotes, in ResultFact, the reference fact it comes from. Window
// says whether it was published inside the review's 2008–2014 window, before or after it
// (EvidenceWindows); items outside it are context only.
type Evidence struct {
	Finding    string  `json:"finding"`
	StudyID    *string `json:"study_id" extensions:"x-nullable"`
	Kind       string  `json:"kind" enums:"impact,process,review,description"`
	Result     *string `json:"result" extensions:"x-nullable" enums:"positive,mixed,no-effect,negative,not-reported"`
	ResultFact *string `json:"result_fact" extensions:"x-nullable"`
	Window     string  `json:"window" enums:"in,before,after"`
} // @name Evidence

// Theme is one of the six key themes the review is organised by. Provisional themes are
// ours: their names could not be recovered from the review, and Note says so.
type Theme struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Provisional bool    `json:"provisional"`
	Note        *string `json:"note" extensions:"x-nullable"`
	SourceURL   *string `json:"source_url" extensions:"x-nullable"`
} // @name Theme

// Strand is one of the four strands of government activity on parental engagement. All four
// are provisional: the source page's list is lost, so the labels are built from its wording.
type Strand struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Provisional bool    `json:"provisional"`
	Note        *string `json:"note" extensions:"x-nullable"`
} // @name Strand

// DisadvantageFocus is a disadvantaged group a record concerns.
type DisadvantageFocus struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
} // @name DisadvantageFocus

// Dataset is the whole evidence base in one document: the embedded seed, the file a
// curator validates, and the download a researcher reproduces an analysis against.
type Dataset struct {
	FormatVersion int                 `json:"format_version"`
	Themes        []Theme             `json:"themes"`
	Strands       []Strand            `json:"strands"`
	Disadvantages []DisadvantageFocus `json:"disadvantages"`
	Studies       []Study             `json:"studies"`
	Interventions []Intervention      `json:"interventions"`
} // @name Dataset

// DatasetFormatVersion is the version of the Dataset document format this build reads.
const DatasetFormatVersion = 2

// FirstYear and LastYear bound the review's publication window.
const (
	FirstYear = 2008
	LastYear  = 2014
)

// Facet counts the records of a result set per value of one field.
type Facet struct {
	Field  string       `json:"field"`
	Values []FacetValue `json:"values"`
} // @name Facet

// FacetValue is one value of a facet and how many records carry it. Provisional is true
// for a theme or strand whose label is ours, not the review's (see Theme.Note,
// Strand.Note); the member is left out for every other value.
type FacetValue struct {
	Value       string `json:"value"`
	Label       string `json:"label"`
	Count       int    `json:"count"`
	Provisional bool   `json:"provisional,omitempty"`
} // @name FacetValue
