package web

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The pages school leaders use to turn evidence into their plan: compare two to four
// interventions side by side, and an evidence pack of a shortlist for the strategy
// statement (England) or the PEF plan (Scotland), printed or downloaded.

const (
	comparePath = "/compare"
	packPath    = "/pack"
)

// planningRoutes are the pages school leaders use to turn evidence into their plan.
func (s *Site) planningRoutes() []edge.Route {
	return []edge.Route{
		{Method: http.MethodGet, Path: comparePath, Handlers: []gin.HandlerFunc{s.cacheable, s.comparePage}, Cost: edge.Cheap},
		{Method: http.MethodGet, Path: packPath, Handlers: []gin.HandlerFunc{s.cacheable, s.packPage}, Cost: edge.List},
	}
}

// planningPages are the planning pages' templates, parsed as the other pages are (see
// mustParsePages), with the helpers they add.
var planningPages = []string{"compare", "pack"}

func init() {
	funcs := maps.Clone(templateFuncs)
	for _, name := range planningPages {
		pages[name] = template.Must(template.New(name).Option("missingkey=error").Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
}

// today is the date a pack is made on, in the server's clock (UTC); tests replace it.
var today = func() string { return time.Now().UTC().Format(time.DateOnly) }

// madeToday keeps a page that states the day it was made out of every cache: the same
// address on another day is another page, which a validator of the address and the data
// (cacheable's) cannot tell apart.
func madeToday(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Writer.Header().Del("ETag")
}

// planningQuery reads a planning page's query: only the parameters it takes, each once
// but those in repeatable (a form's inputs of one name). A query Go's parser would read
// only in part (a semicolon, a bad escape) is refused, not read in part.
func planningQuery(u *url.URL, repeatable []string, allowed ...string) (url.Values, error) {
	raw, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, models.Invalid("query", "is not a well-formed URL query: "+err.Error())
	}
	all := slices.Concat(allowed, repeatable)
	var bad []models.FieldError
	for _, name := range sortedKeys(raw) {
		switch {
		case !slices.Contains(all, name):
			bad = append(bad, models.FieldError{Field: name, Reason: "is not an option of this page", Valid: all})
		case len(raw[name]) > 1 && !slices.Contains(repeatable, name):
			bad = append(bad, models.FieldError{Field: name, Reason: "is given more than once"})
		}
	}
	if len(bad) > 0 {
		return nil, &models.Error{Code: models.EInvalid, Message: "this page cannot use its query", Fields: bad}
	}
	return raw, nil
}

// pickIDs reads ids, the interventions of a comparison or a pack: between least and most
// well-formed ids, comma-separated, none twice. These are the API's rules for
// /interventions/compare, worded for a reader.
func pickIDs(raw url.Values, least, most int) (shortlist, error) {
	value := raw.Get("ids")
	if strings.TrimSpace(value) == "" {
		return nil, models.Invalid("ids", fmt.Sprintf("names no intervention: choose %d to %d on the finder's shortlist", least, most))
	}
	var ids shortlist
	for _, id := range strings.Split(value, ",") {
		id = strings.TrimSpace(id)
		switch {
		case !models.ValidSlug(id):
			return nil, models.Invalid("ids", fmt.Sprintf("%q is not an intervention id", id))
		case slices.Contains(ids, id):
			return nil, models.Invalid("ids", fmt.Sprintf("%q is given more than once", id))
		}
		ids = append(ids, id)
	}
	if len(ids) < least || len(ids) > most {
		return nil, models.Invalid("ids", fmt.Sprintf("names %d; this page takes %d to %d interventions", len(ids), least, most))
	}
	return ids, nil
}

// records looks the interventions up; an id no intervention has is a 404 naming it.
func records(cat *catalog.Catalog, ids shortlist) ([]*catalog.InterventionRecord, error) {
	out := make([]*catalog.InterventionRecord, 0, len(ids))
	var missing []string
	for _, id := range ids {
		d, err := cat.Intervention(id)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%q", id))
			continue
		}
		out = append(out, d)
	}
	if len(missing) > 0 {
		return nil, &models.Error{Code: models.ENotFound, Message: "no intervention has the id " + strings.Join(missing, ", ")}
	}
	return out, nil
}

// compareView is two to four interventions side by side.
type compareView struct {
	layout
	Columns   []compareColumn
	Width     int // how many columns, for the stylesheet
	Shortlist shortlistView
	Cost      string
}

// compareColumn is one intervention of a comparison.
type compareColumn struct {
	Card       interventionCard
	URL        string // its page, the shortlist kept
	RemoveURL  string // the comparison without it; the finder when two would be left with one
	StudyCount int
}

// costNotReported is what the planning pages say of cost: the review gives none, and
// none is guessed.
const costNotReported = "Not reported in this review."

// comparePage sets two to four interventions side by side: who each is for, how it is
// tagged, what the review's evidence says of it, and its cost, which the review does not
// report.
func (s *Site) comparePage(c *gin.Context) {
	cat := s.snapshot(c)
	raw, err := planningQuery(c.Request.URL, nil, "ids")
	if err != nil {
		s.webFail(c, err)
		return
	}
	ids, err := pickIDs(raw, minCompare, maxCompare)
	if err != nil {
		s.webFail(c, err)
		return
	}
	recs, err := records(cat, ids)
	if err != nil {
		s.webFail(c, err)
		return
	}
	_, sl := resolveShortlist(cat, ids, compareOrFinder)
	v := compareView{
		layout: s.layout(c, cat.Version(), "Compare interventions", "", httpio.APIPath("/interventions/compare?ids="+ids.String())),
		Width:  len(ids), Shortlist: sl, Cost: costNotReported,
	}
	for _, d := range recs {
		id := d.Intervention.ID
		v.Columns = append(v.Columns, compareColumn{
			Card: newCard(d, cat.EvidenceSummary(&d.Intervention)), URL: interventionURL(id, ids),
			RemoveURL: compareOrFinder(ids.without(id)), StudyCount: len(d.Studies),
		})
	}
	s.render(c, http.StatusOK, "compare", v)
}

// compareOrFinder is the comparison of a shortlist, or the finder holding it when it is
// too short or too long to compare.
func compareOrFinder(sl shortlist) string {
	if len(sl) >= minCompare && len(sl) <= maxCompare {
		return compareURL(sl)
	}
	return finderURL(sl)
}
