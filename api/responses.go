package api

import "github.com/evidence-kb/parental-engagement/models"

// ListMeta describes a page of a list; every collection of the API answers with it.
type ListMeta struct {
	Total          *int    `json:"total" binding:"required" extensions:"x-nullable" example:"110"` // null when total=false
	Page           *int    `json:"page" binding:"required" extensions:"x-nullable" example:"1"`    // null in cursor paging
	PerPage        int     `json:"per_page" binding:"required" example:"20"`
	Pages          *int    `json:"pages" binding:"required" extensions:"x-nullable" example:"6"` // at least 1; null in cursor paging and when total=false
	DatasetVersion string  `json:"dataset_version" binding:"required" example:"3f2a9c0d1e4b5a6c"`
	NextCursor     *string `json:"next_cursor" binding:"required" extensions:"x-nullable"` // null on the last page, and in offset paging
} // @name ListMeta

// Links are the navigation links of a page, absolute URLs on the request's scheme and host,
// each in the same canonical form (parameters in key order, page or cursor stated); the
// same appear in the Link header. last is null in cursor paging and when total=false.
type Links struct {
	Self  string  `json:"self" binding:"required" example:"http://localhost:8080/api/v1/studies?page=2&per_page=20"`
	First string  `json:"first" binding:"required" example:"http://localhost:8080/api/v1/studies?page=1&per_page=20"`
	Prev  *string `json:"prev" binding:"required" extensions:"x-nullable" example:"http://localhost:8080/api/v1/studies?page=1&per_page=20"`
	Next  *string `json:"next" binding:"required" extensions:"x-nullable" example:"http://localhost:8080/api/v1/studies?page=3&per_page=20"`
	Last  *string `json:"last" binding:"required" extensions:"x-nullable" example:"http://localhost:8080/api/v1/studies?page=6&per_page=20"`
} // @name Links

// Match explains a search hit: a relevance score and highlighted snippets per field, with
// matched words in <mark> and all other text HTML-escaped.
type Match struct {
	Score      float64           `json:"score" example:"7.42"`
	Highlights map[string]string `json:"highlights"`
} // @name Match

// StudyItem is a study in a list.
type StudyItem struct {
	models.Study
	Match    *Match         `json:"match,omitempty"`
	Included *StudyIncluded `json:"included,omitempty"`
} // @name StudyItem

func (it StudyItem) recordKey() string { return "study/" + it.ID }
func (it StudyItem) record() any       { return it.Study }
func (it StudyItem) extras() []extra   { return itemExtras(it.Match, it.Included) }

// studyRelations are the relations include= embeds in a study list.
var studyRelations = []string{"themes", "strands", "disadvantage_focus", "interventions"}

// StudyIncluded holds the related records a list request asked for with include=.
type StudyIncluded struct {
	Themes            *[]models.Theme             `json:"themes,omitempty"`
	Strands           *[]models.Strand            `json:"strands,omitempty"`
	DisadvantageFocus *[]models.DisadvantageFocus `json:"disadvantage_focus,omitempty"`
	Interventions     *[]InterventionRef          `json:"interventions,omitempty"`
} // @name StudyIncluded

// StudyList is a page of studies.
type StudyList struct {
	Data       []StudyItem    `json:"data" binding:"required"`
	Meta       ListMeta       `json:"meta" binding:"required"`
	Links      Links          `json:"links" binding:"required"`
	DidYouMean *DidYouMean    `json:"did_you_mean" binding:"required" extensions:"x-nullable"` // null unless a word of q matched nothing and a correction finds records
	Facets     []models.Facet `json:"facets,omitempty"`
} // @name StudyList

// DidYouMean is a correction of the search offered beside the results, never in their
// place: q with each word that matched nothing replaced by the closest word the evidence
// base knows (Damerau–Levenshtein distance, bounded by the word's length), the rest of q
// kept as sent. total is how many records the corrected search finds with the same filter;
// a correction is offered only when it finds some.
type DidYouMean struct {
	Q     string `json:"q" binding:"required" example:"Triple P"` // the corrected search, to send as q
	Total int    `json:"total" binding:"required" example:"4"`    // records it finds, with the same filter
} // @name DidYouMean

// InterventionItem is an intervention in a list, with its computed evidence summary.
type InterventionItem struct {
	models.Intervention
	StudyCount      int                    `json:"study_count" example:"4"` // studies in the review linked to it: what sort=study_count orders by
	EvidenceSummary models.EvidenceSummary `json:"evidence_summary"`
	Match           *Match                 `json:"match,omitempty"`
	Included        *InterventionIncluded  `json:"included,omitempty"`
} // @name InterventionItem

func (it InterventionItem) recordKey() string { return "intervention/" + it.ID }
func (it InterventionItem) record() any       { return it.Intervention }
func (it InterventionItem) extras() []extra {
	return append([]extra{{"study_count", it.StudyCount}, {"evidence_summary", it.EvidenceSummary}}, itemExtras(it.Match, it.Included)...)
}

// InterventionWithSummary is an intervention with its computed evidence summary.
type InterventionWithSummary struct {
	models.Intervention
	StudyCount      int                    `json:"study_count" example:"4"` // studies in the review linked to it
	EvidenceSummary models.EvidenceSummary `json:"evidence_summary"`
} // @name InterventionWithSummary

// itemExtras lists a list item's optional members that are set.
func itemExtras[M, I any](match *M, included *I) []extra {
	var out []extra
	if match != nil {
		out = append(out, extra{"match", match})
	}
	if included != nil {
		out = append(out, extra{"included", included})
	}
	return out
}

// interventionRelations are the relations include= embeds in an intervention list.
var interventionRelations = []string{"studies", "themes", "strands", "disadvantage_focus"}

// InterventionIncluded holds the related records a list request asked for with include=.
type InterventionIncluded struct {
	Studies           *[]StudyRef                 `json:"studies,omitempty"`
	Themes            *[]models.Theme             `json:"themes,omitempty"`
	Strands           *[]models.Strand            `json:"strands,omitempty"`
	DisadvantageFocus *[]models.DisadvantageFocus `json:"disadvantage_focus,omitempty"`
} // @name InterventionIncluded

// InterventionList is a page of interventions.
type InterventionList struct {
	Data       []InterventionItem `json:"data" binding:"required"`
	Meta       ListMeta           `json:"meta" binding:"required"`
	Links      Links              `json:"links" binding:"required"`
	DidYouMean *DidYouMean        `json:"did_you_mean" binding:"required" extensions:"x-nullable"` // null unless a word of q matched nothing and a correction finds records
	Facets     []models.Facet     `json:"facets,omitempty"`
} // @name InterventionList

// VersionMeta carries the dataset version of a response.
type VersionMeta struct {
	DatasetVersion string `json:"dataset_version" example:"3f2a9c0d1e4b5a6c"`
} // @name VersionMeta

// InterventionRef is an intervention named from another record.
type InterventionRef struct {
	ID      string  `json:"id" example:"triple-p"`
	Name    string  `json:"name" example:"Triple P (Positive Parenting Program)"`
	Stage   *string `json:"stage" extensions:"x-nullable"`
	Setting *string `json:"setting" extensions:"x-nullable"`
} // @name InterventionRef

// StudyRef is a study named from another record.
type StudyRef struct {
	ID      string   `json:"id" example:"lindsay-2008"`
	Title   string   `json:"title"`
	Authors []string `json:"authors"`
	Year    int      `json:"year" example:"2008"`
	Design  *string  `json:"design" extensions:"x-nullable"`
	URL     *string  `json:"url" extensions:"x-nullable"`
} // @name StudyRef

// StudyRelated holds the records a study links to.
type StudyRelated struct {
	Themes            []models.Theme             `json:"themes"`
	Strands           []models.Strand            `json:"strands"`
	DisadvantageFocus []models.DisadvantageFocus `json:"disadvantage_focus"`
	Interventions     []InterventionRef          `json:"interventions"`
} // @name StudyRelated

// StudyDetail is one study with its related records.
type StudyDetail struct {
	Data    models.Study `json:"data"`
	Related StudyRelated `json:"related"`
	Meta    VersionMeta  `json:"meta"`
} // @name StudyDetail

// InterventionRelated holds the records an intervention links to, with the studies that
// evaluate it.
type InterventionRelated struct {
	Studies           []StudyRef                 `json:"studies"`
	Themes            []models.Theme             `json:"themes"`
	Strands           []models.Strand            `json:"strands"`
	DisadvantageFocus []models.DisadvantageFocus `json:"disadvantage_focus"`
} // @name InterventionRelated

// InterventionDetail is one intervention with its related records.
type InterventionDetail struct {
	Data    InterventionWithSummary `json:"data"`
	Related InterventionRelated     `json:"related"`
	Meta    VersionMeta             `json:"meta"`
} // @name InterventionDetail

// ThemeItem is a theme with how many records carry it.
type ThemeItem struct {
	models.Theme
	StudyCount        int `json:"study_count" example:"42"`
	InterventionCount int `json:"intervention_count" example:"12"`
} // @name ThemeItem

// ThemeList lists the six themes.
type ThemeList struct {
	Data  []ThemeItem `json:"data" binding:"required"`
	Meta  ListMeta    `json:"meta" binding:"required"`
	Links Links       `json:"links" binding:"required"`
} // @name ThemeList

// ThemeDetail is one theme.
type ThemeDetail struct {
	Data ThemeItem   `json:"data"`
	Meta VersionMeta `json:"meta"`
} // @name ThemeDetail

// StrandItem is a strand with how many records carry it.
type StrandItem struct {
	models.Strand
	StudyCount        int `json:"study_count" example:"40"`
	InterventionCount int `json:"intervention_count" example:"10"`
} // @name StrandItem

// StrandList lists the four strands.
type StrandList struct {
	Data  []StrandItem `json:"data" binding:"required"`
	Meta  ListMeta     `json:"meta" binding:"required"`
	Links Links        `json:"links" binding:"required"`
} // @name StrandList

// DisadvantageItem is a disadvantage-focus value with how many records carry it.
type DisadvantageItem struct {
	models.DisadvantageFocus
	StudyCount        int `json:"study_count" example:"25"`
	InterventionCount int `json:"intervention_count" example:"9"`
} // @name DisadvantageItem

// DisadvantageList lists the disadvantage-focus vocabulary.
type DisadvantageList struct {
	Data  []DisadvantageItem `json:"data" binding:"required"`
	Meta  ListMeta           `json:"meta" binding:"required"`
	Links Links              `json:"links" binding:"required"`
} // @name DisadvantageList

// GlossaryList is the glossary, one section per field.
type GlossaryList struct {
	Data []models.GlossarySection `json:"data"`
	Meta VersionMeta              `json:"meta"`
} // @name GlossaryList

// Health is the answer of the health probes.
type Health struct {
	Status         string `json:"status" example:"ok"`
	DatasetVersion string `json:"dataset_version,omitempty" example:"3f2a9c0d1e4b5a6c"`
} // @name Health
