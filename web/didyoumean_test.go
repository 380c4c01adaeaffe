package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
)

// A keyword that matches nothing gets "Did you mean …?" above the (empty) results, a link
// to the corrected search with the same choices; the results stay those of the search as
// typed. A keyword spelled right gets no such line.
func TestPagesOfferDidYouMean(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, c := range []struct {
		target, want, wantURL string
		count                 int
	}{
		{"/studies?q=Tripple+P", "Triple P", "/studies?q=Triple+P", 0},
		{"/studies?q=dialogic+readng&stage=early-years&page=1", "dialogic reading", "/studies?q=dialogic+reading&stage=early-years", 0},
		{"/?q=Incedible+Years", "Incredible Years", "/?q=Incredible+Years", 0},
		{"/?q=Tripple+P&stage=primary", "Triple P", "/?q=Triple+P&stage=primary", 0},
		{"/studies?q=Triple+P", "", "", -1},
		{"/?q=Incredible+Years", "", "", -1},
		{"/studies", "", "", -1},
	} {
		doc := pageOK(t, srv, c.target)
		dym := find(doc, byClass("did-you-mean"))
		if c.want == "" {
			if dym != nil {
				t.Errorf("%s: shows %q; want no suggestion", c.target, text(dym))
			}
			continue
		}
		if dym == nil {
			t.Errorf("%s: no \"Did you mean\"; want %q", c.target, c.want)
			continue
		}
		links := hrefs(dym, anyLink)
		if got := text(dym); !strings.HasPrefix(got, "Did you mean "+c.want+"?") || len(links) != 1 {
			t.Errorf("%s: shows %q with links %v; want Did you mean %s?", c.target, got, links, c.want)
			continue
		}
		if want, _ := url.Parse(c.wantURL); links[0] != want.Path+"?"+want.Query().Encode() {
			t.Errorf("%s: links to %s; want %s", c.target, links[0], c.wantURL)
		}
		if n := resultCount(t, doc); n != c.count {
			t.Errorf("%s: shows %d results; want the search's own, %d", c.target, n, c.count)
		}
		// the corrected search finds what the line says, and offers nothing more
		corrected := pageOK(t, srv, links[0])
		if find(corrected, byClass("did-you-mean")) != nil || resultCount(t, corrected) == 0 {
			t.Errorf("%s: the corrected search shows %d results, and a suggestion: %v", links[0], resultCount(t, corrected), find(corrected, byClass("did-you-mean")) != nil)
		}
	}
}
