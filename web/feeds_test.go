package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
)

// Both list pages name the feeds of their query in their head, where browsers and feed
// readers find them, and offer them as "Follow this search"; each feed follows the page's
// filters and search (not its order or page), and answers as a feed.
func TestListPagesOfferTheirQuerysFeeds(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, c := range []struct{ page, api, filter, q string }{
		{"/studies?disadvantage=eal&q=reading&sort=title&page=1", "/api/v1/studies", "disadvantage:eal", "reading"},
		{"/?stage=primary&disadvantage=low-income", "/api/v1/interventions", "stage:primary,disadvantage:low-income", ""},
		{"/studies", "/api/v1/studies", "", ""},
	} {
		doc := pageOK(t, srv, c.page)
		var inHead []string
		for _, l := range findAll(find(doc, byAtom(atom.Head)), byAtom(atom.Link)) {
			if attr(l, "rel") == "alternate" && strings.Contains(attr(l, "type"), "feed") || attr(l, "type") == "application/atom+xml" {
				inHead = append(inHead, attr(l, "href"))
			}
		}
		follow := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.P && attr(n, "class") == "follow" })
		if follow == nil || !strings.HasPrefix(strings.TrimSpace(text(follow)), "Follow this search:") {
			t.Fatalf("%s: no “Follow this search”", c.page)
		}
		var offered []string
		for _, a := range findAll(follow, byAtom(atom.A)) {
			offered = append(offered, attr(a, "href"))
		}
		if len(inHead) != 2 || strings.Join(inHead, " ") != strings.Join(offered, " ") {
			t.Fatalf("%s: head names feeds %v, the page offers %v", c.page, inHead, offered)
		}
		for i, format := range []string{"atom", "jsonfeed"} {
			u, err := url.Parse(inHead[i])
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if u.Path != c.api || q.Get("format") != format || q.Get("filter") != c.filter || q.Get("q") != c.q || len(q) > 3 {
				t.Errorf("%s: feed %s; want %s, format=%s, filter %q, q %q and nothing else", c.page, inHead[i], c.api, format, c.filter, c.q)
			}
			if rec := get(srv, inHead[i]); rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), map[string]string{"atom": "atom+xml", "jsonfeed": "feed+json"}[format]) {
				t.Errorf("%s: %s answered %d %q", c.page, inHead[i], rec.Code, rec.Header().Get("Content-Type"))
			}
		}
	}
}
