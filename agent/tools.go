package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The tools' names.
const (
	ToolSearchStudies     = "search_studies"
	ToolGetStudy          = "get_study"
	ToolFindInterventions = "find_interventions"
	ToolGetIntervention   = "get_intervention"
	ToolEvidenceMap       = "evidence_map"
	ToolCite              = "cite"
	ToolGlossary          = "glossary"
)

// Tools lists the tools' names, in the order the server lists them.
var Tools = []string{ToolSearchStudies, ToolGetStudy, ToolFindInterventions, ToolGetIntervention, ToolEvidenceMap, ToolCite, ToolGlossary}

// Defaults and bounds of the tools' arguments.
const (
	DefaultStudyLimit        = 10
	DefaultInterventionLimit = 20
	MaxLimit                 = catalog.MaxPerPage
	MaxCiteIDs               = 100
)

// addTool registers a read-only tool whose input and output schemas are inferred from its
// Go types by the SDK's schema package, as mcp.AddTool infers them (the input's then
// tightened by tweak: enums, bounds, defaults). The handler checks the arguments against
// the input schema, applying its defaults, and reads one snapshot; its errors become tool
// errors naming the argument, and a panic in it a tool error too, logged.
//
// It is registered with Server.AddTool rather than mcp.AddTool, which decodes every
// result it is given back from JSON and checks it against the output schema before
// encoding it again: work that cost twice the query itself on a search at 100,000
// studies, for a result whose type is the schema's own (the tests check every result
// against its schema). The answer is what mcp.AddTool makes of it: the JSON as structured
// content, and the same JSON as text.
func addTool[In, Out any](a *agent, s *mcp.Server, name, title, description string, tweak func(props map[string]*jsonschema.Schema),
	run func(ctx context.Context, c call, in In) (Out, error)) {
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("agent: input schema of %s: %v", name, err))
	}
	if tweak != nil {
		tweak(in.Properties)
	}
	inResolved, err := in.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		panic(fmt.Sprintf("agent: input schema of %s: %v", name, err))
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil || out.Type != "object" {
		panic(fmt.Sprintf("agent: output schema of %s: %v", name, err))
	}
	arguments := in.PropertyOrder
	s.AddTool(&mcp.Tool{
		Name:         name,
		Title:        title,
		Description:  description,
		InputSchema:  schemaJSON(in),
		OutputSchema: schemaJSON(out),
		Annotations:  &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)},
	}, func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		defer func() {
			if v := recover(); v != nil {
				a.opts.Logger.Error("mcp tool panicked", "tool", name, "value", v, "stack", string(debug.Stack()))
				res, err = toolFailure("the evidence base could not answer this call; it has been logged"), nil
			}
		}()
		input, problem := decodeArguments[In](req.Params.Arguments, inResolved, arguments)
		if problem != "" {
			return toolFailure(problem), nil
		}
		output, err := run(ctx, a.newCall(ctx), input)
		if err != nil {
			return toolFailure(a.toolError(name, err).Error()), nil
		}
		b, err := json.Marshal(output)
		if err != nil {
			return nil, fmt.Errorf("encode the result of %s: %w", name, err)
		}
		// the structured result, and the same JSON as text for clients of protocol versions
		// without structured results, as the specification asks; a client that reads
		// structuredContent gets a list's digest as text instead (see digester)
		text := string(b)
		if d, ok := any(output).(digester); ok && readsStructuredContent(ctx, req) {
			text = d.digest()
		}
		return &mcp.CallToolResult{StructuredContent: json.RawMessage(b), Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil
	})
}

// decodeArguments reads a call's arguments: a JSON object that the input schema admits,
// with the schema's defaults applied. A problem is worded as the tools' errors are.
func decodeArguments[In any](raw json.RawMessage, schema *jsonschema.Resolved, arguments []string) (In, string) {
	var in In
	args := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return in, "the arguments are not a JSON object: " + err.Error()
		}
	}
	if err := schema.ApplyDefaults(&args); err != nil {
		return in, argumentProblem(`validating "arguments": `+err.Error(), arguments)
	}
	if err := schema.Validate(args); err != nil {
		return in, argumentProblem(`validating "arguments": `+err.Error(), arguments)
	}
	b, err := json.Marshal(args)
	if err == nil {
		err = json.Unmarshal(b, &in)
	}
	if err != nil {
		return in, "the arguments do not fit this tool: " + err.Error()
	}
	return in, ""
}

// schemaJSON is a schema as the JSON the server lists. The SDK reads a tool's input schema
// again on requests of recent protocol versions (for header annotations): from JSON, not
// from the schema's own encoder.
func schemaJSON(s *jsonschema.Schema) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

func toolFailure(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func (a *agent) addTools(s *mcp.Server) {
	addTool(a, s, ToolSearchStudies, "Search studies",
		"Search and filter the review's studies (published 2008–2014). Returns hits with id, title, authors, year, design, country, a snippet and the study's page URL, ranked by relevance when q is given (else newest first). "+
			"The same query as GET /api/v1/studies (list_url), so the hits are the API's, in the API's order. Get a whole record with get_study, and citations with cite.",
		func(p map[string]*jsonschema.Schema) {
			bound(p["limit"], 1, MaxLimit, DefaultStudyLimit)
			bound(p["page"], 1, catalog.MaxPage, 1)
		},
		a.searchStudies)
	addTool(a, s, ToolGetStudy, "Get a study",
		"One study as the evidence base holds it: bibliographic fields (null where the source does not give them), summary, key findings, design, sample and effect size where stated, its themes, strands, disadvantage focus, the interventions it evaluates, its APA reference and its sources (verified_in).",
		nil, a.getStudy)
	addTool(a, s, ToolFindInterventions, "Find interventions",
		"The intervention finder: programmes and strategies for a disadvantaged group, school stage, setting, theme or strand, each with its evidence summary (a plain-language statement and the counts it is computed from) and how many studies in the review evaluate it. "+
			"A programme for all stages counts under each stage. The same query as GET /api/v1/interventions (list_url). Read one intervention's evidence items with get_intervention.",
		func(p map[string]*jsonschema.Schema) {
			enum(p["stage"], models.Stages...)
			enum(p["setting"], models.Settings...)
			bound(p["limit"], 1, MaxLimit, DefaultInterventionLimit)
			bound(p["page"], 1, catalog.MaxPage, 1)
		},
		a.findInterventions)
	addTool(a, s, ToolGetIntervention, "Get an intervention",
		"One intervention with its typed evidence items (kind, result, the review window it falls in, the reference fact a result is read from, the study it comes from) and its evidence summary, computed from those items: quote summary.statement for how strong the evidence is.",
		nil, a.getIntervention)
	addTool(a, s, ToolEvidenceMap, "Evidence map",
		"The evidence-gap map: studies counted in every cell of two crossed dimensions (theme, strand, disadvantage, design, stage, year), over the studies a filter and search select. Zero cells are gaps, kept because a gap is the point. Each cell gives the filter that lists its studies with search_studies.",
		func(p map[string]*jsonschema.Schema) {
			enum(p["rows"], catalog.MapDimensions...)
			setDefault(p["rows"], "theme")
			enum(p["cols"], catalog.MapDimensions...)
			setDefault(p["cols"], "strand")
		},
		a.evidenceMap)
	addTool(a, s, ToolCite, "Cite studies",
		"Citations of studies, through the same exporters as the API's downloads: apa (an APA 7th reference list, one a line), bibtex, ris or csl-json. Citation keys are the API's, made over the whole dataset.",
		func(p map[string]*jsonschema.Schema) {
			ids := p["ids"]
			ids.Type, ids.Types = "array", nil
			ids.MinItems, ids.MaxItems = new(1), new(MaxCiteIDs)
			enum(p["style"], citeStyles...)
			setDefault(p["style"], "apa")
		},
		a.cite)
	addTool(a, s, ToolGlossary, "Glossary",
		"Plain-language definitions of the evidence base's terms: study designs (RCT, quasi-experimental, …), school stages, settings, publication types, the evidence items' kinds, results and windows, and the themes, strands and disadvantage-focus groups. Give a term (a value such as RCT, or a label) for its definition; leave it out for every entry.",
		nil, a.glossary)
}

// bound gives an integer argument its range and default.
func bound(s *jsonschema.Schema, lo, hi, def int) {
	s.Minimum, s.Maximum = new(float64(lo)), new(float64(hi))
	setDefault(s, def)
}

func enum(s *jsonschema.Schema, values ...string) {
	s.Enum = nil
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
}

func setDefault(s *jsonschema.Schema, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	s.Default = b
}

// ---- search_studies

// SearchStudiesInput is a study search, in the API's grammar.
type SearchStudiesInput struct {
	Q      string `json:"q,omitempty" jsonschema:"Full-text search over titles, authors, summaries and findings: words (stemmed, case- and accent-insensitive), \"phrases\", prefix*, AND, OR, NOT, -word, parentheses. Abbreviations find their phrases (EAL, SEND, FSM, LAC, GRT, ESOL…)."`
	Filter string `json:"filter,omitempty" jsonschema:"Filter in the API's grammar: field:value clauses joined by commas are ANDed; a|b is OR, !a negates, numbers take 2010-2014, >100, <=0.2, and null matches a missing value. Fields: theme, strand, disadvantage, design, stage, country, type, year, sample_size, effect_size, has_doi, has_url, has_sample_size, has_effect_size, author, doi, id, intervention (an intervention id, or intervention.setting:home). Example: theme:family-learning,design:RCT|quasi-experimental,disadvantage:eal"`
	Sort   string `json:"sort,omitempty" jsonschema:"Sort keys, comma-separated, - for descending: year, title, author, sample_size, effect_size, id, relevance (with q). Default: relevance when searching, else -year,title."`
	Limit  int    `json:"limit,omitempty" jsonschema:"How many hits to return."`
	Page   int    `json:"page,omitempty" jsonschema:"Which page of limit hits (offset paging reaches 10,000 hits)."`
}

// StudyHit is a study in search results.
type StudyHit struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Authors []string `json:"authors"`
	Year    int      `json:"year"`
	Design  *string  `json:"design" jsonschema:"the study's design; null when the source does not state it"`
	Country *string  `json:"country" jsonschema:"null when the source does not state it"`
	Snippet string   `json:"snippet" jsonschema:"the passage the search matched, matched words in **bold**; without a search, the summary's first sentence"`
	PageURL string   `json:"page_url" jsonschema:"the study's page, for people (get_study gives its API URL and resource URI)"`
}

// StudySearch is a page of study search results.
type StudySearch struct {
	Total      int         `json:"total" jsonschema:"studies matching the query"`
	Page       int         `json:"page"`
	NextPage   *int        `json:"next_page" jsonschema:"the next page's number; null on the last page"`
	Hits       []StudyHit  `json:"hits"`
	DidYouMean *DidYouMean `json:"did_you_mean" jsonschema:"a correction of q, when a word of it matched nothing and the corrected search finds studies; null otherwise. The hits are always the search as asked"`
	ListURL    string      `json:"list_url" jsonschema:"the same query in the JSON API"`
	Meta       Meta        `json:"meta"`
}

// DidYouMean is a correction of a search, offered beside its results, never in their
// place, as the API offers it.
type DidYouMean struct {
	Q     string `json:"q" jsonschema:"the corrected search, to send as q"`
	Total int    `json:"total" jsonschema:"how many records it finds, with the same filter"`
}

func didYouMean(s *catalog.Suggestion) *DidYouMean {
	if s == nil {
		return nil
	}
	return &DidYouMean{Q: s.Query, Total: s.Total}
}

func (a *agent) searchStudies(ctx context.Context, c call, in SearchStudiesInput) (StudySearch, error) {
	paging, err := catalog.NewPaging(in.Page, in.Limit)
	if err != nil {
		return StudySearch{}, err
	}
	qctx, cancel := c.queryContext(ctx)
	defer cancel()
	res, err := c.cat.Studies(catalog.Query{Context: qctx, Filter: in.Filter, Search: in.Q, Sort: in.Sort, Page: paging.Page, PerPage: paging.PerPage})
	c.release()
	if err != nil {
		return StudySearch{}, err
	}
	out := StudySearch{Total: res.Total, Page: paging.Page, Hits: make([]StudyHit, len(res.Items)), DidYouMean: didYouMean(res.DidYouMean), Meta: c.meta(),
		ListURL: c.apiURL("/studies", listQuery(in.Filter, in.Q, in.Sort, paging))}
	if next := paging.Page + 1; paging.End() < res.Total && paging.End()+paging.PerPage <= catalog.MaxOffset {
		out.NextPage = &next
	}
	for i, st := range res.Items {
		var hit *catalog.Hit
		if res.Matches != nil {
			hit = &res.Matches[i]
		}
		out.Hits[i] = StudyHit{ID: st.ID, Title: st.Title, Authors: st.Authors, Year: st.Year, Design: st.Design, Country: st.Country,
			Snippet: snippet(st, hit), PageURL: c.studyPage(st.ID)}
	}
	return out, nil
}

// listQuery is a list request's parameters as the API takes them.
func listQuery(filter, q, sort string, paging catalog.Paging) url.Values {
	v := url.Values{}
	for name, value := range map[string]string{"filter": filter, "q": q, "sort": sort} {
		if value != "" {
			v.Set(name, value)
		}
	}
	v.Set("page", strconv.Itoa(paging.Page))
	v.Set("per_page", strconv.Itoa(paging.PerPage))
	return v
}

// snippetFields are the fields whose highlighted passage makes a hit's snippet, best first.
var snippetFields = []string{"summary", "key_findings", "title"}

// snippet is the passage a search matched, as plain text with the matched words in bold
// (the engine escapes the text and adds only <mark>), or the summary's first sentence.
func snippet(st models.Study, hit *catalog.Hit) string {
	if hit != nil {
		for _, f := range snippetFields {
			if h := hit.Highlights[f]; h != "" {
				return html.UnescapeString(markBold.Replace(h))
			}
		}
	}
	return firstSentence(st.Summary)
}

var markBold = strings.NewReplacer("<mark>", "**", "</mark>", "**")

// firstSentence is the text up to its first full stop, or its first 40 words.
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' && (i+1 == len(s) || s[i+1] == ' ') && i > 20 {
			return s[:i+1]
		}
	}
	words := strings.Fields(s)
	if len(words) > 40 {
		return strings.Join(words[:40], " ") + " …"
	}
	return s
}

// ---- get_study

// GetStudyInput names a study.
type GetStudyInput struct {
	ID string `json:"id" jsonschema:"The study's id, such as lindsay-2008 (search_studies gives ids)."`
}

// Tag is a theme, strand or disadvantage-focus value a record carries.
type Tag struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Provisional bool    `json:"provisional" jsonschema:"true when the name is the curators', not the review's"`
	Note        *string `json:"note" jsonschema:"why a provisional name is ours; null otherwise"`
}

// InterventionRef is an intervention named from another record.
type InterventionRef struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Stage   *string `json:"stage"`
	Setting *string `json:"setting"`
	PageURL string  `json:"page_url"`
}

// StudyRef is a study named from another record.
type StudyRef struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Authors []string `json:"authors"`
	Year    int      `json:"year"`
	Design  *string  `json:"design"`
	PageURL string   `json:"page_url"`
}

// StudyRecord is one study with what it links to.
type StudyRecord struct {
	Study             models.Study      `json:"study" jsonschema:"the study as the evidence base holds it; a null field is one the source does not give"`
	Themes            []Tag             `json:"themes"`
	Strands           []Tag             `json:"strands"`
	DisadvantageFocus []Tag             `json:"disadvantage_focus"`
	Interventions     []InterventionRef `json:"interventions" jsonschema:"the interventions the study evaluates"`
	CitationAPA       string            `json:"citation_apa" jsonschema:"its APA 7th reference, from the same fields"`
	PageURL           string            `json:"page_url"`
	APIURL            string            `json:"api_url"`
	URI               string            `json:"uri"`
	Meta              Meta              `json:"meta"`
}

func (a *agent) getStudy(_ context.Context, c call, in GetStudyInput) (StudyRecord, error) {
	if err := httpio.ValidID(models.KindStudy, in.ID); err != nil {
		return StudyRecord{}, err
	}
	return c.studyRecord(in.ID)
}

func (c call) studyRecord(id string) (StudyRecord, error) {
	d, err := c.cat.Study(id)
	if err != nil {
		return StudyRecord{}, err
	}
	var apa bytes.Buffer
	enc := export.NewAPA(&apa)
	if err := enc.Encode(d.Study); err != nil {
		return StudyRecord{}, err
	}
	if err := enc.Close(); err != nil {
		return StudyRecord{}, err
	}
	out := StudyRecord{Study: d.Study, Themes: tags(d.Themes, themeTag), Strands: tags(d.Strands, strandTag), DisadvantageFocus: tags(d.Disadvantages, disadvantageTag),
		Interventions: []InterventionRef{}, CitationAPA: strings.TrimSpace(apa.String()),
		PageURL: c.studyPage(id), APIURL: c.studyAPI(id), URI: studyURI(id), Meta: c.meta()}
	for _, iv := range d.Interventions {
		out.Interventions = append(out.Interventions, InterventionRef{ID: iv.ID, Name: iv.Name, Stage: iv.Stage, Setting: iv.Setting, PageURL: c.interventionPage(iv.ID)})
	}
	return out, nil
}

// tags are a record's values of one vocabulary, each made a Tag by tag.
func tags[V any](values []V, tag func(V) Tag) []Tag {
	out := make([]Tag, len(values))
	for i, v := range values {
		out[i] = tag(v)
	}
	return out
}

func themeTag(t models.Theme) Tag {
	return Tag{Slug: t.Slug, Name: t.Name, Provisional: t.Provisional, Note: t.Note}
}

func strandTag(s models.Strand) Tag {
	return Tag{Slug: s.Slug, Name: s.Name, Provisional: s.Provisional, Note: s.Note}
}

func disadvantageTag(d models.DisadvantageFocus) Tag { return Tag{Slug: d.Slug, Name: d.Name} }

// ---- find_interventions

// FindInterventionsInput is the intervention finder's questions.
type FindInterventionsInput struct {
	Disadvantage string `json:"disadvantage,omitempty" jsonschema:"The families it is for, a disadvantage-focus slug: low-income, area-deprivation, persistent-poverty, multiple-disadvantage, minority-ethnic, eal, migrant, gypsy-roma-traveller, additional-support-needs, looked-after, teenage-parents, lone-parents, fathers, low-parental-education, hard-to-reach (the glossary tool lists them with their meaning)."`
	Stage        string `json:"stage,omitempty" jsonschema:"School stage; a programme for all stages counts under each stage."`
	Setting      string `json:"setting,omitempty" jsonschema:"Where it happens."`
	Theme        string `json:"theme,omitempty" jsonschema:"A theme slug: supporting-vulnerable-families, supporting-the-home-learning-environment, engaging-with-fathers, family-learning, parenting-support, home-school-partnership."`
	Strand       string `json:"strand,omitempty" jsonschema:"A strand slug: direct-support-for-parents, mainstreaming-in-education-system, services-shaped-by-parents, information-for-parents."`
	Q            string `json:"q,omitempty" jsonschema:"Keywords, searched in names, aliases, summaries and evidence (the study search's grammar)."`
	Sort         string `json:"sort,omitempty" jsonschema:"Sort keys: name, study_count, id, relevance (with q); - for descending. Default: name, or relevance when searching."`
	Limit        int    `json:"limit,omitempty" jsonschema:"How many interventions to return."`
	Page         int    `json:"page,omitempty"`
}

// InterventionHit is an intervention the finder found, with its evidence summary.
type InterventionHit struct {
	ID                string                 `json:"id"`
	Name              string                 `json:"name"`
	Stage             *string                `json:"stage" jsonschema:"null when the source does not say"`
	Setting           *string                `json:"setting" jsonschema:"null when the source does not say"`
	DisadvantageFocus []string               `json:"disadvantage_focus"`
	Themes            []string               `json:"themes"`
	StudyCount        int                    `json:"study_count" jsonschema:"studies in the review linked to it"`
	EvidenceSummary   models.EvidenceSummary `json:"evidence_summary" jsonschema:"computed from its typed evidence items, never typed in: statement says in words what the counts say"`
	PageURL           string                 `json:"page_url"`
	APIURL            string                 `json:"api_url"`
	URI               string                 `json:"uri"`
}

// InterventionList is a page of the finder's answers.
type InterventionList struct {
	Total         int               `json:"total"`
	Page          int               `json:"page"`
	NextPage      *int              `json:"next_page" jsonschema:"null on the last page"`
	Filter        string            `json:"filter" jsonschema:"the finder's questions in the API's filter grammar"`
	Interventions []InterventionHit `json:"interventions"`
	DidYouMean    *DidYouMean       `json:"did_you_mean" jsonschema:"a correction of q, when a word of it matched nothing and the corrected search finds interventions; null otherwise"`
	Note          *string           `json:"note" jsonschema:"a rule the answer follows, when one applies"`
	ListURL       string            `json:"list_url" jsonschema:"the same query in the JSON API"`
	FinderURL     string            `json:"finder_url" jsonschema:"the same choices on the finder page, for people"`
	Meta          Meta              `json:"meta"`
}

const stageRule = "A programme for all stages is a programme for each stage: interventions whose stage is \"all\" are included."

func (a *agent) findInterventions(ctx context.Context, c call, in FindInterventionsInput) (InterventionList, error) {
	vocab := c.cat.Vocabulary()
	slugs := func(n int, at func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = at(i)
		}
		return out
	}
	questions := []struct {
		arg, value, what string
		valid            []string
	}{
		{"disadvantage", in.Disadvantage, "disadvantage-focus group", slugs(len(vocab.Disadvantages), func(i int) string { return vocab.Disadvantages[i].Slug })},
		{"stage", in.Stage, "school stage", models.Stages},
		{"setting", in.Setting, "setting", models.Settings},
		{"theme", in.Theme, "theme", slugs(len(vocab.Themes), func(i int) string { return vocab.Themes[i].Slug })},
		{"strand", in.Strand, "strand", slugs(len(vocab.Strands), func(i int) string { return vocab.Strands[i].Slug })},
	}
	var clauses []string
	finder := url.Values{}
	for _, qn := range questions {
		v := strings.TrimSpace(qn.value)
		if v == "" {
			continue
		}
		i := slices.IndexFunc(qn.valid, func(s string) bool { return strings.EqualFold(s, v) })
		if i < 0 {
			return InterventionList{}, models.Invalid(qn.arg, fmt.Sprintf("%q is not a %s", v, qn.what), qn.valid...)
		}
		clauses = append(clauses, qn.arg+":"+qn.valid[i])
		finder.Set(qn.arg, qn.valid[i])
	}
	filter := strings.Join(clauses, ",")
	paging, err := catalog.NewPaging(in.Page, in.Limit)
	if err != nil {
		return InterventionList{}, err
	}
	qctx, cancel := c.queryContext(ctx)
	defer cancel()
	res, err := c.cat.Interventions(catalog.Query{Context: qctx, Filter: filter, Search: in.Q, Sort: in.Sort, Page: paging.Page, PerPage: paging.PerPage})
	c.release()
	if err != nil {
		return InterventionList{}, err
	}
	if in.Q != "" {
		finder.Set("q", in.Q)
	}
	out := InterventionList{Total: res.Total, Page: paging.Page, Filter: filter, Interventions: make([]InterventionHit, len(res.Items)), DidYouMean: didYouMean(res.DidYouMean),
		ListURL: c.apiURL("/interventions", listQuery(filter, in.Q, in.Sort, paging)), FinderURL: c.base + "/", Meta: c.meta()}
	if len(finder) > 0 {
		out.FinderURL += "?" + finder.Encode()
	}
	if in.Stage != "" && !strings.EqualFold(in.Stage, "all") {
		out.Note = new(stageRule)
	}
	if next := paging.Page + 1; paging.End() < res.Total && paging.End()+paging.PerPage <= catalog.MaxOffset {
		out.NextPage = &next
	}
	for i, iv := range res.Items {
		out.Interventions[i] = InterventionHit{ID: iv.ID, Name: iv.Name, Stage: iv.Stage, Setting: iv.Setting,
			DisadvantageFocus: iv.DisadvantageFocus, Themes: iv.Themes, StudyCount: c.cat.StudyCount(iv.ID),
			EvidenceSummary: c.cat.EvidenceSummary(&iv), PageURL: c.interventionPage(iv.ID), APIURL: c.interventionAPI(iv.ID), URI: interventionURI(iv.ID)}
	}
	return out, nil
}

// ---- get_intervention

// GetInterventionInput names an intervention.
type GetInterventionInput struct {
	ID string `json:"id" jsonschema:"The intervention's id, such as triple-p (find_interventions gives ids)."`
}

// EvidenceItem is one typed finding about an intervention.
type EvidenceItem struct {
	Finding     string    `json:"finding" jsonschema:"the finding, in the curators' words"`
	Kind        string    `json:"kind" jsonschema:"impact (a measured effect on outcomes), process, review or description"`
	KindLabel   string    `json:"kind_label"`
	Result      *string   `json:"result" jsonschema:"an impact item's result: positive, mixed, no-effect, negative or not-reported; null for other kinds"`
	ResultLabel *string   `json:"result_label"`
	ResultFact  *string   `json:"result_fact" jsonschema:"the reference fact the result is read from, as the reference states it; null when no result is stated"`
	Window      string    `json:"window" jsonschema:"in: published inside the review window 2008–2014; before or after: outside it, context only"`
	WindowLabel string    `json:"window_label"`
	Study       *StudyRef `json:"study" jsonschema:"the study in the review the item reports; null when it reports none in the review"`
	Design      *string   `json:"design" jsonschema:"with no study in the review: the design of the evaluation the item reports, where the reference names it; null otherwise (a study's design is in study)"`
}

// InterventionRecord is one intervention with its evidence.
type InterventionRecord struct {
	ID                string                 `json:"id"`
	Name              string                 `json:"name"`
	Aliases           []string               `json:"aliases"`
	Origin            *string                `json:"origin" jsonschema:"null when the source does not say"`
	CountryOfOrigin   *string                `json:"country_of_origin" jsonschema:"null when the source does not say"`
	Summary           string                 `json:"summary"`
	Stage             *string                `json:"stage"`
	Setting           *string                `json:"setting"`
	Themes            []Tag                  `json:"themes"`
	Strands           []Tag                  `json:"strands"`
	DisadvantageFocus []Tag                  `json:"disadvantage_focus"`
	URL               *string                `json:"url" jsonschema:"the programme's own site; null when the source gives none"`
	VerifiedIn        []string               `json:"verified_in" jsonschema:"the sources the record's facts were checked in"`
	EvidenceSummary   models.EvidenceSummary `json:"evidence_summary" jsonschema:"computed from the evidence items; quote statement for how strong the evidence is"`
	Evidence          []EvidenceItem         `json:"evidence"`
	Studies           []StudyRef             `json:"studies" jsonschema:"the studies in the review that evaluate it"`
	PageURL           string                 `json:"page_url"`
	APIURL            string                 `json:"api_url"`
	URI               string                 `json:"uri"`
	Meta              Meta                   `json:"meta"`
}

func (a *agent) getIntervention(_ context.Context, c call, in GetInterventionInput) (InterventionRecord, error) {
	if err := httpio.ValidID(models.KindIntervention, in.ID); err != nil {
		return InterventionRecord{}, err
	}
	return c.interventionRecord(in.ID)
}

func (c call) interventionRecord(id string) (InterventionRecord, error) {
	d, err := c.cat.Intervention(id)
	if err != nil {
		return InterventionRecord{}, err
	}
	iv := d.Intervention
	out := InterventionRecord{ID: iv.ID, Name: iv.Name, Aliases: iv.Aliases, Origin: iv.Origin, CountryOfOrigin: iv.CountryOfOrigin,
		Summary: iv.Summary, Stage: iv.Stage, Setting: iv.Setting,
		Themes: tags(d.Themes, themeTag), Strands: tags(d.Strands, strandTag), DisadvantageFocus: tags(d.Disadvantages, disadvantageTag),
		URL: iv.URL, VerifiedIn: iv.VerifiedIn, EvidenceSummary: c.cat.EvidenceSummary(&iv),
		Evidence: make([]EvidenceItem, len(iv.Evidence)), Studies: []StudyRef{},
		PageURL: c.interventionPage(id), APIURL: c.interventionAPI(id), URI: interventionURI(id), Meta: c.meta()}
	for _, st := range d.Studies {
		out.Studies = append(out.Studies, c.studyRef(st))
	}
	for i, e := range iv.Evidence {
		item := EvidenceItem{Finding: e.Finding, Kind: e.Kind, KindLabel: label("kind", e.Kind), Result: e.Result, ResultFact: e.ResultFact,
			Window: e.Window, WindowLabel: label("window", e.Window), Design: e.Design}
		if e.Result != nil {
			item.ResultLabel = new(label("result", *e.Result))
		}
		if e.StudyID != nil {
			if sd, err := c.cat.Study(*e.StudyID); err == nil {
				item.Study = new(c.studyRef(sd.Study))
			}
		}
		out.Evidence[i] = item
	}
	return out, nil
}

func (c call) studyRef(st models.Study) StudyRef {
	return StudyRef{ID: st.ID, Title: st.Title, Authors: st.Authors, Year: st.Year, Design: st.Design, PageURL: c.studyPage(st.ID)}
}

// label is a value's plain-language label from the glossary, or the value itself.
func label(field, value string) string {
	if l, ok := models.GlossaryLabel(field, value); ok {
		return l
	}
	return value
}

// ---- evidence_map

// EvidenceMapInput is the map's two dimensions, and the studies it counts.
type EvidenceMapInput struct {
	Rows   string `json:"rows,omitempty" jsonschema:"The row dimension."`
	Cols   string `json:"cols,omitempty" jsonschema:"The column dimension; not the same as rows."`
	Filter string `json:"filter,omitempty" jsonschema:"Which studies to count, in search_studies' filter grammar."`
	Q      string `json:"q,omitempty" jsonschema:"Full-text search narrowing the studies counted, as in search_studies."`
}

// MapCell is one cell of the evidence map.
type MapCell struct {
	Row    string `json:"row"`
	Col    string `json:"col"`
	Count  int    `json:"count"`
	Gap    bool   `json:"gap" jsonschema:"true when no study is in the cell"`
	Filter string `json:"filter" jsonschema:"pass it (with q, if any) to search_studies to list the cell's studies"`
}

// EvidenceMap is the evidence-gap map.
type EvidenceMap struct {
	Rows      string              `json:"rows"`
	Cols      string              `json:"cols"`
	RowValues []models.FacetValue `json:"row_values" jsonschema:"each row value with its label and how many of the studies carry it"`
	ColValues []models.FacetValue `json:"col_values"`
	Cells     []MapCell           `json:"cells"`
	Total     int                 `json:"total" jsonschema:"studies counted; a study with several values counts in each of their rows or columns"`
	Gaps      int                 `json:"gaps" jsonschema:"cells with no study"`
	APIURL    string              `json:"api_url" jsonschema:"the same map in the JSON API"`
	Meta      Meta                `json:"meta"`
}

func (a *agent) evidenceMap(_ context.Context, c call, in EvidenceMapInput) (EvidenceMap, error) {
	rows, cols := orDefault(in.Rows, "theme"), orDefault(in.Cols, "strand")
	m, err := c.cat.CrossTab(rows, cols, in.Filter, in.Q)
	c.release()
	if err != nil {
		return EvidenceMap{}, err
	}
	q := url.Values{"rows": {rows}, "cols": {cols}}
	if in.Filter != "" {
		q.Set("filter", in.Filter)
	}
	if in.Q != "" {
		q.Set("q", in.Q)
	}
	out := EvidenceMap{Rows: rows, Cols: cols, RowValues: m.Rows, ColValues: m.Cols, Total: m.Total,
		Cells: make([]MapCell, 0, len(m.Rows)*len(m.Cols)), APIURL: c.apiURL("/evidence-map", q), Meta: c.meta()}
	prefix := ""
	if strings.TrimSpace(in.Filter) != "" {
		prefix = in.Filter + ","
	}
	for i, r := range m.Rows {
		for j, col := range m.Cols {
			n := m.Cells[i][j]
			if n == 0 {
				out.Gaps++
			}
			out.Cells = append(out.Cells, MapCell{Row: r.Value, Col: col.Value, Count: n, Gap: n == 0,
				Filter: prefix + rows + ":" + filterValue(r.Value) + "," + cols + ":" + filterValue(col.Value)})
		}
	}
	return out, nil
}

// filterValue quotes a value the filter grammar would otherwise split (a design such as
// "mixed methods" is fine; a comma or bar is not).
func filterValue(v string) string {
	if strings.ContainsAny(v, ",|\"") {
		return strconv.Quote(v)
	}
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ---- cite

// citeStyles are the citation styles cite writes, each through its exporter.
var citeStyles = []string{"apa", "bibtex", "ris", "csl-json"}

// mediaTypes are the styles' media types, as the API's downloads send them.
var mediaTypes = map[string]string{
	"apa":      "text/x-bibliography",
	"bibtex":   "application/x-bibtex",
	"ris":      "application/x-research-info-systems",
	"csl-json": "application/vnd.citationstyles.csl+json",
}

// CiteInput names studies and a citation style.
type CiteInput struct {
	IDs   []string `json:"ids" jsonschema:"The ids of the studies to cite, in the order wanted."`
	Style string   `json:"style,omitempty" jsonschema:"apa: an APA 7th reference list, one a line; bibtex; ris (EndNote, Zotero); csl-json (an array of CSL items)."`
}

// Citations are studies' citations in one style.
type Citations struct {
	Style     string   `json:"style"`
	MediaType string   `json:"media_type" jsonschema:"the media type the text is in, as the API's downloads send it"`
	Text      string   `json:"text" jsonschema:"the citations, exactly as the exporter wrote them"`
	IDs       []string `json:"ids" jsonschema:"the studies cited, in order, each once"`
	PageURLs  []string `json:"page_urls" jsonschema:"their pages, in the same order"`
	Meta      Meta     `json:"meta"`
}

func (a *agent) cite(_ context.Context, c call, in CiteInput) (Citations, error) {
	style := orDefault(in.Style, "apa")
	if !slices.Contains(citeStyles, style) {
		return Citations{}, models.Invalid("style", fmt.Sprintf("%q is not a citation style", style), citeStyles...)
	}
	if len(in.IDs) == 0 || len(in.IDs) > MaxCiteIDs {
		return Citations{}, models.Invalid("ids", fmt.Sprintf("name between 1 and %d study ids", MaxCiteIDs))
	}
	var studies []models.Study
	out := Citations{Style: style, MediaType: mediaTypes[style], IDs: []string{}, PageURLs: []string{}, Meta: c.meta()}
	for i, id := range in.IDs {
		arg := fmt.Sprintf("ids[%d]", i)
		if slices.Contains(out.IDs, id) {
			continue
		}
		if err := httpio.ValidID(models.KindStudy, id); err != nil {
			return Citations{}, models.Invalid(arg, fmt.Sprintf("%q is not a study id (ids are lower-case words joined by hyphens, such as lindsay-2008)", id))
		}
		d, err := c.cat.Study(id)
		if err != nil {
			return Citations{}, models.Invalid(arg, fmt.Sprintf("no study with id %q", id))
		}
		studies = append(studies, d.Study)
		out.IDs = append(out.IDs, id)
		out.PageURLs = append(out.PageURLs, c.studyPage(id))
	}
	var buf bytes.Buffer
	var enc export.Encoder[models.Study]
	switch style {
	case "apa":
		enc = export.NewAPA(&buf)
	case "bibtex":
		enc = export.NewBibTeX(&buf, citationKeys(c.cat))
	case "ris":
		enc = export.NewRIS(&buf, citationKeys(c.cat))
	default:
		enc = export.NewCSLJSON(&buf, citationKeys(c.cat))
	}
	for _, st := range studies {
		if err := enc.Encode(st); err != nil {
			return Citations{}, err
		}
	}
	if err := enc.Close(); err != nil {
		return Citations{}, err
	}
	out.Text = buf.String()
	return out, nil
}

// citationKeys are the citation keys of the snapshot cat, made once per snapshot and shared
// with the API's exports: a study has the same key in a citation from either.
func citationKeys(cat *catalog.Catalog) export.Keys {
	return catalog.Derived(cat, export.KeysName, func() export.Keys { return export.NewKeys(cat.Dataset().Studies) })
}

// ---- glossary

// GlossaryInput is a term to define.
type GlossaryInput struct {
	Term string `json:"term,omitempty" jsonschema:"A value or label to define, such as RCT, quasi-experimental, no-effect, eal or Engaging with Fathers; leave it out for the whole glossary."`
}

// GlossaryEntry is one term in plain words.
type GlossaryEntry struct {
	Field       string `json:"field" jsonschema:"the field the term is a value of: design, stage, setting, type, strand, kind, result, window, theme or disadvantage"`
	Value       string `json:"value"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Provisional bool   `json:"provisional" jsonschema:"true when the label is the curators', not the review's"`
}

// Glossary is the entries a term matched, or all of them.
type Glossary struct {
	Term    *string         `json:"term" jsonschema:"the term asked for; null when the whole glossary was asked for"`
	Entries []GlossaryEntry `json:"entries"`
	Meta    Meta            `json:"meta"`
}

func (a *agent) glossary(_ context.Context, c call, in GlossaryInput) (Glossary, error) {
	vocab := c.cat.Vocabulary()
	var all []GlossaryEntry
	for _, sec := range models.Glossary(vocab.Strands) {
		for _, t := range sec.Terms {
			all = append(all, GlossaryEntry{Field: sec.Field, Value: t.Value, Label: t.Label, Description: t.Description, Provisional: t.Provisional})
		}
	}
	for _, t := range vocab.Themes {
		all = append(all, GlossaryEntry{Field: "theme", Value: t.Slug, Label: t.Name, Description: t.Description, Provisional: t.Provisional})
	}
	for _, d := range vocab.Disadvantages {
		all = append(all, GlossaryEntry{Field: "disadvantage", Value: d.Slug, Label: d.Name, Description: d.Description})
	}
	out := Glossary{Entries: all, Meta: c.meta()}
	term := strings.TrimSpace(in.Term)
	if term == "" {
		return out, nil
	}
	out.Term = &term
	match := func(ok func(e GlossaryEntry) bool) []GlossaryEntry {
		var m []GlossaryEntry
		for _, e := range all {
			if ok(e) {
				m = append(m, e)
			}
		}
		return m
	}
	fold := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	t := fold(strings.ReplaceAll(term, "_", "-"))
	out.Entries = match(func(e GlossaryEntry) bool { return fold(e.Value) == t || fold(e.Label) == t })
	if len(out.Entries) == 0 && utf8.RuneCountInString(t) >= 3 {
		out.Entries = match(func(e GlossaryEntry) bool {
			return strings.Contains(fold(e.Value), t) || strings.Contains(fold(e.Label), t)
		})
	}
	if len(out.Entries) == 0 {
		return Glossary{}, models.Invalid("term", fmt.Sprintf("no glossary entry matches %q; call glossary without a term for all %d entries (fields: design, stage, setting, type, strand, kind, result, window, theme, disadvantage)", term, len(all)))
	}
	return out, nil
}

// digester is a list result that words itself as a short text: what was found, and each
// item's name, date or design and page, one line each. A client that reads a result's
// structuredContent has every field there; the text is what a person or a model skims,
// at a third of the JSON's size, which a search answers with on every call.
type digester interface{ digest() string }

func (r StudySearch) digest() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Studies found: %d (page %d%s). Every field is in structuredContent.\n", r.Total, r.Page, nextPageNote(r.NextPage))
	if r.DidYouMean != nil {
		fmt.Fprintf(&b, "Did you mean %q? Studies it finds: %d.\n", r.DidYouMean.Q, r.DidYouMean.Total)
	}
	for i, h := range r.Hits {
		fmt.Fprintf(&b, "%d. %s (%s, %d; %s) %s\n", i+1, h.Title, firstAuthor(h.Authors), h.Year, orNotStated(h.Design), h.PageURL)
	}
	return b.String()
}

func (r InterventionList) digest() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Interventions found: %d (page %d%s). Every field, with each evidence summary, is in structuredContent.\n", r.Total, r.Page, nextPageNote(r.NextPage))
	if r.DidYouMean != nil {
		fmt.Fprintf(&b, "Did you mean %q? Interventions it finds: %d.\n", r.DidYouMean.Q, r.DidYouMean.Total)
	}
	for i, h := range r.Interventions {
		fmt.Fprintf(&b, "%d. %s (studies in the review: %d) %s\n", i+1, h.Name, h.StudyCount, h.PageURL)
	}
	return b.String()
}

func nextPageNote(next *int) string {
	if next == nil {
		return ", the last"
	}
	return fmt.Sprintf("; page %d has more", *next)
}

func firstAuthor(authors []string) string {
	switch len(authors) {
	case 0:
		return "no author recorded"
	case 1:
		return authors[0]
	}
	return authors[0] + " et al."
}

func orNotStated(design *string) string {
	if design == nil {
		return "design not stated"
	}
	return *design
}
