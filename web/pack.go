package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The evidence pack: for each intervention of a shortlist, one row of the plan a school
// publishes — the activity, the evidence that supports it, the challenges it addresses —
// printed one A4 page per intervention, or downloaded as Markdown, CSV or Word.
//
// England's pupil premium strategy statement gives, for each activity, "the evidence that
// supports this approach" and the numbers of the challenges it addresses; Scotland's Pupil
// Equity Funding plans group approaches under organisers, parental engagement under
// families and communities (../shared/product/school-planning.md). The evidence cell says
// what the review's evidence says in plain words, null and negative results included,
// cites up to five of its studies, states the review's window, and then gives the EEF's
// context: its Toolkit figure, dated, and the four recommendations of its guidance report
// as a checklist. Nothing else: no figure of ours, and no cost (the review gives none).

// eefToolkit is the EEF Teaching and Learning Toolkit's parental engagement strand as
// read on its page: the figure changes as that living review is updated, so a pack always
// states the page and the day it was read (school-planning.md; evidence-strength.md, S8).
var eefToolkit = struct {
	Impact, Cost, Evidence, Page, ReadOn string
}{
	Impact: "+4 months", Cost: "very low cost", Evidence: "extensive evidence",
	Page:   "http://educationendowmentfoundation.org.uk/education-evidence/teaching-learning-toolkit/parental-engagement",
	ReadOn: "2026-11-28",
}

// eefGuidance is the EEF's guidance report on working with parents and its four
// recommendations, as school-planning.md words them (P7, read on 2026-12-07).
var eefGuidance = struct {
	Title           string
	Year            int
	Page, ReadOn    string
	Recommendations []string
}{
	Title: "Working with Parents to Support Children's Learning", Year: 2018,
	Page:   "http://sandringham.researchschool.org.uk/2018/12/07/working-with-parents-to-support-childrens-learning/",
	ReadOn: "2026-12-07",
	Recommendations: []string{
		"Critically review how the school works with parents.",
		"Provide practical strategies to support learning at home.",
		"Tailor school communications to encourage positive dialogue about learning.",
		"Offer more sustained and intensive support where needed.",
	},
}

// packColumns are the columns of a strategy statement's table of activity.
var packColumns = [3]string{"Activity", "Evidence that supports this approach", "Challenge number(s) addressed"}

// maxCitations is how many of an intervention's studies its evidence cell cites.
const maxCitations = 5

// packVariant is the plan a pack is laid out for.
type packVariant struct {
	Key       string // the variant= value
	Label     string // for the choice on the page
	Plan      string // the plan it goes into
	GroupKind string // what the plan groups activity by
	Group     string // the group parental engagement goes under
	Under     string // that group in running text
	Note      string // where that is, in a sentence
}

var packVariants = []packVariant{
	{
		Key: "england", Label: "England: pupil premium strategy statement",
		Plan: "Pupil premium strategy statement (England)", GroupKind: "Tier", Group: "Wider strategies", Under: "the tier “Wider strategies”",
		Note: "The statement groups activity in three tiers: high-quality teaching, targeted academic support and wider strategies. " +
			"Parental engagement usually sits under wider strategies; move a row if your plan places it elsewhere.",
	},
	{
		Key: "scotland", Label: "Scotland: Pupil Equity Funding plan",
		Plan: "Pupil Equity Funding plan (Scotland)", GroupKind: "PEF organiser", Group: "Families and communities",
		Under: "the PEF organiser “Families and communities”",
		Note: "National guidance groups approaches under three organisers: leadership; learning and teaching; families and communities. " +
			"Parental engagement belongs under families and communities, and plans are held to “a high evidentiary bar”.",
	},
}

func variantKeys() []string {
	keys := make([]string, len(packVariants))
	for i, v := range packVariants {
		keys[i] = v.Key
	}
	return keys
}

// packFormat is a download of a pack: its format= value, its name for a reader, the
// file's extension and media type.
type packFormat struct{ Key, Label, Ext, Type string }

// packFormats are the downloads of a pack.
var packFormats = []packFormat{
	{"docx", "Word (.docx)", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"csv", "Spreadsheet (.csv, opens in Excel)", "csv", "text/csv; charset=utf-8"},
	{"md", "Markdown (.md)", "md", "text/markdown; charset=utf-8"},
}

// pack is an evidence pack: a row per intervention, and what the whole pack states.
type pack struct {
	Rows    []packRow
	Variant packVariant
	Version string // the dataset version it was made from
	Made    string // the day it was made, YYYY-MM-DD
	URL     string // its page, absolute
}

// packRow is one intervention as a row of the plan.
type packRow struct {
	ID         string
	Activity   string
	Page       string // its page, absolute
	Statement  string // the evidence summary's plain-language account
	Citations  []citation
	More       int    // studies in the review about it beyond those cited
	Challenges string // as the user entered them, normalised; "" when none
}

// citation is a study cited by author and year, linked to its page.
type citation struct {
	Label string // "Lindsay & Strand (2013)"
	Path  string // its page
	URL   string // the same, absolute
}

// span is a run of a paragraph's text, a link when it has an address.
type span struct {
	Text string
	Path string // a link within the site, for the page
	URL  string // the same absolute, or an outside address, for the downloads
}

// para is a paragraph of an evidence cell; a check is an item of the checklist.
type para struct {
	Spans []span
	Check bool
}

// checkBox marks an unticked item of a checklist, in every format.
const checkBox = "☐"

// evidence is the evidence cell of a row, paragraph by paragraph: every format writes
// these and nothing else, so the page and the downloads say the same.
func (p *pack) evidence(r packRow) []para {
	t := func(s string) span { return span{Text: s} }
	out := []para{{Spans: []span{t(r.Statement)}}}
	studies := []span{t("Studies in the review: ")}
	if len(r.Citations) == 0 {
		studies = []span{t("No study in the review is about it directly; its "), {Text: "page in the evidence base", URL: r.Page},
			t(" gives the evidence notes and their sources.")}
	}
	for i, c := range r.Citations {
		if i > 0 {
			studies = append(studies, t("; "))
		}
		studies = append(studies, span{Text: c.Label, Path: c.Path, URL: c.URL})
	}
	if r.More > 0 {
		studies = append(studies, t(fmt.Sprintf("; and %d more on its ", r.More)), span{Text: "page in the evidence base", URL: r.Page}, t("."))
	} else if len(r.Citations) > 0 {
		studies = append(studies, t("."))
	}
	out = append(out,
		para{Spans: studies},
		para{Spans: []span{t(fmt.Sprintf("The review covers studies published %d–%d; evidence published outside those years is context only.", models.FirstYear, models.LastYear))}},
		para{Spans: []span{
			t(fmt.Sprintf("Context from outside the review: the EEF Teaching and Learning Toolkit gives parental engagement “%s”, %s, %s (", eefToolkit.Impact, eefToolkit.Cost, eefToolkit.Evidence)),
			{Text: "its page", URL: eefToolkit.Page}, t(", as read on " + eefToolkit.ReadOn + "; the figure changes as the Toolkit is updated)."),
		}},
		para{Spans: []span{
			t(fmt.Sprintf("Checklist from the EEF guidance report “%s” (%d; ", eefGuidance.Title, eefGuidance.Year)),
			{Text: "page", URL: eefGuidance.Page}, t(" read on " + eefGuidance.ReadOn + "): tick the recommendations this activity follows."),
		}},
	)
	for _, rec := range eefGuidance.Recommendations {
		out = append(out, para{Spans: []span{t(rec)}, Check: true})
	}
	return out
}

// evidenceText is the evidence cell as plain text, a paragraph a line, with the address
// of each link after it: the CSV's cell.
func (p *pack) evidenceText(r packRow) string {
	lines := make([]string, 0, 10)
	for _, pa := range p.evidence(r) {
		var b strings.Builder
		if pa.Check {
			b.WriteString(checkBox + " ")
		}
		for _, s := range pa.Spans {
			b.WriteString(s.Text)
			if s.URL != "" {
				b.WriteString(" <" + s.URL + ">")
			}
		}
		lines = append(lines, b.String())
	}
	return strings.Join(lines, "\n")
}

// packRequest is a pack's query, checked.
type packRequest struct {
	ids        shortlist
	challenges []string // one per id, "" where none was entered
	variant    packVariant
	format     string // "" for the page
}

// challengeToken is one challenge number as a statement numbers them: "3", "3a", "C2",
// or a range, "2-4".
var challengeToken = regexp.MustCompile(`^[A-Za-z0-9]{1,8}([-–][A-Za-z0-9]{1,8})?$`)

// maxChallengeChars bounds what one intervention's challenges may hold.
const maxChallengeChars = 60

func parsePackRequest(u *url.URL) (packRequest, error) {
	var r packRequest
	raw, err := planningQuery(u, []string{"challenges"}, "ids", "variant", "format")
	if err != nil {
		return r, err
	}
	ids, err := pickIDs(raw, 1, maxShortlist)
	if err != nil {
		return r, err
	}
	r.ids = ids
	r.variant = packVariants[0]
	if raw.Has("variant") {
		key := raw.Get("variant")
		i := slices.IndexFunc(packVariants, func(v packVariant) bool { return v.Key == key })
		if i < 0 {
			return r, models.Invalid("variant", fmt.Sprintf("%q is not a plan this page lays out", key), variantKeys()...)
		}
		r.variant = packVariants[i]
	}
	if raw.Has("format") {
		r.format = raw.Get("format")
		if !slices.ContainsFunc(packFormats, func(f packFormat) bool { return f.Key == r.format }) {
			keys := make([]string, len(packFormats))
			for i, f := range packFormats {
				keys[i] = f.Key
			}
			return r, models.Invalid("format", fmt.Sprintf("%q is not a download of the pack", r.format), keys...)
		}
	}
	r.challenges, err = parseChallenges(raw["challenges"], len(ids))
	return r, err
}

// parseChallenges reads the challenge numbers an intervention addresses, in the order of
// ids: one challenges parameter per intervention (the page's form sends one for each), or
// one value with the interventions' entries separated by bars, "1, 3||2" (the page's
// links; a semicolon would be no separator in a query).
// An entry is challenge numbers separated by commas or spaces.
func parseChallenges(values []string, n int) ([]string, error) {
	entries := values
	if len(values) == 1 && strings.Contains(values[0], "|") {
		entries = strings.Split(values[0], "|")
	}
	if len(entries) > n {
		return nil, models.Invalid("challenges", fmt.Sprintf("gives %d entries for %d interventions: one entry per intervention, in the order of ids", len(entries), n))
	}
	out := make([]string, n)
	for i, e := range entries {
		if len(e) > maxChallengeChars {
			return nil, models.Invalid("challenges", fmt.Sprintf("entry %d is longer than %d characters", i+1, maxChallengeChars))
		}
		tokens := strings.FieldsFunc(e, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		for _, tok := range tokens {
			if !challengeToken.MatchString(tok) {
				return nil, models.Invalid("challenges", fmt.Sprintf("%q (entry %d) is not a challenge number: numbers such as 1, 3a or 2-4, separated by commas", tok, i+1))
			}
		}
		out[i] = strings.Join(tokens, ", ")
	}
	return out, nil
}

// query is the pack's address query, in canonical form, with a format ("" for the page).
func (r packRequest) query(format string) string {
	q := "ids=" + r.ids.String()
	if c := strings.TrimRight(strings.Join(r.challenges, "|"), "|"); c != "" {
		c = url.QueryEscape(strings.ReplaceAll(c, ", ", ","))
		q += "&challenges=" + strings.ReplaceAll(readable(c), "%7C", "|")
	}
	if r.variant.Key != packVariants[0].Key {
		q += "&variant=" + r.variant.Key
	}
	if format != "" {
		q += "&format=" + format
	}
	return q
}

// buildPack makes the pack of a request from a snapshot.
func buildPack(c *gin.Context, cat *catalog.Catalog, r packRequest, recs []*catalog.InterventionRecord) *pack {
	base := httpio.BaseURL(c.Request)
	p := &pack{Variant: r.variant, Version: cat.Version(), Made: today(), URL: base + packPath + "?" + r.query("")}
	for i, d := range recs {
		iv := d.Intervention
		cites, more := packCitations(d)
		row := packRow{
			ID: iv.ID, Activity: iv.Name, Page: base + interventionPath(iv.ID),
			Statement: cat.EvidenceSummary(&iv).Statement, More: more, Challenges: r.challenges[i],
		}
		for _, st := range cites {
			row.Citations = append(row.Citations, citation{Label: shortCite(st), Path: studyPath(st.ID), URL: base + studyPath(st.ID)})
		}
		p.Rows = append(p.Rows, row)
	}
	return p
}

// packCitations are the studies an evidence cell cites, at most maxCitations: first those
// behind the evidence items — impact evaluations in the review's window, then the other
// items in it, then those outside it — then the intervention's other studies, newest
// first. more counts the studies left out.
func packCitations(d *catalog.InterventionRecord) (cites []models.Study, more int) {
	byID := map[string]models.Study{}
	for _, st := range d.Studies {
		byID[st.ID] = st
	}
	rank := func(e models.Evidence) int {
		switch {
		case e.Window == "in" && e.Kind == "impact":
			return 0
		case e.Window == "in":
			return 1
		}
		return 2
	}
	items := slices.Clone(d.Intervention.Evidence)
	slices.SortStableFunc(items, func(a, b models.Evidence) int { return rank(a) - rank(b) })
	var ordered []models.Study
	seen := map[string]bool{}
	for _, e := range items {
		if e.StudyID == nil || seen[*e.StudyID] {
			continue
		}
		if st, ok := byID[*e.StudyID]; ok {
			ordered, seen[st.ID] = append(ordered, st), true
		}
	}
	rest := slices.DeleteFunc(slices.Clone(d.Studies), func(st models.Study) bool { return seen[st.ID] })
	slices.SortStableFunc(rest, byYear)
	ordered = append(ordered, rest...)
	if len(ordered) > maxCitations {
		return ordered[:maxCitations], len(ordered) - maxCitations
	}
	return ordered, 0
}

// packView is the pack's page: options and downloads on screen, and the rows as printed
// pages.
type packView struct {
	layout
	Pack      *pack
	Pages     []packPage
	Shortlist shortlistView
	Variants  []choice
	Inputs    []challengeInput
	IDs       string
	Downloads []exportLink
	Columns   [3]string
}

// packPage is one row as its printed page.
type packPage struct {
	Row      packRow
	Blocks   []packBlock
	Position int // 1-based, for "2 of 3"
}

// packBlock is a paragraph of the evidence cell, or the checklist's items together.
type packBlock struct {
	Para  para
	Items []para // the checklist, when set
}

// challengeInput is the field for one intervention's challenge numbers.
type challengeInput struct {
	ID, Name, Value string
}

// packPage answers the pack: its page, or a download in format=.
func (s *Site) packPage(c *gin.Context) {
	cat := s.snapshot(c)
	r, err := parsePackRequest(c.Request.URL)
	if err != nil {
		s.webFail(c, err)
		return
	}
	recs, err := records(cat, r.ids)
	if err != nil {
		s.webFail(c, err)
		return
	}
	p := buildPack(c, cat, r, recs)
	madeToday(c) // a pack states the day it was made
	if r.format != "" {
		s.packDownload(c, p, r.format)
		return
	}
	_, sl := resolveShortlist(cat, r.ids, func(o shortlist) string {
		if len(o) == 0 {
			return finderURL(o)
		}
		return packURL(o)
	})
	title := fmt.Sprintf("Evidence pack: %s", plural(len(p.Rows), "intervention", "interventions"))
	v := packView{
		layout: s.layout(c, cat.Version(), title, "", ""), Pack: p, Shortlist: sl, IDs: r.ids.String(), Columns: packColumns,
	}
	for _, vt := range packVariants {
		v.Variants = append(v.Variants, choice{Value: vt.Key, Label: vt.Label, Selected: vt.Key == r.variant.Key})
	}
	for i, row := range p.Rows {
		v.Inputs = append(v.Inputs, challengeInput{ID: "challenges-" + row.ID, Name: row.Activity, Value: r.challenges[i]})
		page := packPage{Row: row, Position: i + 1}
		for _, pa := range p.evidence(row) {
			if pa.Check {
				if last := len(page.Blocks) - 1; last >= 0 && page.Blocks[last].Items != nil {
					page.Blocks[last].Items = append(page.Blocks[last].Items, pa)
				} else {
					page.Blocks = append(page.Blocks, packBlock{Items: []para{pa}})
				}
				continue
			}
			page.Blocks = append(page.Blocks, packBlock{Para: pa})
		}
		v.Pages = append(v.Pages, page)
	}
	for _, f := range packFormats {
		v.Downloads = append(v.Downloads, exportLink{Label: f.Label, URL: packPath + "?" + r.query(f.Key)})
	}
	s.render(c, http.StatusOK, "pack", v)
}

// packDownload answers the pack as a file, named after the dataset version and the day.
func (s *Site) packDownload(c *gin.Context, p *pack, format string) {
	i := slices.IndexFunc(packFormats, func(f packFormat) bool { return f.Key == format })
	f := packFormats[i]
	var body []byte
	var err error
	switch format {
	case "md":
		body = []byte(p.markdown())
	case "csv":
		body, err = p.csv()
	case "docx":
		body, err = p.docx()
	}
	if err != nil {
		s.webFail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="evidence-pack-%s-%s.%s"`, p.Version, p.Made, f.Ext))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, f.Type, body)
}
