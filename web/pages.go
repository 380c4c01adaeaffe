package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

type finderView struct {
	layout
	List  listView
	Cards []interventionCard
	// NoImpact is set when a query's interventions have no impact evaluation in the
	// review: the page says so and links to the studies matching the same choices.
	NoImpact   bool
	StudiesURL string
	Studies    int
	DidYouMean *suggestion // a corrected search, when a keyword matched nothing
	// Picks are the cards with their shortlist boxes; Kept the shortlisted interventions
	// this page does not show, which its form carries on (shortlist.go).
	Picks     []pickCard
	Kept      []string
	Shortlist shortlistView
}

// pickCard is an intervention's card on the finder: its link keeps the shortlist, and
// Picked ticks its box.
type pickCard struct {
	Card   interventionCard
	URL    string
	Picked bool
}

// suggestion is a corrected search a list page offers above its results: "Did you mean
// …?", a link to it. It never replaces the results of the search as typed.
type suggestion struct {
	Q     string
	URL   string
	Total int // records the corrected search finds, with the same choices
}

// didYouMean is the page's link to the search the engine corrected, or nil.
func didYouMean(lf listForm, s *catalog.Suggestion) *suggestion {
	if s == nil {
		return nil
	}
	return &suggestion{Q: s.Query, Total: s.Total, URL: lf.url(lf.spec.path, func(v url.Values) {
		v.Set("q", s.Query)
		v.Del("page")
	})}
}

// finderPage is the home page: interventions filtered by stage, families, theme, strand
// and setting, as plain-language cards.
func (s *Site) finderPage(c *gin.Context) {
	cat := s.snapshot(c)
	sl, rest, err := takeShortlist(c.Request.URL.Query())
	if err != nil {
		s.webFail(c, err)
		return
	}
	lf, err := parseListForm(finderSpec, rest)
	if err != nil {
		s.webFail(c, err)
		return
	}
	at := func(o shortlist) string {
		return readable(lf.url(lf.spec.path, func(v url.Values) { setShortlist(v, o) }))
	}
	sl, shortlisted := resolveShortlist(cat, sl, at)
	keepShortlist(&lf.form, sl) // every link the page makes from its query keeps it
	res, err := cat.Interventions(lf.engineQuery())
	if err != nil {
		s.webFail(c, err)
		return
	}
	cards := make([]interventionCard, len(res.Items))
	for i, iv := range res.Items {
		d, err := cat.Intervention(iv.ID)
		if err != nil {
			s.webFail(c, err)
			return
		}
		cards[i] = newCard(d, cat.EvidenceSummary(&d.Intervention))
	}
	v := finderView{
		layout:     s.layout(c, cat.Version(), "Find an intervention", "finder", lf.dataURL()),
		List:       lf.view(res.Total, res.Facets),
		Cards:      cards,
		DidYouMean: didYouMean(lf, res.DidYouMean),
		Shortlist:  shortlisted,
	}
	shown := map[string]bool{}
	for _, k := range cards {
		id := k.Intervention.ID
		shown[id] = true
		v.Picks = append(v.Picks, pickCard{Card: k, URL: interventionURL(id, sl), Picked: slices.Contains(sl, id)})
	}
	for _, id := range sl {
		if !shown[id] {
			v.Kept = append(v.Kept, id)
		}
	}
	if len(rest) > 0 && !slices.ContainsFunc(cards, func(k interventionCard) bool { return k.EvidenceSummary.ImpactStudies > 0 }) {
		v.NoImpact = true
		v.StudiesURL, v.Studies = s.matchingStudies(cat, lf)
	}
	s.render(c, http.StatusOK, "finder", v)
}

// matchingStudies is the study search for a finder query's choices (those studies have:
// stage, families, theme, strand, keywords) and how many studies it finds.
func (s *Site) matchingStudies(cat *catalog.Catalog, lf listForm) (string, int) {
	target := lf.url("/studies", func(v url.Values) {
		for _, name := range []string{"setting", "sort", "page", shortlistParam} {
			v.Del(name)
		}
	})
	u, err := url.Parse(target)
	if err != nil {
		return "/studies", 0
	}
	sf, err := parseListForm(studiesSpec, u.Query())
	if err != nil {
		return target, 0
	}
	res, err := cat.Studies(catalog.Query{Filter: sf.filter(), Search: sf.q, PerPage: 1})
	if err != nil {
		return target, 0
	}
	return target, res.Total
}

type interventionView struct {
	layout
	Card interventionCard
	// the shortlist (shortlist.go): the panel, whether this one is on it, what pressing
	// the button makes it
	Shortlist shortlistView
	Picked    bool
	Full      bool   // the shortlist holds as many as it can
	Toggled   string // the shortlist with this one added or removed
}

func (s *Site) interventionPage(c *gin.Context) {
	cat := s.snapshot(c)
	sl, rest, err := takeShortlist(c.Request.URL.Query())
	if err != nil {
		s.webFail(c, err)
		return
	}
	d, ok := s.interventionOf(c, cat, rest, c.Param("id"))
	if !ok {
		return
	}
	id := d.Intervention.ID
	sl, shortlisted := resolveShortlist(cat, sl, func(o shortlist) string { return interventionURL(id, o) })
	v := interventionView{
		layout:    s.layout(c, cat.Version(), d.Intervention.Name, "", httpio.APIPath("/interventions/"+url.PathEscape(id))),
		Card:      newCard(d, cat.EvidenceSummary(&d.Intervention)),
		Shortlist: shortlisted, Picked: slices.Contains(sl, id),
	}
	v.Full = !v.Picked && len(sl) >= maxShortlist
	if v.Picked {
		v.Toggled = sl.without(id).String()
	} else {
		v.Toggled = sl.with(id).String()
	}
	v.Canonical, v.MarkdownURL = recordURLs(c, interventionPath(d.Intervention.ID))
	s.render(c, http.StatusOK, "intervention", v)
}

type studiesView struct {
	layout
	List       listView
	Studies    []studyResult
	Exports    []exportLink
	MapURL     string      // the same studies as an evidence-gap map
	DidYouMean *suggestion // a corrected search, when a keyword matched nothing
}

// studyResult is a study in a result list with the text that shows why it matched.
type studyResult struct {
	models.Study
	Snippet template.HTML
}

// exportLink is one download of a result set or a record, in a format of the API.
type exportLink struct {
	Label string
	URL   string
}

// studyExports are the reference formats offered for a list of studies.
var studyExports = []struct{ format, label string }{
	{"csv", "CSV (spreadsheet)"}, {"bibtex", "BibTeX"}, {"ris", "RIS (EndNote, Zotero)"},
}

func (s *Site) studiesPage(c *gin.Context) {
	cat := s.snapshot(c)
	lf, err := parseListForm(studiesSpec, c.Request.URL.Query())
	if err != nil {
		s.webFail(c, err)
		return
	}
	res, err := cat.Studies(lf.engineQuery())
	if err != nil {
		s.webFail(c, err)
		return
	}
	v := studiesView{
		layout:  s.layout(c, cat.Version(), "Search the studies", "studies", lf.dataURL()),
		List:    lf.view(res.Total, res.Facets),
		Studies: make([]studyResult, len(res.Items)),
		MapURL: lf.url("/evidence-map", func(v url.Values) {
			v.Del("sort")
			v.Del("page")
		}),
		DidYouMean: didYouMean(lf, res.DidYouMean),
	}
	for i, st := range res.Items {
		v.Studies[i] = studyResult{Study: st, Snippet: template.HTML(template.HTMLEscapeString(firstSentence(st.Summary)))}
		if res.Matches != nil {
			if h := snippet(res.Matches[i]); h != "" {
				v.Studies[i].Snippet = h
			}
		}
	}
	for _, e := range studyExports {
		v.Exports = append(v.Exports, exportLink{Label: e.label, URL: lf.exportURL(e.format)})
	}
	s.render(c, http.StatusOK, "studies", v)
}

// snippet is the highlighted passage a search matched in a study's text. The engine
// escapes the text and adds only <mark>, so it is safe as HTML.
func snippet(m catalog.Hit) template.HTML {
	for _, field := range []string{"summary", "key_findings", "title"} {
		if h := m.Highlights[field]; h != "" {
			return template.HTML(h)
		}
	}
	return ""
}

type studyView struct {
	layout
	*catalog.StudyRecord
	Citation string
	Exports  []exportLink
	Cite     citationHead // the citation_* tags and JSON-LD of the head
}

// studyReferenceFormats are the citation downloads of one study.
var studyReferenceFormats = []struct{ format, label string }{
	{"bibtex", "BibTeX"}, {"ris", "RIS (EndNote, Zotero)"}, {"apa", "APA reference"},
}

// interventionOf is the intervention a page or its Markdown twin shows. query is what is
// left of the page's query, and names no option: a record page has none. On an error it
// answers the error page and says false.
func (s *Site) interventionOf(c *gin.Context, cat *catalog.Catalog, query url.Values, id string) (*catalog.InterventionRecord, bool) {
	if _, err := parseForm(query, nil); err != nil {
		s.webFail(c, err)
		return nil, false
	}
	d, err := cat.Intervention(id)
	if err != nil {
		s.webFail(c, err)
		return nil, false
	}
	return d, true
}

// studyOf is the study a page or its Markdown twin shows, with its APA reference. The
// page's query names no option: a record page has none. On an error it answers the error
// page and says false.
func (s *Site) studyOf(c *gin.Context, cat *catalog.Catalog, id string) (d *catalog.StudyRecord, citation string, ok bool) {
	if _, err := parseForm(c.Request.URL.Query(), nil); err != nil {
		s.webFail(c, err)
		return nil, "", false
	}
	d, err := cat.Study(id)
	if err != nil {
		s.webFail(c, err)
		return nil, "", false
	}
	if citation, err = apaReference(d.Study); err != nil {
		s.webFail(c, err)
		return nil, "", false
	}
	return d, citation, true
}

func (s *Site) studyPage(c *gin.Context) {
	cat := s.snapshot(c)
	d, citation, ok := s.studyOf(c, cat, c.Param("id"))
	if !ok {
		return
	}
	api := httpio.APIPath("/studies/" + url.PathEscape(d.Study.ID))
	v := studyView{layout: s.layout(c, cat.Version(), d.Study.Title, "", api), StudyRecord: d, Citation: citation}
	v.Canonical, v.MarkdownURL = recordURLs(c, studyPath(d.Study.ID))
	var err error
	if v.Cite, err = newCitationHead(d, v.Canonical); err != nil {
		s.webFail(c, err)
		return
	}
	for _, e := range studyReferenceFormats {
		v.Exports = append(v.Exports, exportLink{Label: e.label, URL: api + "?format=" + e.format})
	}
	s.render(c, http.StatusOK, "study", v)
}

type aboutView struct {
	layout
	Stats         *catalog.Coverage
	Themes        []catalog.ThemeCount
	Strands       []models.Strand
	Disadvantages []models.DisadvantageFocus
	Glossary      []models.GlossarySection
	FirstYear     int
	LastYear      int
}

// aboutPage explains the review, its vocabularies and the provenance of the data.
func (s *Site) aboutPage(c *gin.Context) {
	cat := s.snapshot(c)
	if _, err := parseForm(c.Request.URL.Query(), nil); err != nil {
		s.webFail(c, err)
		return
	}
	s.render(c, http.StatusOK, "about", aboutView{
		layout: s.layout(c, cat.Version(), "About this evidence base", "about", httpio.APIPath("/stats")),
		Stats:  cat.Coverage(), Themes: cat.Themes(), Strands: cat.Strands(),
		Disadvantages: cat.Disadvantages(), Glossary: models.Glossary(cat.Strands()),
		FirstYear: models.FirstYear, LastYear: models.LastYear,
	})
}
