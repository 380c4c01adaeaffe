package catalog_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// markRuns are the runs of marked words in a snippet: marks separated by spaces only are
// one run, lower-cased and joined by single spaces.
func markRuns(snippet string) []string {
	var runs []string
	for _, run := range regexp.MustCompile(`<mark>[^<]*</mark>(?:\s+<mark>[^<]*</mark>)*`).FindAllString(snippet, -1) {
		words := regexp.MustCompile(`<mark>([^<]*)</mark>`).FindAllStringSubmatch(run, -1)
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = strings.ToLower(w[1])
		}
		runs = append(runs, strings.Join(parts, " "))
	}
	return runs
}

// q=EAL searches its synonyms' phrases ("english as an additional language", …): their
// words are marked only where the whole phrase stands, never "a", "an" or "as" on their
// own elsewhere in the text.
func TestHighlightsMarkSynonymPhrasesWhole(t *testing.T) {
	cat := mustCatalog(t)
	allowed := []string{"eal", "esl", "english as an additional language", "english as a second language", "new to english"}
	phrases := 0
	check := func(list string, matches []catalog.Hit) {
		for _, m := range matches {
			for field, h := range m.Highlights {
				for _, run := range markRuns(h) {
					if !slices.Contains(allowed, run) {
						t.Errorf("%s %s: marks %q, which is none of EAL's terms, in %q", list, field, run, h)
					}
					if strings.Contains(run, " ") {
						phrases++
					}
				}
			}
		}
	}
	p := mustStudies(t, cat, catalog.Query{Search: "EAL", PerPage: 100})
	check("studies", p.Matches)
	ivs, err := cat.Interventions(catalog.Query{Search: "EAL", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	check("interventions", ivs.Matches)
	if p.Total == 0 || phrases == 0 {
		t.Fatalf("EAL finds %d studies, with %d phrases marked: the test tests nothing", p.Total, phrases)
	}
}

func TestHighlightsMarkPhrasesAsPhrasesAndNoStopWordAlone(t *testing.T) {
	cat := mustCatalog(t)
	s := cat.Dataset().Studies[0]
	s.Title = "Reading at home: reading with parents, as an English class"
	s.Summary = "English as an additional language is common. As an aside, English lessons help."
	next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
	for _, c := range []struct{ search, field, want string }{
		{`"reading with parents"`, "title", "Reading at home: <mark>reading</mark> <mark>with</mark> <mark>parents</mark>, as an English class"},
		{"EAL", "summary", "<mark>English</mark> <mark>as</mark> <mark>an</mark> <mark>additional</mark> <mark>language</mark> is common. As an aside, English lessons help."},
		{"as an English", "title", "Reading at home: reading with parents, as an <mark>English</mark> class"},
		{`"as an English"`, "title", "Reading at home: reading with parents, <mark>as</mark> <mark>an</mark> <mark>English</mark> class"},
		{"reading OR the", "title", "<mark>Reading</mark> at home: <mark>reading</mark> with parents, as an English class"},
	} {
		p := mustStudies(t, next, catalog.Query{Search: c.search, Filter: "id:" + s.ID})
		if len(p.Matches) != 1 {
			t.Fatalf("%s: %d matches", c.search, len(p.Matches))
		}
		if got := p.Matches[0].Highlights[c.field]; got != c.want {
			t.Errorf("%s: %s highlight\n got %q\nwant %q", c.search, c.field, got, c.want)
		}
	}
	// a search of stop words alone finds its records and marks nothing
	p := mustStudies(t, next, catalog.Query{Search: "as an", Filter: "id:" + s.ID})
	if len(p.Matches) != 1 || len(p.Matches[0].Highlights) != 0 {
		t.Errorf("as an: %+v; want one match, nothing marked", p.Matches)
	}
}
