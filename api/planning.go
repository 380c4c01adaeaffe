package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// planningRoutes are the JSON endpoints behind school leaders' planning pages.
func (s *Server) planningRoutes() []edge.Route {
	read := []gin.HandlerFunc{wellFormedQuery, s.cacheable, s.compareInterventions}
	// a fixed path beside /interventions/:id: gin's router takes the static segment first
	return []edge.Route{{Method: http.MethodGet, Path: httpio.APIRoot + "/interventions/compare", Handlers: read, Cost: edge.Cheap}}
}

// Bounds of a comparison: side by side, two to four interventions.
const (
	minCompared = 2
	maxCompared = 4
)

// CostNotReported is what a comparison says of an intervention's cost: the review gives
// no costs, and none is guessed.
const CostNotReported = "not reported in this review"

// InterventionComparison is two to four interventions side by side, in the order asked for.
type InterventionComparison struct {
	Data []ComparedIntervention `json:"data" binding:"required"`
	Meta ComparisonMeta         `json:"meta" binding:"required"`
} // @name InterventionComparison

// ComparisonMeta carries the dataset version and the review's window, which every
// comparison is made within.
type ComparisonMeta struct {
	DatasetVersion string `json:"dataset_version" binding:"required" example:"3f2a9c0d1e4b5a6c"`
	// the years of publication the review covers: evidence outside them is context only
	FirstYear int `json:"first_year" binding:"required" example:"2008"`
	LastYear  int `json:"last_year" binding:"required" example:"2014"`
} // @name ComparisonMeta

// ComparedIntervention is one column of a comparison: who it is for, what it is tagged
// with, and what the review's evidence says of it, null and negative results included.
type ComparedIntervention struct {
	ID   string `json:"id" binding:"required" example:"triple-p"`
	Name string `json:"name" binding:"required" example:"Triple P (Positive Parenting Program)"`
	// the intervention in the API, an absolute URL
	Href string `json:"href" binding:"required" example:"http://localhost:8080/api/v1/interventions/triple-p"`
	// what it is, in the curators' words
	Summary           string                     `json:"summary" binding:"required"`
	Stage             *string                    `json:"stage" binding:"required" extensions:"x-nullable" enums:"early-years,primary,secondary,all"`
	Setting           *string                    `json:"setting" binding:"required" extensions:"x-nullable" enums:"home,school,community,mixed"`
	CountryOfOrigin   *string                    `json:"country_of_origin" binding:"required" extensions:"x-nullable"`
	DisadvantageFocus []models.DisadvantageFocus `json:"disadvantage_focus" binding:"required"`
	Themes            []models.Theme             `json:"themes" binding:"required"`
	Strands           []models.Strand            `json:"strands" binding:"required"`
	// studies in the review linked to it
	StudyCount      int                    `json:"study_count" binding:"required" example:"4"`
	EvidenceSummary models.EvidenceSummary `json:"evidence_summary" binding:"required"`
	// what the review says: every evidence item, typed by kind, result and window, in the
	// curators' order
	Evidence []models.Evidence `json:"evidence" binding:"required"`
	// the review's studies about it, newest first
	Studies []StudyRef `json:"studies" binding:"required"`
	// the review gives no costs: always "not reported in this review", never a guess
	Cost string `json:"cost" binding:"required" enums:"not reported in this review" example:"not reported in this review"`
} // @name ComparedIntervention

// compareInterventions godoc
//
//	@Summary		Compare interventions
//	@ID				compareInterventions
//	@Description	Two to four interventions side by side, in the order of `ids`: stages, setting, country of origin, disadvantage focus, themes and strands, the computed `evidence_summary` (impact evaluations in the review window 2008–2014 by design and result, null and negative results first; see the list endpoint for the method), the study count, what the review says (every evidence item with its kind, result and window) and the studies. `cost` is always "not reported in this review": the review gives no costs.
//	@Description
//	@Description	`ids` is 2 to 4 intervention ids, comma-separated, each given once. A malformed id, fewer than 2, more than 4 or an id given twice is refused (400, naming `ids`); an id no intervention has is 404.
//	@Tags			interventions
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			ids	query		string	true	"2 to 4 intervention ids, comma-separated, each given once"	minLength(3)	maxLength(403)	example(triple-p,incredible-years)
//	@Success		200	{object}	InterventionComparison
//	@Failure		400	{object}	Problem	"ids is missing, malformed, names fewer than 2 or more than 4 interventions, or names one twice"
//	@Failure		404	{object}	Problem	"No intervention has one of the ids"
//	@Router			/api/v1/interventions/compare [get]
func (s *Server) compareInterventions(c *gin.Context) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "ids")
	if err != nil {
		s.fail(c, err)
		return
	}
	ids, err := comparedIDs(p)
	if err != nil {
		s.fail(c, err)
		return
	}
	cat := s.snapshot(c)
	out := InterventionComparison{
		Data: make([]ComparedIntervention, 0, len(ids)),
		Meta: ComparisonMeta{DatasetVersion: cat.Version(), FirstYear: models.FirstYear, LastYear: models.LastYear},
	}
	var missing []string
	for _, id := range ids {
		d, err := cat.Intervention(id)
		if err != nil {
			if e := (*models.Error)(nil); errors.As(err, &e) && e.Code == models.ENotFound {
				missing = append(missing, id)
				continue
			}
			s.fail(c, err)
			return
		}
		iv := d.Intervention
		rel := interventionRelated(d)
		slices.SortStableFunc(rel.Studies, func(a, b StudyRef) int { // newest first, as the pages list them
			return cmp.Or(cmp.Compare(b.Year, a.Year), strings.Compare(a.ID, b.ID))
		})
		out.Data = append(out.Data, ComparedIntervention{
			ID: iv.ID, Name: iv.Name, Summary: iv.Summary,
			Href:  httpio.AbsoluteURL(c.Request, httpio.APIPath("/interventions/"+url.PathEscape(iv.ID)), nil),
			Stage: iv.Stage, Setting: iv.Setting, CountryOfOrigin: iv.CountryOfOrigin,
			DisadvantageFocus: nonNil(rel.DisadvantageFocus), Themes: nonNil(rel.Themes), Strands: nonNil(rel.Strands),
			StudyCount: cat.StudyCount(iv.ID), EvidenceSummary: cat.EvidenceSummary(&iv),
			Evidence: nonNil(iv.Evidence), Studies: rel.Studies, Cost: CostNotReported,
		})
	}
	if len(missing) > 0 {
		s.fail(c, unknownIDs(missing))
		return
	}
	httpio.WriteJSON(c, http.StatusOK, out)
}

// comparedIDs reads ids: 2 to 4 well-formed intervention ids, none twice. Every problem
// names the parameter.
func comparedIDs(p httpio.Params) ([]string, error) {
	if !p.Has("ids") {
		return nil, models.Invalid("ids", fmt.Sprintf("is required: %d to %d intervention ids, comma-separated", minCompared, maxCompared))
	}
	raw := p.Str("ids")
	if strings.TrimSpace(raw) == "" {
		return nil, models.Invalid("ids", "must not be empty")
	}
	ids := p.List("ids")
	for i, id := range ids {
		if !models.ValidSlug(id) {
			return nil, models.Invalid("ids", fmt.Sprintf("%q (item %d) is not well-formed: an intervention id is at most 100 lower-case letters and digits, in words joined by hyphens", id, i+1))
		}
		if slices.Index(ids, id) < i {
			return nil, models.Invalid("ids", fmt.Sprintf("%q is given more than once: compare each intervention once", id))
		}
	}
	if len(ids) < minCompared || len(ids) > maxCompared {
		return nil, models.Invalid("ids", fmt.Sprintf("names %d intervention(s); a comparison takes %d to %d", len(ids), minCompared, maxCompared))
	}
	return ids, nil
}

// unknownIDs is the not-found error of a comparison, naming every id no intervention has.
func unknownIDs(ids []string) error {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	reason := "no intervention has the id " + strings.Join(quoted, ", ")
	if len(ids) > 1 {
		reason = "no intervention has the ids " + strings.Join(quoted, ", ")
	}
	return &models.Error{Code: models.ENotFound, Message: "ids: " + reason, Fields: []models.FieldError{{Field: "ids", Reason: reason}}}
}

// nonNil is a list as JSON writes it whole: [] rather than null when empty.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
