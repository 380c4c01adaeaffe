package web_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/web"
)

// The render test reads every page a person can be shown, for every record of the shipped
// dataset, as that person reads it: each page must show the record's own words where it
// puts them, and none may show a program's internals. Printing a Go value is no error to
// the template engine, so only reading the page finds it: the intervention pages once said
// "{3 [{mixed methods 1} {pre-post 2}] …}" under "What it is".

// leak is a shape a program's internals take in a page's text.
type leak struct {
	what string
	re   *regexp.Regexp
}

var leaks = []leak{
	// fmt's default format: {3 [{mixed methods 1}] …}, &{…}, {}, []; prose here has no
	// braces but the problem pages' "{field, reason, valid}", which has commas
	{"a Go struct or slice", regexp.MustCompile(`\{\d|\[\{|\}\]|&\{|\{[^{},]*\}|\[\]`)},
	{"a Go map", regexp.MustCompile(`map\[`)},
	{"a nil or missing value", regexp.MustCompile(`<nil>|<no value>`)},
	{"a fmt verb's complaint", regexp.MustCompile(`%!`)},
	{"a pointer", regexp.MustCompile(`\b0x[0-9a-f]{6,}`)},
	{"a template error", regexp.MustCompile(`template: |executing "|can't evaluate|nil pointer evaluating|wrong type for value`)},
	{"a stack trace", regexp.MustCompile(`goroutine \d|\.go:\d`)},
}

// unsafeMark is what html/template writes for a value it will not put in a URL or an
// attribute; it is in the markup, where no one reads it aloud, so the markup is searched.
var unsafeMark = regexp.MustCompile(`ZgotmplZ`)

// spokenAttrs are the attributes whose words a person reads or hears.
var spokenAttrs = []string{"aria-label", "title", "alt", "placeholder"}

// readable is what a person reads of a page, by eye or by screen reader: its text and the
// words of its labels and titles. A script's text is for programs (the JSON-LD of a study
// page, which citation_test.go reads as JSON), not read.
func readable(doc *html.Node) string {
	var b strings.Builder
	for n := range doc.Descendants() {
		if n.Type == html.TextNode && (n.Parent == nil || n.Parent.DataAtom != atom.Script && n.Parent.DataAtom != atom.Style) {
			b.WriteString(n.Data)
		}
	}
	parts := []string{words(b.String())}
	for n := range doc.Descendants() {
		for _, name := range spokenAttrs {
			if v := attr(n, name); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// words is s as text() reads it from a page: runs of white space as one space.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// logBuffer keeps what the site logs, so a page that failed to render (and was answered
// with an error page) can say why.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns what was logged since the last take.
func (l *logBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// pageReader reads pages of one server and checks what every page must be.
type pageReader struct {
	srv  http.Handler
	logs *logBuffer
}

// newPageReader serves the API and the pages over the shared store as apitest.NewServer
// does, but keeps the pages' log.
func newPageReader(t *testing.T, cfg edge.Config) pageReader {
	t.Helper()
	spec, _ := apitest.Contract(t)
	st := apitest.SharedStore(t)
	logs := &logBuffer{}
	jsonAPI, err := api.Routes(st, api.Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := edge.New(cfg, jsonAPI, web.Routes(st, slog.New(slog.NewTextHandler(logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return pageReader{srv: srv, logs: logs}
}

// read GETs a page that must answer status and checks it: the structure every page has
// (see page), a heading that says something, and nothing of the program's internals.
func (r pageReader) read(t *testing.T, target string, status int) *html.Node {
	t.Helper()
	rec, doc := page(t, r.srv, target)
	if rec.Code != status {
		t.Errorf("GET %s = %d; want %d\npage: %.300s\nlog: %s", target, rec.Code, status, text(find(doc, byID("main"))), r.logs.take())
	}
	checkReadable(t, target, rec.Body.String(), doc)
	return doc
}

// checkReadable fails on a page that shows a program's internals, or has a heading
// with no words.
func checkReadable(t *testing.T, target, body string, doc *html.Node) {
	t.Helper()
	seen := readable(doc)
	for _, l := range leaks {
		if m := l.re.FindStringIndex(seen); m != nil {
			t.Errorf("%s shows %s: %q", target, l.what, seen[max(0, m[0]-60):min(len(seen), m[1]+60)])
		}
	}
	if m := unsafeMark.FindStringIndex(body); m != nil {
		t.Errorf("%s holds a value html/template refused: %q", target, body[max(0, m[0]-60):min(len(body), m[1]+60)])
	}
	for _, h := range findAll(doc, isHeading) {
		if text(h) == "" {
			t.Errorf("%s: <%s> has no words", target, h.Data)
		}
	}
}

// The leak patterns find what fmt and the template engine print for the values a page
// holds, and pass the site's own prose.
func TestLeakPatterns(t *testing.T) {
	stage := "primary"
	for _, v := range []any{
		models.EvidenceSummary{ImpactStudies: 3, ByDesign: []models.SummaryCount{{Value: "RCT", Count: 1}}, Statement: "One trial."},
		models.EvidenceSummary{}, &models.DisadvantageFocus{Slug: "eal"}, []string{}, []models.Theme{{Slug: "x"}},
		map[string]int{"a": 1}, (*models.Study)(nil), &stage, "%!d(string=x)", // what fmt prints for a verb that does not fit
		`template: about.html:101:35: executing "main" at <.Summary>: can't evaluate field Summary`,
	} {
		printed := fmt.Sprint(v)
		if !slices.ContainsFunc(leaks, func(l leak) bool { return l.re.MatchString(printed) }) {
			t.Errorf("%q (%T) is not caught", printed, v)
		}
	}
	for _, prose := range []string{
		"Every problem document carries errors: one {field, reason, valid} per fault.",
		"Lindsay & Strand (2013) [a report] found 0.3 of a standard deviation; 10.1080/10409280701838603.",
	} {
		for _, l := range leaks {
			if l.re.MatchString(prose) {
				t.Errorf("%q is taken for %s", prose, l.what)
			}
		}
	}
}

func labelledBy(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attr(n, "aria-labelledby") == id }
}

// recordPage reads a record's page, which must be headed by the record's name and whose
// section labelled by heading (titled section) must open with the record's summary.
func (r *pageReader) recordPage(t *testing.T, target, name, heading, section, summary string) *html.Node {
	t.Helper()
	doc := r.read(t, target, http.StatusOK)
	if got := text(find(doc, byAtom(atom.H1))); got != words(name) {
		t.Errorf("%s: heading %q; want the record's name %q", target, got, name)
	}
	if got := text(find(find(doc, labelledBy(heading)), byAtom(atom.P))); got != words(summary) {
		t.Errorf("%s: under %q the page says\n\t%q\nwant its summary\n\t%q", target, section, got, words(summary))
	}
	return doc
}

// shippedDataset is the dataset compiled into the binary, which the shared store holds.
func shippedDataset(t *testing.T) *models.Dataset {
	t.Helper()
	d, err := store.ParseValidDataset(store.EmbeddedDataset())
	if err != nil {
		t.Fatalf("the shipped dataset: %v", err)
	}
	return d
}

// Every page type, for every record of the shipped dataset, shows that record's own words
// where the page puts them, and no page shows a Go value, a template error or a stack.
func TestEveryPageReadsAsWords(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	d := shippedDataset(t)
	cat := apitest.SharedStore(t).Catalog()
	interventions := map[string]models.Intervention{}
	for _, iv := range d.Interventions {
		interventions[iv.ID] = iv
	}
	studies := map[string]models.Study{}
	for _, st := range d.Studies {
		studies[st.ID] = st
	}

	t.Run("intervention pages", func(t *testing.T) {
		for _, iv := range d.Interventions {
			target := "/interventions/" + url.PathEscape(iv.ID)
			// "What it is" is the intervention's own description, and only that
			doc := r.recordPage(t, target, iv.Name, "what-heading", "What it is", iv.Summary)
			// the computed evidence summary is stated once, in the evidence section
			statement := words(cat.EvidenceSummary(&iv).Statement)
			if got := text(find(doc, byClass("evidence-statement"))); got != statement {
				t.Errorf("%s: evidence statement %q; want %q", target, got, statement)
			}
			if n := strings.Count(text(doc), statement); n != 1 {
				t.Errorf("%s states its evidence summary %d times; want once", target, n)
			}
			notes := text(find(doc, byClass("notes")))
			for _, e := range iv.Evidence {
				if !strings.Contains(notes, words(e.Finding)) {
					t.Errorf("%s: the evidence notes lack %q", target, e.Finding)
				}
			}
		}
	})

	t.Run("study pages", func(t *testing.T) {
		for _, st := range d.Studies {
			target := "/studies/" + url.PathEscape(st.ID)
			doc := r.recordPage(t, target, st.Title, "summary-heading", "Summary", st.Summary)
			findings := text(find(doc, byClass("findings")))
			for _, f := range st.KeyFindings {
				if !strings.Contains(findings, words(f)) {
					t.Errorf("%s: the key findings lack %q", target, f)
				}
			}
		}
	})

	// A card's lead is the opening of its intervention's own description.
	checkCards := func(t *testing.T, target string, doc *html.Node) int {
		t.Helper()
		cards := findAll(doc, byClass("card"))
		for _, card := range cards {
			id := strings.TrimPrefix(attr(find(card, byAtom(atom.A)), "href"), "/interventions/")
			iv, ok := interventions[id]
			if !ok {
				t.Errorf("%s: a card links to %q, which is no intervention", target, id)
				continue
			}
			if lead := text(find(card, byClass("card-lead"))); lead == "" || !strings.HasPrefix(words(iv.Summary), lead) {
				t.Errorf("%s: the card of %s leads with %q; want the opening of its description", target, id, lead)
			}
			if got, want := text(find(card, byClass("evidence-statement"))), words(cat.EvidenceSummary(&iv).Statement); got != want {
				t.Errorf("%s: the card of %s states %q; want %q", target, id, got, want)
			}
		}
		return len(cards)
	}

	t.Run("finder", func(t *testing.T) {
		if n := checkCards(t, "/", r.read(t, "/", http.StatusOK)); n != len(d.Interventions) {
			t.Errorf("the finder shows %d cards; want every one of the %d interventions", n, len(d.Interventions))
		}
		for _, target := range []string{
			"/?stage=primary&disadvantage=low-income",
			"/?q=reading&sort=studies",
			"/?theme=engaging-with-fathers",
			"/?disadvantage=eal&stage=primary", // no impact evaluation: leads to the studies
			"/?stage=secondary&setting=home&sort=name",
			"/?q=xylophone", // nothing matches
		} {
			checkCards(t, target, r.read(t, target, http.StatusOK))
		}
	})

	t.Run("study search", func(t *testing.T) {
		listed := map[string]bool{}
		for target := "/studies"; target != ""; {
			doc := r.read(t, target, http.StatusOK)
			for _, res := range findAll(doc, byClass("result")) {
				id := strings.TrimPrefix(attr(find(res, byAtom(atom.A)), "href"), "/studies/")
				st, ok := studies[id]
				if !ok {
					t.Errorf("%s lists %q, which is no study", target, id)
					continue
				}
				listed[id] = true
				if got := text(find(res, byAtom(atom.H3))); got != words(st.Title) {
					t.Errorf("%s: %s is listed as %q; want its title", target, id, got)
				}
				if snip := text(find(res, byClass("snippet"))); snip == "" || !strings.HasPrefix(words(st.Summary), snip) {
					t.Errorf("%s: %s is listed with %q; want the opening of its summary", target, id, snip)
				}
			}
			target = ""
			if next := hrefs(doc, func(n *html.Node) bool { return attr(n, "rel") == "next" }); len(next) > 0 {
				target = next[0]
			}
		}
		if len(listed) != len(d.Studies) {
			t.Errorf("the study search's pages list %d studies; want all %d", len(listed), len(d.Studies))
		}
		for _, target := range []string{
			"/studies?q=fathers",
			"/studies?q=reading&design=RCT&sort=newest",
			"/studies?disadvantage=eal&stage=primary",
			"/studies?theme=parenting-support&year=2012&year=2013&sort=title",
			"/studies?q=xylophone",
		} {
			doc := r.read(t, target, http.StatusOK)
			for _, res := range findAll(doc, byClass("result")) {
				if text(find(res, byClass("snippet"))) == "" {
					t.Errorf("%s: %q is listed with no words of its own", target, text(find(res, byAtom(atom.H3))))
				}
			}
		}
	})

	t.Run("evidence map", func(t *testing.T) {
		for _, rows := range catalog.MapDimensions {
			for _, cols := range catalog.MapDimensions {
				if rows != cols {
					r.read(t, "/evidence-map?"+url.Values{"rows": {rows}, "cols": {cols}}.Encode(), http.StatusOK)
				}
			}
		}
		r.read(t, "/evidence-map", http.StatusOK)
		r.read(t, "/evidence-map?rows=disadvantage&cols=design&q=reading", http.StatusOK)
		r.read(t, "/evidence-map?theme=engaging-with-fathers&design=RCT&design=qualitative", http.StatusOK)
	})

	t.Run("about", func(t *testing.T) {
		about := text(r.read(t, "/about", http.StatusOK))
		var descriptions []string
		for _, th := range d.Themes {
			descriptions = append(descriptions, th.Description)
		}
		for _, s := range d.Strands {
			descriptions = append(descriptions, s.Description)
		}
		for _, g := range d.Disadvantages {
			descriptions = append(descriptions, g.Description)
		}
		for _, desc := range descriptions {
			if !strings.Contains(about, words(desc)) {
				t.Errorf("/about lacks %q", desc)
			}
		}
	})

	t.Run("problem types", func(t *testing.T) {
		list := text(r.read(t, "/problems", http.StatusOK))
		for _, k := range httpio.ProblemKinds {
			target := "/problems/" + k.Slug
			one := text(r.read(t, target, http.StatusOK))
			for _, w := range []string{k.Title, k.Description} {
				if !strings.Contains(list, words(w)) || !strings.Contains(one, words(w)) {
					t.Errorf("/problems or %s lacks %q", target, w)
				}
			}
		}
	})

	t.Run("error pages", func(t *testing.T) {
		for _, tc := range []struct {
			target string
			status int
			want   string
		}{
			{"/interventions/no-such-thing", 404, `No intervention with id "no-such-thing"`},
			{"/studies/no-such-study", 404, "We could not find that page"},
			{"/problems/no-such-problem", 404, "We could not find that page"},
			{"/no/such/page", 404, "There is no page at /no/such/page"},
			{"/static/nothing.css", 404, "We could not find that page"},
			{"/?stage=university", 400, `Stage: unknown value "university"`},
			{"/studies?page=99", 400, "past the last page"},
			{"/evidence-map?rows=theme&cols=theme", 400, "must differ from rows"},
			{"/interventions/triple-p?print=1", 400, "Print: is not an option"},
		} {
			if got := text(r.read(t, tc.target, tc.status)); !strings.Contains(got, tc.want) {
				t.Errorf("%s does not say %q", tc.target, tc.want)
			}
		}
	})

	t.Run("refused and failed pages", func(t *testing.T) {
		// a reader past the rate limit gets a page that says so
		limited := newPageReader(t, edge.Config{RateLimit: edge.RateLimit{Rate: 0.001, Burst: 1}})
		limited.read(t, "/about", http.StatusOK)
		if got := text(limited.read(t, "/about", http.StatusTooManyRequests)); !strings.Contains(got, "Too many requests from your network") {
			t.Errorf("the rate-limited page says %q", got)
		}
		st := apitest.SharedStore(t)
		for _, tc := range []struct {
			status int
			want   string
			answer func(*web.Site, *gin.Context)
		}{
			{http.StatusServiceUnavailable, "Please wait 2 seconds", func(s *web.Site, c *gin.Context) {
				c.Header("Retry-After", "2")
				s.Refuse(c, http.StatusServiceUnavailable)
			}},
			{http.StatusInternalServerError, "quote the reference", func(s *web.Site, c *gin.Context) {
				s.Fail(c, errors.New("a failure inside the program"))
			}},
		} {
			site := web.New(st, nil)
			engine := gin.New()
			for _, rt := range site.Surface().Routes { // each page answered by tc instead
				engine.Handle(rt.Method, rt.Path, func(c *gin.Context) {
					c.Request.Header.Set(httpio.RequestIDHeader, "a-request-id") // as the edge would
					tc.answer(site, c)
				})
			}
			got := text(pageReader{srv: engine, logs: &logBuffer{}}.read(t, "/studies/mol-2008", tc.status))
			if !strings.Contains(got, tc.want) || strings.Contains(got, "inside the program") {
				t.Errorf("the %d page says %q; want %q and nothing of the error", tc.status, got, tc.want)
			}
		}
	})
}

// cssRule is a rule with no rule inside it: its selectors and declarations.
var cssRule = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)

// The printed intervention card shows the description: no rule of the stylesheet, for
// print or for any screen, hides it or a box around it. (Chromium's print test, in
// browser_test.go, checks that the card still fits one page.)
func TestPrintedCardShowsTheDescription(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	doc := r.read(t, "/interventions/triple-p", http.StatusOK)
	description := find(doc, byClass("description"))
	if description == nil || text(description) == "" {
		t.Fatal("the intervention page has no description")
	}
	classes := map[string]bool{}
	for n := description; n != nil; n = n.Parent {
		for _, c := range strings.Fields(attr(n, "class")) {
			classes[c] = true
		}
		if n.Type == html.ElementNode && slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "hidden" }) {
			t.Errorf("<%s class=%q> around the description is hidden", n.Data, attr(n, "class"))
		}
	}
	if classes["no-print"] {
		t.Error("the description is marked no-print")
	}
	var sheet []string
	for _, n := range findAll(doc, byAtom(atom.Link)) {
		if attr(n, "rel") == "stylesheet" {
			sheet = append(sheet, attr(n, "href"))
		}
	}
	if len(sheet) != 1 {
		t.Fatalf("the page loads stylesheets %v; want one", sheet)
	}
	rec := httptest.NewRecorder()
	r.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, sheet[0], nil))
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(rec.Body.String(), "")
	hides := regexp.MustCompile(`display:\s*none|visibility:\s*hidden`)
	className := regexp.MustCompile(`\.([\w-]+)`)
	for _, rule := range cssRule.FindAllStringSubmatch(css, -1) {
		if !hides.MatchString(rule[2]) {
			continue
		}
		for _, sel := range strings.Split(rule[1], ",") {
			// a selector may match when every class it names is on the description or a box
			// around it
			named := className.FindAllStringSubmatch(sel, -1)
			if len(named) > 0 && !slices.ContainsFunc(named, func(m []string) bool { return !classes[m[1]] }) {
				t.Errorf("the stylesheet hides the description: %s { %s }", strings.TrimSpace(sel), strings.TrimSpace(rule[2]))
			}
		}
	}
}
