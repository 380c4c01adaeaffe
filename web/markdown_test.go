package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

var (
	// mdLinkRe matches a Markdown link [text](destination), text with escapes.
	mdLinkRe = regexp.MustCompile(`\[((?:\\.|[^\]\\])*)\]\((<[^>]*>|[^)\s]*)\)`)
	// mdAutolink matches an autolink <https://…>.
	mdAutolink = regexp.MustCompile(`<(https?://[^>\s]+)>`)
	// mdEscape matches a backslash escape of ASCII punctuation.
	mdEscape = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
)

// mdWords is Markdown as a reader of it reads it: link texts without their destinations,
// autolinks as addresses, escapes undone, no emphasis marks, runs of white space as one.
func mdWords(md string) string {
	md = mdLinkRe.ReplaceAllString(md, "$1")
	md = mdAutolink.ReplaceAllString(md, "$1")
	md = strings.ReplaceAll(md, "**", "")
	return words(mdEscape.ReplaceAllString(md, "$1"))
}

// mdLinks are the destinations of a Markdown document's links and autolinks.
func mdLinks(md string) []string {
	var out []string
	for _, m := range mdLinkRe.FindAllStringSubmatch(md, -1) {
		out = append(out, strings.Trim(m[2], "<>"))
	}
	for _, m := range mdAutolink.FindAllStringSubmatch(mdLinkRe.ReplaceAllString(md, ""), -1) {
		out = append(out, m[1])
	}
	return out
}

// /llms.txt starts with an H1 and a blockquote summary, has the sections an assistant
// looks for, and every link in it answers 200 (the API's under its contract). The MCP
// endpoint is named, not linked: it takes POST.
func TestLLMsTxt(t *testing.T) {
	srv := apitest.NewServer(t)
	rec := get(srv, "/llms.txt")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("/llms.txt: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "# ") || strings.HasPrefix(lines[0], "## ") || !strings.HasPrefix(lines[1], "> ") {
		t.Fatalf("/llms.txt does not start with an H1 then a blockquote:\n%.300s", body)
	}
	for _, want := range []string{"\n## Docs\n", "\n## API endpoints\n", "\n## MCP\n", "\n## Optional\n", "`evidence-kb mcp -db kb.db`", "`POST http://example.com/mcp`"} {
		if !strings.Contains(body, want) {
			t.Errorf("/llms.txt lacks %q", want)
		}
	}
	links := mdLinks(body)
	wanted := map[string]bool{"/docs/": false, "/openapi.yaml": false, httpio.APIPath(""): false, "/unapi": false}
	apiLinks, twins := 0, 0
	for _, link := range links {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "http" || u.Host != "example.com" {
			t.Errorf("/llms.txt links to %q; want an address on this site", link)
			continue
		}
		if _, ok := wanted[u.Path]; ok {
			wanted[u.Path] = true
		}
		if u.Path == "/mcp" {
			t.Errorf("/llms.txt links to %s, which answers POST only", link)
			continue
		}
		var code int
		switch {
		case strings.HasPrefix(u.Path, httpio.APIRoot):
			apiLinks++
			code = apitest.Get(t, srv, u.RequestURI()).Code
		default:
			if strings.HasSuffix(u.Path, ".md") {
				twins++
			}
			code = get(srv, u.RequestURI()).Code
		}
		if code != http.StatusOK {
			t.Errorf("/llms.txt links to %s, which answers %d", u.RequestURI(), code)
		}
	}
	for path, found := range wanted {
		if !found {
			t.Errorf("/llms.txt does not link to %s", path)
		}
	}
	if apiLinks < 8 || twins != 2 {
		t.Errorf("/llms.txt links to %d API examples and %d Markdown twins; want the main endpoints and one twin of each kind", apiLinks, twins)
	}
}

// phrases are the texts of a page's elements that match, each read as words.
func phrases(doc *html.Node, match func(*html.Node) bool) []string {
	var out []string
	for _, n := range findAll(doc, match) {
		if s := text(n); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ownText is the text of n without that of its children that match skip.
func ownText(n *html.Node, skip func(*html.Node) bool) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			} else if !skip(c) {
				walk(c)
			}
		}
	}
	walk(n)
	return words(b.String())
}

// factPhrases are the words of a definition list's terms and values, a value's note
// (term-note) apart from the value.
func factPhrases(dl *html.Node) []string {
	out := phrases(dl, byAtom(atom.Dt))
	for _, dd := range findAll(dl, byAtom(atom.Dd)) {
		if find(dd, byAtom(atom.Ul)) != nil {
			out = append(out, phrases(dd, func(n *html.Node) bool { return n.DataAtom == atom.A && !byClass("badge")(n) })...)
			continue
		}
		out = append(out, ownText(dd, byClass("term-note")))
		out = append(out, phrases(dd, byClass("term-note"))...)
	}
	return out
}

// mdTwin GETs a record page's Markdown twin and reads it.
func mdTwin(t *testing.T, srv http.Handler, page string) (raw, plain string) {
	t.Helper()
	rec := get(srv, page+".md")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Fatalf("%s.md: %d %q\n%.300s", page, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if link := rec.Header().Get("Link"); link != `<http://example.com`+page+`>; rel="canonical"` {
		t.Errorf("%s.md: Link %q; want its page as canonical", page, link)
	}
	return rec.Body.String(), mdWords(rec.Body.String())
}

// checkSays fails for each phrase the Markdown does not say.
func checkSays(t *testing.T, target, plain string, says ...string) {
	t.Helper()
	for _, s := range says {
		if s = words(s); s != "" && !strings.Contains(plain, s) {
			t.Errorf("%s.md does not say %q", target, s)
		}
	}
}

// Every study and intervention page of the shipped dataset has a Markdown twin that says
// what the page says, in its words: for a study the title, byline, summary, key findings,
// facts, tags, interventions, reference and sources; for an intervention its description,
// who it is for, the evidence summary, every evidence note with its kind, result, window
// and reference fact, the studies about it with their full references, and its sources.
func TestMarkdownTwins(t *testing.T) {
	srv := apitest.NewServer(t)
	d := shippedDataset(t)
	cat := apitest.SharedStore(t).Catalog()
	notPrinted := func(n *html.Node) bool {
		return byClass("visually-hidden")(n) || byClass("badge-provisional")(n)
	}
	for _, st := range d.Studies {
		target := "/studies/" + url.PathEscape(st.ID)
		raw, plain := mdTwin(t, srv, target)
		if first, _, _ := strings.Cut(raw, "\n"); mdWords(first) != "# "+words(st.Title) {
			t.Errorf("%s.md starts %q; want its title as the heading", target, first)
		}
		doc := pageOK(t, srv, target)
		says := []string{text(find(doc, byClass("byline"))), text(find(find(doc, labelledBy("summary-heading")), byAtom(atom.P))), text(find(doc, byAtom(atom.Textarea)))}
		says = append(says, phrases(doc, inside("findings", atom.Ul))...)
		says = append(says, factPhrases(find(doc, labelledBy("facts-heading")))...)
		says = append(says, factPhrases(find(doc, labelledBy("tags-heading")))...)
		says = append(says, phrases(find(doc, labelledBy("interventions-heading")), func(n *html.Node) bool {
			return n.DataAtom == atom.A || byClass("meta")(n) || n.DataAtom == atom.P
		})...)
		says = append(says, phrases(find(doc, labelledBy("sources-heading")), byAtom(atom.Li))...)
		checkSays(t, target, plain, says...)
		checkSays(t, target, plain, st.Title, st.Summary, strconv.Itoa(st.Year))
		for _, a := range st.Authors {
			checkSays(t, target, plain, a)
		}
		if strings.Contains(plain, "<nil>") || strings.Contains(plain, "%!") {
			t.Errorf("%s.md prints a Go value", target)
		}
	}
	for _, iv := range d.Interventions {
		target := "/interventions/" + url.PathEscape(iv.ID)
		_, plain := mdTwin(t, srv, target)
		doc := pageOK(t, srv, target)
		says := []string{text(find(doc, byAtom(atom.H1))), text(find(doc, byClass("aliases"))), text(find(doc, byClass("description"))),
			text(find(doc, byClass("origin"))), text(find(doc, byClass("evidence-count"))), text(find(doc, byClass("evidence-statement")))}
		says = append(says, factPhrases(find(doc, labelledBy("who-heading")))...)
		says = append(says, factPhrases(find(doc, labelledBy("tags-heading")))...)
		says = append(says, phrases(doc, byClass("result-count"))...)
		for _, note := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && byClass("notes")(n.Parent) }) {
			says = append(says, ownText(note, func(*html.Node) bool { return true })) // the finding
			says = append(says, phrases(note, func(n *html.Node) bool { return byClass("badge")(n) || byClass("note-source")(n) })...)
		}
		says = append(says, phrases(find(doc, labelledBy("studies-heading")), func(n *html.Node) bool {
			return n.DataAtom == atom.A || byClass("meta")(n) || n.DataAtom == atom.P
		})...)
		says = append(says, phrases(find(doc, labelledBy("sources-heading")), func(n *html.Node) bool {
			return (n.DataAtom == atom.Li || n.DataAtom == atom.P) && !notPrinted(n)
		})...)
		checkSays(t, target, plain, says...)
		checkSays(t, target, plain, iv.Name, iv.Summary, cat.EvidenceSummary(&iv).Statement)
		for _, e := range iv.Evidence {
			checkSays(t, target, plain, e.Finding, labelText("kind", e.Kind), labelText("window", e.Window))
			if e.Result != nil {
				checkSays(t, target, plain, labelText("result", *e.Result))
			}
			if e.ResultFact != nil {
				checkSays(t, target, plain, "Reference fact: "+*e.ResultFact)
			}
		}
		rec, err := cat.Intervention(iv.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range rec.Studies {
			checkSays(t, target, plain, apaOf(t, st))
		}
	}
}

// labelText is a vocabulary value's label in the glossary.
func labelText(field, value string) string {
	l, ok := models.GlossaryLabel(field, value)
	if !ok {
		return value
	}
	return l
}

// apaOf is a study's reference as the apa export writes it.
func apaOf(t *testing.T, st models.Study) string {
	t.Helper()
	var b strings.Builder
	enc := export.NewAPA(&b)
	if err := enc.Encode(st); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

// A twin of a record that does not exist is the page's 404, and a twin takes no options.
func TestMarkdownTwinRefusals(t *testing.T) {
	srv := apitest.NewServer(t)
	for target, status := range map[string]int{
		"/studies/no-such-study.md":          http.StatusNotFound,
		"/interventions/no-such-thing.md":    http.StatusNotFound,
		"/studies/mol-2008.md?print=1":       http.StatusBadRequest,
		"/interventions/triple-p.md?print=1": http.StatusBadRequest,
	} {
		if rec := get(srv, target); rec.Code != status {
			t.Errorf("%s = %d; want %d", target, rec.Code, status)
		}
	}
}

// What agents and reference managers read is cached like a page (a weak ETag, 304 on a
// match), and refused, past the rate limit, with a problem rather than a page.
func TestProgramAnswersAreCacheableAndRefusedAsProblems(t *testing.T) {
	srv := apitest.NewServer(t)
	targets := []string{"/llms.txt", "/studies/mol-2008.md", "/interventions/triple-p.md", "/unapi", "/unapi?id=mol-2008", "/unapi?id=mol-2008&format=ris"}
	for _, target := range targets {
		rec := get(srv, target)
		etag := rec.Header().Get("ETag")
		if rec.Code >= 400 || !strings.HasPrefix(etag, `W/"`) {
			t.Errorf("%s: %d, ETag %q", target, rec.Code, etag)
			continue
		}
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("If-None-Match", etag)
		again := httptest.NewRecorder()
		srv.ServeHTTP(again, req)
		if again.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d; want 304", target, again.Code)
		}
	}
	for _, target := range []string{"/llms.txt", "/studies/mol-2008.md", "/unapi?id=mol-2008"} {
		limited := newPageReader(t, edge.Config{RateLimit: edge.RateLimit{Rate: 0.001, Burst: 1}})
		get(limited.srv, target) // the one request the burst allows
		apitest.WantProblem(t, get(limited.srv, target), http.StatusTooManyRequests, "")
	}
}
