package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Agents that read the web (AI assistants, crawlers that feed them) are served each
// record page as Markdown too: its twin, at the page's address with ".md" appended
// (/studies/mol-2008.md, /interventions/triple-p.md), as the llms.txt proposal has it. A
// twin is a plain link, so /llms.txt can point to one and any client can fetch it, with no
// header to set. It says what the page says, in the page's order and words: nothing is
// added but the evidence items' reference facts and the studies' full references, which
// are fields of the same records. Record ids are slugs, so "x.md" is never an id.

// markdownSuffix ends the address of a record page's Markdown twin.
const markdownSuffix = ".md"

// markdownType is the media type of the Markdown twins (RFC 7763).
const markdownType = "text/markdown; charset=utf-8"

func studyPath(id string) string        { return "/studies/" + url.PathEscape(id) }
func interventionPath(id string) string { return "/interventions/" + url.PathEscape(id) }

// recordURLs are a record page's canonical address (absolute, with no query) and the path
// of its Markdown twin.
func recordURLs(c *gin.Context, path string) (canonical, markdown string) {
	return httpio.BaseURL(c.Request) + path, path + markdownSuffix
}

// withTwin answers a record route: the page, or its Markdown twin when the id ends in .md.
func withTwin(page gin.HandlerFunc, twin func(*gin.Context, string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := strings.CutSuffix(c.Param("id"), markdownSuffix); ok {
			twin(c, id)
			return
		}
		page(c)
	}
}

// writeMarkdown ends a Markdown twin with the footer its page has (the dataset's version
// and the page's address), and answers it, naming its page as the canonical address.
func writeMarkdown(c *gin.Context, b *mdWriter, version, canonical string) {
	b.footer(version, canonical)
	c.Header("Link", "<"+canonical+`>; rel="canonical"`)
	c.Data(http.StatusOK, markdownType, []byte(b.String()))
}

// studyMarkdown is a study page as Markdown.
func (s *Site) studyMarkdown(c *gin.Context, id string) {
	cat := s.snapshot(c)
	d, citation, ok := s.studyOf(c, cat, id)
	if !ok {
		return
	}
	base := httpio.BaseURL(c.Request)
	canonical := base + studyPath(d.Study.ID)
	st := d.Study
	var b mdWriter
	b.heading(1, st.Title)
	byline := mdText(strings.Join(st.Authors, "; ")) + " (" + strconv.Itoa(st.Year) + ")"
	if st.Venue != nil {
		byline += ". " + mdText(*st.Venue)
	}
	b.para(byline)

	b.heading(2, "Summary")
	b.para(mdText(st.Summary))
	b.heading(2, "Key findings")
	if len(st.KeyFindings) == 0 {
		b.para("No findings of this study are summarised here; the summary says what it covered.")
	}
	for _, f := range st.KeyFindings {
		b.item(mdText(f))
	}
	b.end()

	b.heading(2, "About the study")
	design := mdText(labelOf("design", st.Design))
	if note := describe("design", st.Design); note != "" {
		design += " — " + mdText(note)
	}
	b.fact("Design", design)
	b.fact("School stage", mdText(labelOf("stage", st.Stage)))
	b.fact("Country", mdText(labelOf("country", st.Country)))
	b.fact("Publication", mdText(label("type", st.Type)))
	b.fact("Sample size", orNotStated(st.SampleSize != nil, func() string { return formatInt(*st.SampleSize) }))
	b.fact("Effect size", orNotStated(st.EffectSize != nil, func() string {
		es := strconv.FormatFloat(*st.EffectSize, 'g', -1, 64) // as the page prints it
		if st.EffectSizeMeasure != nil {
			es += " (" + mdText(*st.EffectSizeMeasure) + ")"
		}
		return es
	}))
	if st.DOI != nil {
		b.fact("DOI", mdLink(*st.DOI, "https://doi.org/"+*st.DOI))
	}
	if st.URL != nil {
		b.fact("Read it", mdLink("Full text or publisher's page", *st.URL))
	}
	b.end()

	b.heading(2, "Tags")
	b.fact("Themes", tagNames(d.Themes, func(t models.Theme) (string, bool) { return t.Name, t.Provisional }, "None"))
	b.fact("Strands of activity (the strands the evidence informs)", tagNames(d.Strands, func(t models.Strand) (string, bool) { return t.Name, t.Provisional }, "None"))
	b.fact("Families studied", tagNames(d.Disadvantages, func(t models.DisadvantageFocus) (string, bool) { return t.Name, false }, "No particular group"))
	b.end()

	b.heading(2, "Interventions it evaluates")
	if len(d.Interventions) == 0 {
		b.para("This study is not linked to a named intervention in the review.")
	}
	for _, iv := range d.Interventions {
		b.item(mdLink(iv.Name, base+interventionPath(iv.ID)+markdownSuffix) + " — " +
			mdText(labelOf("stage", iv.Stage)) + " · " + mdText(labelOf("setting", iv.Setting)))
	}
	b.end()

	b.heading(2, "Cite this study")
	b.para("Reference (APA style): " + mdText(citation))
	api := base + httpio.APIPath(studyPath(d.Study.ID))
	var downloads []string
	for _, e := range studyReferenceFormats {
		downloads = append(downloads, mdLink(e.label, api+"?format="+e.format))
	}
	b.para("Download the reference as " + strings.Join(downloads, ", ") + ".")

	b.heading(2, "Sources")
	b.addresses("The title, authors and year were checked against:", st.VerifiedIn)
	writeMarkdown(c, &b, cat.Version(), canonical)
}

// interventionMarkdown is an intervention page as Markdown, with each evidence item's
// reference fact and the full reference of each study about it.
func (s *Site) interventionMarkdown(c *gin.Context, id string) {
	cat := s.snapshot(c)
	d, ok := s.interventionOf(c, cat, c.Request.URL.Query(), id)
	if !ok {
		return
	}
	card := newCard(d, cat.EvidenceSummary(&d.Intervention))
	iv := card.Intervention
	base := httpio.BaseURL(c.Request)
	canonical := base + interventionPath(iv.ID)
	var b mdWriter
	b.heading(1, iv.Name)
	if len(iv.Aliases) > 0 {
		b.para("Also known as " + mdText(strings.Join(iv.Aliases, "; ")))
	}

	b.heading(2, "What it is")
	b.para(mdText(iv.Summary))
	if iv.Origin != nil {
		b.para("**Origin:** " + mdText(*iv.Origin))
	}

	b.heading(2, "Who it is for")
	withNote := func(field string, v *string) string {
		out := mdText(labelOf(field, v))
		if note := describe(field, v); note != "" {
			out += " — " + mdText(note)
		}
		return out
	}
	b.fact("School stage", withNote("stage", iv.Stage))
	b.fact("Where it happens", withNote("setting", iv.Setting))
	b.fact("Families it was aimed at", tagNames(card.Disadvantages, func(t models.DisadvantageFocus) (string, bool) { return t.Name, false }, "No particular group"))
	if iv.CountryOfOrigin != nil {
		b.fact("Country of origin", mdText(*iv.CountryOfOrigin))
	}
	b.end()

	b.heading(2, "Themes and strands")
	b.fact("Themes", tagNames(card.Themes, func(t models.Theme) (string, bool) { return t.Name, t.Provisional }, "None"))
	b.fact("Strands of activity", tagNames(card.Strands, func(t models.Strand) (string, bool) { return t.Name, t.Provisional }, "None"))
	b.end()

	b.heading(2, "What the evidence says")
	sum := card.EvidenceSummary
	if sum.ImpactStudies > 0 {
		b.para("**" + plural(sum.ImpactStudies, "impact evaluation", "impact evaluations") + "** in this review")
	} else {
		b.para("**No impact evaluation** in this review")
	}
	for _, r := range sum.ByResult {
		b.item(mdText(label("result", r.Value)) + ": **" + strconv.Itoa(r.Count) + "**")
	}
	b.end()
	b.para(mdText(sum.Statement))
	b.para(mdLink("How this summary is made", base+"/about#cards"))

	b.heading(3, "All evidence notes")
	for i, n := range card.Notes {
		b.line(strconv.Itoa(i+1) + ". " + guardStart(mdText(n.Finding)))
		b.line("   - Kind: " + mdText(label("kind", n.Kind)))
		if n.Result != nil {
			b.line("   - Result: " + mdText(label("result", *n.Result)))
		}
		window := label("window", n.Window)
		if n.Window != "in" {
			window += ": context only"
		}
		b.line("   - When: " + mdText(window))
		if n.ResultFact != nil {
			b.line("   - Reference fact: " + mdText(*n.ResultFact))
		}
		if n.Study != nil {
			b.line("   - Study: " + mdLink(shortCite(*n.Study), base+studyPath(n.Study.ID)+markdownSuffix) + ", " + mdText(labelOf("design", n.Study.Design)))
		} else if n.Design != nil {
			b.line("   - Design: " + mdText(label("design", *n.Design)))
		}
	}
	b.end()

	b.heading(2, "Studies in the review about it")
	if len(card.Studies) == 0 {
		b.para("None of the review's studies is about it directly. The evidence notes come from the sources below.")
	}
	for _, st := range card.Studies {
		ref, err := apaReference(st)
		if err != nil {
			s.webFail(c, err)
			return
		}
		b.item(mdLink(st.Title, base+studyPath(st.ID)+markdownSuffix) + " — " + mdText(shortCite(st)) + " · " + mdText(labelOf("design", st.Design)))
		b.line("  - Reference (APA style): " + mdText(ref))
	}
	b.end()

	b.heading(2, "Sources")
	if iv.URL != nil {
		b.para("Programme or evaluation page: " + mdURL(*iv.URL))
	}
	b.addresses("The facts on this page were checked against:", iv.VerifiedIn)
	writeMarkdown(c, &b, cat.Version(), canonical)
}

// orNotStated is the value made by f, or "Not stated" as the page says when it is missing.
func orNotStated(ok bool, f func() string) string {
	if !ok {
		return "Not stated"
	}
	return f()
}

// tagNames lists vocabulary values by name, each provisional one marked as on the page.
func tagNames[T any](tags []T, name func(T) (string, bool), none string) string {
	if len(tags) == 0 {
		return none
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		n, provisional := name(t)
		out[i] = mdText(n)
		if provisional {
			out[i] += " (provisional)"
		}
	}
	return strings.Join(out, ", ")
}

// mdWriter builds a Markdown document: headings and paragraphs separated by blank lines,
// list items on lines of their own (end closes a list).
type mdWriter struct {
	strings.Builder
	inList bool
}

func (w *mdWriter) block(s string) {
	w.end()
	if w.Len() > 0 {
		w.WriteString("\n")
	}
	w.WriteString(s + "\n")
}

func (w *mdWriter) heading(level int, text string) {
	w.block(strings.Repeat("#", level) + " " + mdText(text))
}

// para writes a paragraph; its text is guarded (see guardStart).
func (w *mdWriter) para(s string) { w.block(guardStart(s)) }

// line writes a line of the current list.
func (w *mdWriter) line(s string) {
	if !w.inList {
		w.block(s)
		w.inList = true
		return
	}
	w.WriteString(s + "\n")
}

func (w *mdWriter) item(s string)           { w.line("- " + guardStart(s)) }
func (w *mdWriter) fact(name, value string) { w.item(name + ": " + value) }
func (w *mdWriter) end()                    { w.inList = false }

// addresses writes a paragraph, lead, and the list of web addresses it introduces.
func (w *mdWriter) addresses(lead string, urls []string) {
	w.para(lead)
	for _, u := range urls {
		w.item(mdURL(u))
	}
	w.end()
}

func (w *mdWriter) footer(version, page string) {
	w.block("---")
	w.block("Dataset version " + version + ". The page for people: " + page)
}

// mdEscaper escapes the characters that would make Markdown of plain text: emphasis,
// links, code, HTML and the backslash itself.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)

// mdText is plain text, on one line, as Markdown that reads as the same words: nothing in
// it becomes emphasis, a link, code or HTML. (A line that starts with it is guarded by
// the writer, so it starts no heading, list or table either.)
func mdText(s string) string { return mdEscaper.Replace(oneLine(s)) }

// guardStart keeps a line of text from starting a block it does not mean: a heading, a
// setext underline, a list ("- …", "2014. …"), a table row.
func guardStart(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '-', '+', '=', '|':
		return `\` + s
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
		return s[:i] + `\` + s[i:]
	}
	return s
}

// mdLink is a link with plain text; a destination with spaces or parentheses is written
// in angle brackets.
func mdLink(text, dest string) string {
	if strings.ContainsAny(dest, " ()<>") {
		dest = "<" + strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20").Replace(dest) + ">"
	}
	return "[" + mdText(text) + "](" + dest + ")"
}

// provisionalNote says how many theme and strand names are ours, "" when none is.
func provisionalNote(cat *catalog.Catalog) string {
	themes, strands := 0, 0
	for _, t := range cat.Themes() {
		if t.Theme.Provisional {
			themes++
		}
	}
	for _, st := range cat.Strands() {
		if st.Provisional {
			strands++
		}
	}
	if themes+strands == 0 {
		return ""
	}
	return fmt.Sprintf(" %d of the %d themes and %d of the %d strands have names of ours, marked provisional: "+
		"the review's own could not be recovered.", themes, len(cat.Themes()), strands, len(cat.Strands()))
}

// mdURL is an address shown as itself: an autolink, or a link when it cannot be one.
func mdURL(u string) string {
	if strings.ContainsAny(u, " <>") {
		return mdLink(u, u)
	}
	return "<" + u + ">"
}

// llmsTxt answers /llms.txt: what the evidence base is, for an AI assistant or an agent,
// and where to read it — the docs, the OpenAPI document, the main endpoints with an
// example each, the Markdown twins and the MCP server. Examples name records of the current
// snapshot, so every link in it answers.
func (s *Site) llmsTxt(c *gin.Context) {
	cat := s.snapshot(c)
	if _, err := httpio.ParseParams(c.Request.URL.Query()); err != nil {
		httpio.WriteError(c, s.log, err)
		return
	}
	base := httpio.BaseURL(c.Request)
	api := func(path string) string { return base + httpio.APIPath(path) }
	nStudies, nInterventions := cat.Size()
	var b mdWriter
	b.heading(1, "Parental engagement: what works")
	b.block("> " + fmt.Sprintf("A live evidence base of the review \"Parental Engagement: What Works?\": %s published %d–%d "+
		"on parental and family engagement in children's learning, and %s they evaluate, each tagged by theme, strand "+
		"of government activity and the disadvantaged group it concerns. Each study's title, authors and year were "+
		"checked against the public sources it lists; a field the sources do not give is null, never guessed. Each "+
		"intervention's evidence summary is computed from its typed evidence items, null and negative results included.",
		plural(nStudies, "study", "studies"), models.FirstYear, models.LastYear, plural(nInterventions, "intervention", "interventions")))
	b.para("Reading needs no key. The JSON API is at " + api("") + " (CORS-open, paginated, with ETags); every " +
		"page for people has the same data as JSON (\"View as data\"), and every study and intervention page has a " +
		"Markdown twin: its address with \".md\" appended. Cite a study by its page address and the dataset version " +
		"(`" + cat.Version() + "` now), which every answer carries." + provisionalNote(cat))

	exampleStudy, exampleIntervention := "", ""
	if p, err := cat.Studies(catalog.Query{PerPage: 1}); err == nil && len(p.Items) > 0 {
		exampleStudy = p.Items[0].ID
	}
	if p, err := cat.Interventions(catalog.Query{PerPage: 1, Sort: "-study_count,name"}); err == nil && len(p.Items) > 0 {
		exampleIntervention = p.Items[0].ID
	}
	group := ""
	if ds := cat.Disadvantages(); len(ds) > 0 {
		group = ds[0].Slug
	}

	b.heading(2, "Docs")
	b.item(mdLink("API documentation", base+"/docs/") + ": interactive reference of every endpoint and parameter")
	b.item(mdLink("OpenAPI document", base+"/openapi.yaml") + ": the contract (OpenAPI 3.0); also as JSON at " + base + "/openapi.json")
	b.item(mdLink("About this evidence base", base+"/about") + ": the review, how the evidence was gathered, the vocabularies and which labels are provisional")
	b.item(mdLink("Glossary", api("/glossary")) + ": plain-language meanings of designs, stages, settings, publication types, strands and the evidence kinds, results and windows")

	b.heading(2, "API endpoints")
	b.item(mdLink("Index", api("")) + ": every resource with a link, and the dataset version")
	b.item(mdLink("Search studies", api("/studies?"+url.Values{"q": {`"dialogic reading"`}}.Encode())) +
		": ranked full-text search (`q`), a filter grammar (`filter=field:value,…`), `sort`, `page`, `facets`")
	b.item(mdLink("Filter studies", api("/studies?"+url.Values{"filter": {"design:RCT|quasi-experimental,year:2010-2014"}, "sort": {"-year"}}.Encode())) +
		": every filterable field and its values are listed at " + api("/vocabularies"))
	if exampleStudy != "" {
		b.item(mdLink("One study", api(studyPath(exampleStudy))) + ": a record with its themes, strands, groups and interventions")
		b.item(mdLink("Cite a study", api(studyPath(exampleStudy)+"?format=bibtex")) + ": `format=` bibtex, ris, csl-json or apa; the same on a study list exports every match")
	}
	if group != "" {
		b.item(mdLink("Find interventions", api("/interventions?"+url.Values{"filter": {"disadvantage:" + group + ",stage:primary"}}.Encode())) +
			": interventions by the disadvantaged group, stage, setting and theme, each with its evidence summary")
	}
	if exampleIntervention != "" {
		b.item(mdLink("One intervention", api(interventionPath(exampleIntervention))) + ": its evidence items (kind, result, window, reference fact) and the studies that evaluate it")
	}
	b.item(mdLink("Evidence-gap map", api("/evidence-map?rows=theme&cols=strand")) + ": how many studies cross two dimensions; empty cells are flagged as gaps")

	b.heading(2, "Pages as Markdown")
	if exampleStudy != "" {
		b.item(mdLink("A study as Markdown", base+studyPath(exampleStudy)+markdownSuffix) + ": any /studies/{id} page with .md appended")
	}
	if exampleIntervention != "" {
		b.item(mdLink("An intervention as Markdown", base+interventionPath(exampleIntervention)+markdownSuffix) + ": any /interventions/{id} page with .md appended")
	}

	b.heading(2, "MCP")
	b.para("The same evidence as Model Context Protocol tools (search studies, get a study, find interventions, " +
		"get an intervention, the evidence-gap map, cite, the glossary), read-only:")
	b.item("stdio, for a desktop assistant: run `evidence-kb mcp -db kb.db`")
	b.item("Streamable HTTP, on this server: `POST " + base + "/mcp`")
	b.end()

	b.heading(2, "Optional")
	b.item(mdLink("The whole dataset", api("/dataset")) + ": every record in one JSON document, for reproducible analyses")
	b.item(mdLink("Coverage statistics", api("/stats")) + ": counts per tag and how complete DOIs, sample sizes and effect sizes are")
	b.item(mdLink("Problem types", base+httpio.ProblemsPath) + ": what each error the API answers with means")
	b.item(mdLink("unAPI", base+"/unapi") + ": each study as RIS, BibTeX or CSL-JSON, for reference managers")
	b.end()
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}
