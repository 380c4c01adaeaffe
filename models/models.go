// Package models is the glossary of the evidence review: studies, interventions and the
// controlled vocabularies that tag them. It depends on the standard library only, so the
// store, the API and the validate command all speak the same language.
package models

// The rules of validate.go, stated for the OpenAPI document. Swag has no struct tag for a
// pattern, so each goes in an x-pattern extension, which the spec generator makes the
// schema's pattern (an array's: its items'). A pattern holding a comma is wrapped in
// (?:…), since swag splits extensions at commas outside brackets.
//
//	slug       ^[a-z0-9]+(-[a-z0-9]+)*$, as ValidSlug (with maxLength 100)
//	non-blank  one character that is not white space (unicode.IsSpace, which TrimSpace uses)
//	summary    MinSummaryWords–MaxSummaryWords words, as strings.Fields counts them
//	DOI        10.NNNN/suffix, as doiPattern
//	URL        an absolute http(s) URL that url.Parse reads with a host: a narrower
//	           pattern than validURL, so what it admits the API takes
//
// Closed vocabularies (vocab.go) are enums; themes, strands and disadvantage focus are
// open (admins add values), so a tag is a slug, and naming one that does not exist is a
// 422 the schema cannot foresee.

// Study is one piece of published evidence (2008–2014) in the review.
// Bibliographic fields come from the reference bibliography; a field it does not give is nil.
type Study struct {
	ID      string   `json:"id" binding:"required" maxLength:"100" extensions:"x-pattern=slug" example:"lindsay-2008"`
	Title   string   `json:"title" binding:"required" minLength:"1" extensions:"x-pattern=not-blank"`
	Authors []string `json:"authors" binding:"required,min=1" minLength:"1" extensions:"x-pattern=not-blank"`
	// in the review window, 2008–2014
	Year  int     `json:"year" binding:"required" minimum:"2008" maximum:"2014" example:"2008"`
	Type  string  `json:"type" binding:"required" enums:"journal-article,government-report,evaluation-report,systematic-review,meta-analysis,book-chapter,other"`
	Venue *string `json:"venue" extensions:"x-nullable"`
	// no other study's DOI, in any case
	DOI        *string  `json:"doi" extensions:"x-nullable,x-pattern=doi" example:"10.1000/182"`
	URL        *string  `json:"url" extensions:"x-nullable,x-pattern=url" example:"https://www.gov.uk/government/publications/parenting-early-intervention-pathfinder"`
	Country    *string  `json:"country" extensions:"x-nullable" enums:"Scotland,England,Wales,UK,Ireland,USA,Australia,New Zealand,Spain,South Africa,International"`
	Design     *string  `json:"design" extensions:"x-nullable" enums:"RCT,quasi-experimental,pre-post,longitudinal cohort,survey,qualitative,mixed methods,case study,systematic review,literature review,meta-analysis,monitoring data,policy review,conceptual,practice guidance"`
	Stage      *string  `json:"stage" extensions:"x-nullable" enums:"early-years,primary,secondary,all"`
	SampleSize *int     `json:"sample_size" extensions:"x-nullable" minimum:"1" maximum:"9007199254740991" example:"81"`
	EffectSize *float64 `json:"effect_size" extensions:"x-nullable" example:"0.32"`
	// stated exactly when effect_size is
	EffectSizeMeasure *string `json:"effect_size_measure" extensions:"x-nullable" example:"Cohen's d"`
	// 60–150 words
	Summary     string   `json:"summary" binding:"required" extensions:"x-pattern=summary"`
	KeyFindings []string `json:"key_findings" minLength:"1" extensions:"x-pattern=not-blank"`
	// slugs of themes that exist (GET /api/v1/themes)
	Themes []string `json:"themes" binding:"required,min=1,unique" maxLength:"100" extensions:"x-pattern=slug" example:"supporting-vulnerable-families,parenting-support"`
	// slugs of strands that exist
	Strands []string `json:"strands" binding:"unique" maxLength:"100" extensions:"x-pattern=slug" example:"direct-support-for-parents"`
	// slugs of disadvantage-focus values that exist
	DisadvantageFocus []string `json:"disadvantage_focus" binding:"unique" maxLength:"100" extensions:"x-pattern=slug" example:"low-income"`
	// ids of interventions that exist
	Interventions []string `json:"interventions" binding:"unique" maxLength:"100" extensions:"x-pattern=slug" example:"triple-p"`
	VerifiedIn    []string `json:"verified_in" binding:"required,min=1" extensions:"x-pattern=url" example:"https://www.gov.uk/government/publications/parenting-early-intervention-pathfinder"`
} // @name Study

// Intervention is a named programme, strategy or policy measure that studies evaluate.
type Intervention struct {
	ID              string   `json:"id" binding:"required" maxLength:"100" extensions:"x-pattern=slug" example:"triple-p"`
	Name            string   `json:"name" binding:"required" minLength:"1" extensions:"x-pattern=not-blank" example:"Triple P (Positive Parenting Program)"`
	Aliases         []string `json:"aliases" example:"Triple P"`
	Origin          *string  `json:"origin" extensions:"x-nullable"`
	CountryOfOrigin *string  `json:"country_of_origin" extensions:"x-nullable" enums:"Scotland,England,Wales,UK,Ireland,USA,Australia,New Zealand,Spain,South Africa,International"`
	// 60–150 words
	Summary string  `json:"summary" binding:"required" extensions:"x-pattern=summary"`
	Stage   *string `json:"stage" extensions:"x-nullable" enums:"early-years,primary,secondary,all"`
	Setting *string `json:"setting" extensions:"x-nullable" enums:"home,school,community,mixed"`
	// slugs of themes that exist (GET /api/v1/themes)
	Themes []string `json:"themes" binding:"required,min=1,unique" maxLength:"100" extensions:"x-pattern=slug" example:"supporting-vulnerable-families,parenting-support"`
	// slugs of strands that exist
	Strands []string `json:"strands" binding:"unique" maxLength:"100" extensions:"x-pattern=slug" example:"direct-support-for-parents"`
	// slugs of disadvantage-focus values that exist
	DisadvantageFocus []string   `json:"disadvantage_focus" binding:"unique" maxLength:"100" extensions:"x-pattern=slug" example:"low-income"`
	Evidence          []Evidence `json:"evidence"`
	URL               *string    `json:"url" extensions:"x-nullable,x-pattern=url" example:"https://www.triplep.net/"`
	VerifiedIn        []string   `json:"verified_in" binding:"required,min=1" extensions:"x-pattern=url" example:"https://pmc.ncbi.nlm.nih.gov/articles/PMC3316149"`
} // @name Intervention

// Evidence is one finding about an intervention, in the curators' own words. StudyID links
// it to a study in the dataset when that study is in it; an item that links to none may
// state, in Design, the design of the evaluation it reports, when the reference names it
// (a linked study's design is the study's own). Kind says what sort of evidence it
// is (EvidenceKinds); an impact item states its Result (EvidenceResults), and a result
// other than not-reported quotes, in ResultFact, the reference fact it comes from. Window
// says whether it was published inside the review's 2008–2014 window, before or after it
// (EvidenceWindows); items outside it are context only.
type Evidence struct {
	Finding string `json:"finding" binding:"required" minLength:"1" extensions:"x-pattern=not-blank"`
	// the id of a study that exists
	StudyID *string `json:"study_id" extensions:"x-nullable,x-pattern=slug" maxLength:"100" example:"lindsay-2011"`
	// only when study_id is null: the design of the evaluation the item reports, as the
	// reference names it
	Design *string `json:"design" extensions:"x-nullable" enums:"RCT,quasi-experimental,pre-post,longitudinal cohort,survey,qualitative,mixed methods,case study,systematic review,literature review,meta-analysis,monitoring data,policy review,conceptual,practice guidance"`
	Kind   string  `json:"kind" binding:"required" enums:"impact,process,review,description"`
	// stated (not null) exactly when kind is impact
	Result *string `json:"result" extensions:"x-nullable" enums:"positive,mixed,no-effect,negative,not-reported"`
	// only with a result other than not-reported
	ResultFact *string `json:"result_fact" extensions:"x-nullable,x-pattern=not-blank" minLength:"1"`
	Window     string  `json:"window" binding:"required" enums:"in,before,after"`
} // @name Evidence

// Theme is one of the six key themes the review is organised by. Provisional themes are
// ours: their names could not be recovered from the review, and Note says so.
type Theme struct {
	// the path's slug, on a write
	Slug        string  `json:"slug" binding:"required" maxLength:"100" extensions:"x-pattern=slug" example:"engaging-with-fathers"`
	Name        string  `json:"name" binding:"required" minLength:"1" extensions:"x-pattern=not-blank" example:"Engaging with Fathers"`
	Description string  `json:"description" binding:"required" minLength:"1" extensions:"x-pattern=not-blank"`
	Provisional bool    `json:"provisional"`
	Note        *string `json:"note" extensions:"x-nullable"`
	SourceURL   *string `json:"source_url" extensions:"x-nullable"`
} // @name Theme

// Strand is one of the four strands of government activity on parental engagement. All four
// are provisional: the source page's list is lost, so the labels are built from its wording.
type Strand struct {
	// the path's slug, on a write
	Slug        string  `json:"slug" binding:"required" maxLength:"100" extensions:"x-pattern=slug" example:"information-for-parents"`
	Name        string  `json:"name" binding:"required" minLength:"1" extensions:"x-pattern=not-blank" example:"Information for parents"`
	Description string  `json:"description" binding:"required" minLength:"1" extensions:"x-pattern=not-blank"`
	Provisional bool    `json:"provisional"`
	Note        *string `json:"note" extensions:"x-nullable"`
} // @name Strand

// DisadvantageFocus is a disadvantaged group a record concerns.
type DisadvantageFocus struct {
	// the path's slug, on a write
	Slug        string `json:"slug" binding:"required" maxLength:"100" extensions:"x-pattern=slug" example:"low-income"`
	Name        string `json:"name" binding:"required" minLength:"1" extensions:"x-pattern=not-blank" example:"Low income"`
	Description string `json:"description" binding:"required" minLength:"1" extensions:"x-pattern=not-blank"`
} // @name DisadvantageFocus

// Dataset is the whole evidence base in one document: the embedded seed, the file a
// curator validates, and the download a researcher reproduces an analysis against.
type Dataset struct {
	FormatVersion int                 `json:"format_version" binding:"required" enums:"2,3"` // a format this build reads
	Themes        []Theme             `json:"themes" binding:"required,min=1"`
	Strands       []Strand            `json:"strands" binding:"required,min=1"`
	Disadvantages []DisadvantageFocus `json:"disadvantages" binding:"required,min=1"`
	Studies       []Study             `json:"studies"`
	Interventions []Intervention      `json:"interventions"`
} // @name Dataset

// DatasetFormatVersion is the version of the Dataset document format this build writes.
const DatasetFormatVersion = 3

// DatasetFormatVersions are the versions this build reads. Version 3 added an evidence
// item's own design; version 2 is version 3 without it, so a document written before it
// still imports.
var DatasetFormatVersions = []int{2, DatasetFormatVersion}

// FirstYear and LastYear bound the review's publication window.
const (
	FirstYear = 2008
	LastYear  = 2014
)

// Facet counts the records of a result set per value of one field.
type Facet struct {
	Field  string       `json:"field" binding:"required"`
	Values []FacetValue `json:"values" binding:"required"`
} // @name Facet

// FacetValue is one value of a facet and how many records carry it. Provisional is true
// for a theme or strand whose label is ours, not the review's (see Theme.Note,
// Strand.Note), and false for every other value: always present, so a client need not
// tell an absent member from false.
type FacetValue struct {
	Value       string `json:"value" binding:"required"`
	Label       string `json:"label" binding:"required"`
	Count       int    `json:"count" binding:"required"`
	Provisional bool   `json:"provisional" binding:"required"`
} // @name FacetValue
