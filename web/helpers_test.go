package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// page GETs a page of the web finder. Pages are for people and not part of the OpenAPI
// contract, so instead of the contract it checks what every page must be: HTML, served
// with the site's content policy, with an accessible structure (see checkStructure).
func page(tb testing.TB, srv http.Handler, target string) (*httptest.ResponseRecorder, *html.Node) {
	tb.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		tb.Fatalf("GET %s: Content-Type %q; want HTML\nbody: %.300s", target, ct, rec.Body.String())
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		tb.Errorf("GET %s: no content security policy", target)
	}
	doc, err := html.Parse(strings.NewReader(rec.Body.String()))
	if err != nil {
		tb.Fatalf("GET %s: parse HTML: %v", target, err)
	}
	checkStructure(tb, target, doc)
	return rec, doc
}

// pageOK is page for a request that must succeed.
func pageOK(tb testing.TB, srv http.Handler, target string) *html.Node {
	tb.Helper()
	rec, doc := page(tb, srv, target)
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET %s = %d; want 200\n%s", target, rec.Code, text(find(doc, byID("main"))))
	}
	return doc
}

// checkStructure is the part of an accessibility audit that needs no browser: a language,
// a title, one h1, headings in order, unique ids, a label for every form control and text
// for every link and button. The browser tests run axe-core on top of it.
func checkStructure(tb testing.TB, target string, doc *html.Node) {
	tb.Helper()
	if root := find(doc, byAtom(atom.Html)); root == nil || attr(root, "lang") == "" {
		tb.Errorf("%s: <html> has no lang", target)
	}
	if t := find(doc, byAtom(atom.Title)); t == nil || strings.TrimSpace(text(t)) == "" {
		tb.Errorf("%s: no <title>", target)
	}
	ids := map[string]bool{}
	labels := map[string]bool{}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		if id := attr(n, "id"); id != "" {
			if ids[id] {
				tb.Errorf("%s: id %q is used twice", target, id)
			}
			ids[id] = true
		}
		if n.DataAtom == atom.Label {
			labels[attr(n, "for")] = true
		}
	}
	last := 0
	for _, h := range findAll(doc, isHeading) {
		level := int(h.Data[1] - '0')
		if level == 1 && last != 0 || level > last+1 {
			tb.Errorf("%s: <%s> %q follows <h%d>", target, h.Data, strings.TrimSpace(text(h)), last)
		}
		last = level
	}
	if n := len(findAll(doc, byAtom(atom.H1))); n != 1 {
		tb.Errorf("%s: %d <h1>; want 1", target, n)
	}
	for _, n := range findAll(doc, isControl) {
		if !labels[attr(n, "id")] && attr(n, "aria-label") == "" {
			tb.Errorf("%s: <%s name=%q> has no label", target, n.Data, attr(n, "name"))
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A || n.DataAtom == atom.Button }) {
		if strings.TrimSpace(text(n)) == "" && attr(n, "aria-label") == "" {
			tb.Errorf("%s: <%s href=%q> has no text", target, n.Data, attr(n, "href"))
		}
	}
}

func isHeading(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func isControl(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Select, atom.Textarea:
		return true
	case atom.Input:
		t := attr(n, "type")
		return t != "hidden" && t != "submit" && t != "button"
	}
	return false
}

func byAtom(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id }
}

func byClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		return n.Type == html.ElementNode && slices.Contains(strings.Fields(attr(n, "class")), class)
	}
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// resultCount reads the number of results a list page announces in its results heading.
func resultCount(tb testing.TB, doc *html.Node) int {
	tb.Helper()
	h := text(find(doc, byID("results-heading")))
	num, _, _ := strings.Cut(h, " ")
	n, err := strconv.Atoi(strings.ReplaceAll(num, ",", ""))
	if err != nil {
		tb.Fatalf("results heading %q has no count", h)
	}
	return n
}

// hrefs lists the targets of the links matching match.
func hrefs(doc *html.Node, match func(*html.Node) bool) []string {
	var out []string
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && match(n) }) {
		out = append(out, attr(a, "href"))
	}
	return out
}

func anyLink(*html.Node) bool { return true }

// dataLink is the page's "view as data" link: the same query on the JSON API.
func dataLink(tb testing.TB, doc *html.Node) string {
	tb.Helper()
	links := hrefs(doc, byClass("data-link"))
	if len(links) == 0 {
		tb.Fatal("page has no link to its data")
	}
	return links[0]
}
