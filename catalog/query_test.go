package catalog_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Cursor paging must visit every matching record exactly once, in the list's order.
func TestCursorsVisitEveryRecordOnce(t *testing.T) {
	s := mustCatalog(t)
	for _, q := range []catalog.Query{
		{Sort: "-year,title"},
		{Sort: "effect_size,-sample_size"},
		{Filter: "theme:supporting-vulnerable-families"},
		{Search: "parent OR family", Sort: "relevance"},
		{Search: "school", Sort: "-year,relevance"},
	} {
		t.Run(q.Sort+q.Filter+q.Search, func(t *testing.T) {
			whole := q
			whole.PerPage = 100
			want := []string{}
			for page := 1; ; page++ {
				whole.Page = page
				p := mustStudies(t, s, whole)
				for _, st := range p.Items {
					want = append(want, st.ID)
				}
				if page*100 >= p.Total {
					break
				}
			}
			var got []string
			q.PerPage, q.Cursor = 7, catalog.FirstCursor
			for q.Cursor != "" {
				p := mustStudies(t, s, q)
				for _, st := range p.Items {
					got = append(got, st.ID)
				}
				q.Cursor = p.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("cursor paging visited %d records, offset paging %d; orders differ", len(got), len(want))
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("%s visited twice", id)
				}
				seen[id] = true
			}
		})
	}
}

func TestCursorBelongsToItsQuery(t *testing.T) {
	s := mustCatalog(t)
	p := mustStudies(t, s, catalog.Query{PerPage: 5, Cursor: catalog.FirstCursor})
	_, err := s.Studies(catalog.Query{PerPage: 5, Cursor: p.NextCursor, Filter: "year:2010"})
	wantInvalid(t, err, catalog.PartCursor)
}

// Facet counts must agree with list totals for the same filters.
func TestFacetsAgreeWithTotals(t *testing.T) {
	s := mustCatalog(t)
	facets := []string{"theme", "strand", "disadvantage", "design", "stage", "country", "year"}
	for _, base := range []catalog.Query{{}, {Filter: "stage:primary"}, {Search: "reading"}, {Filter: "year:2010-2014,theme:family-learning"}} {
		q := base
		q.Facets = facets
		p := mustStudies(t, s, q)
		for _, f := range p.Facets {
			for _, v := range f.Values {
				narrowed := base
				narrowed.Filter = strings.Trim(base.Filter+","+f.Field+":"+v.Value, ",")
				if got := mustStudies(t, s, narrowed).Total; got != v.Count {
					t.Errorf("%+v facet %s=%s counts %d; the list has %d", base, f.Field, v.Value, v.Count, got)
				}
			}
		}
	}
}

// In disjunctive mode a facet ignores its own filter, so it shows what ticking another
// value would give.
func TestDisjunctiveFacets(t *testing.T) {
	s := mustCatalog(t)
	p := mustStudies(t, s, catalog.Query{Filter: "stage:primary,year:2010-2014", Facets: []string{"stage"}, FacetMode: catalog.FacetsDisjunctive})
	for _, v := range p.Facets[0].Values {
		if v.Value == "null" {
			continue
		}
		want := mustStudies(t, s, catalog.Query{Filter: "year:2010-2014,stage:" + v.Value}).Total
		if v.Count != want {
			t.Errorf("disjunctive stage=%s = %d; want %d", v.Value, v.Count, want)
		}
	}
	_, err := s.Studies(catalog.Query{Facets: []string{"stage"}, FacetMode: "sideways"})
	wantInvalid(t, err, catalog.PartFacetMode)
}

func TestFilterGrammar(t *testing.T) {
	s := mustCatalog(t)
	all := mustStudies(t, s, catalog.Query{}).Total
	total := func(filter string) int { return mustStudies(t, s, catalog.Query{Filter: filter}).Total }
	if a, b := total("design:RCT"), total("design:!RCT"); a+b != all || a == 0 {
		t.Errorf("design:RCT (%d) and design:!RCT (%d) do not partition %d", a, b, all)
	}
	if a, b := total("has_doi:true"), total("has_doi:false"); a+b != all || a == 0 {
		t.Errorf("has_doi true %d + false %d != %d", a, b, all)
	}
	if total("year:2008-2009") != total("year:2008|2009") || total("year:>=2013") != total("year:2013-2014") {
		t.Error("year ranges disagree")
	}
	if total("year:>2013") != total("year:2014") || total("year:<2009") != total("year:2008") {
		t.Error("strict bounds disagree")
	}
	if total("DESIGN:rct") != total("design:RCT") {
		t.Error("filter fields and values are not case-insensitive")
	}
	if total("theme:family-learning,theme:parenting-support") > total("theme:family-learning") {
		t.Error("a repeated field does not AND")
	}
	if byName, byFull := total("author:murray"), total(`author:"Murray, K.W."`); byFull == 0 || byName < byFull {
		t.Errorf("author:murray finds %d, the full name %d", byName, byFull)
	}
	if total(`author:"Murray, K.W."|"Goodall, J."`) <= total(`author:"Murray, K.W."`) {
		t.Error("quoted values do not OR")
	}
	viaRelation := total("intervention.setting:home")
	if viaRelation == 0 {
		t.Error("no study evaluates a home-based intervention")
	}
	if total("sample_size:null")+total("sample_size:>0") != all {
		t.Error("sample_size null and present do not partition")
	}
	for _, bad := range []string{"year:", ":x", `author:"unterminated`, "year:1-2-3", "year:>x", "theme.x:y", "intervention.intervention:x", strings.Repeat("year:2010,", 60)} {
		if _, err := s.Studies(catalog.Query{Filter: bad}); err == nil {
			t.Errorf("filter %q accepted", bad)
		}
	}
}

func TestInterventionRelationFilters(t *testing.T) {
	s := mustCatalog(t)
	p, err := s.Interventions(catalog.Query{Filter: "study.disadvantage:eal", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range p.Items {
		d, _ := s.Intervention(iv.ID)
		if !slices.ContainsFunc(d.Studies, func(st models.Study) bool { return slices.Contains(st.DisadvantageFocus, "eal") }) {
			t.Errorf("%s has no study about EAL families", iv.ID)
		}
	}
}

func TestSearch(t *testing.T) {
	s := mustCatalog(t)
	search := func(q string) *catalog.Page[models.Study] {
		return mustStudies(t, s, catalog.Query{Search: q, PerPage: 100})
	}
	parent, parents, parental := search("parent"), search("parents"), search("parental")
	if parent.Total == 0 || parent.Total != parents.Total || parent.Total != parental.Total {
		t.Errorf("word forms differ: parent %d, parents %d, parental %d", parent.Total, parents.Total, parental.Total)
	}
	if search("SENECHAL").Total == 0 || search("sénéchal").Total != search("senechal").Total {
		t.Error("search is not case- and diacritic-insensitive")
	}
	phrase := search(`"dialogic reading"`)
	if phrase.Total == 0 || phrase.Total > search("dialogic reading").Total {
		t.Errorf("phrase %d vs words %d", phrase.Total, search("dialogic reading").Total)
	}
	for i := 1; i < len(phrase.Matches); i++ {
		if phrase.Matches[i].Score > phrase.Matches[i-1].Score {
			t.Error("results are not in relevance order")
		}
	}
	if !strings.Contains(fmt.Sprint(phrase.Matches[0].Highlights), "<mark>") {
		t.Errorf("no highlight: %v", phrase.Matches[0].Highlights)
	}
	a, b, both := search("fathers").Total, search("literacy").Total, search("fathers literacy").Total
	either := search("fathers OR literacy").Total
	if both > min(a, b) || either < max(a, b) || either > a+b {
		t.Errorf("AND/OR wrong: a=%d b=%d and=%d or=%d", a, b, both, either)
	}
	if search("fathers NOT literacy").Total+both != a || search("fathers -literacy").Total+both != a {
		t.Error("NOT wrong")
	}
	if search("liter*").Total < b {
		t.Error("prefix finds less than the word")
	}
	// No input makes the search fail.
	for _, q := range []string{`"unterminated`, `((((`, `))`, `NOT`, `AND OR`, `c++`, `😀`, `title:x`, `-`, `*`, `"" ""`, strings.Repeat("(", 100), strings.Repeat("a ", 30)} {
		if _, err := s.Studies(catalog.Query{Search: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	_, err := s.Studies(catalog.Query{Search: strings.Repeat("x", 10000)})
	wantInvalid(t, err, catalog.PartSearch)
	_, err = s.Studies(catalog.Query{Search: strings.Repeat("a ", 40)})
	wantInvalid(t, err, catalog.PartSearch)
}

func TestSortIsTotalAndStable(t *testing.T) {
	s := mustCatalog(t)
	p := mustStudies(t, s, catalog.Query{Sort: "effect_size", PerPage: 100})
	seenNull := false
	for _, st := range p.Items {
		if st.EffectSize == nil {
			seenNull = true
		} else if seenNull {
			t.Fatal("a missing effect size sorted before a present one")
		}
	}
	p = mustStudies(t, s, catalog.Query{Sort: "-effect_size", PerPage: 100})
	if p.Items[0].EffectSize == nil {
		t.Error("descending sort put a missing value first")
	}
	for _, bad := range []string{"year,year", "a,b,c,d,e", "colour"} {
		_, err := s.Studies(catalog.Query{Sort: bad})
		wantInvalid(t, err, catalog.PartSort)
	}
}

// Searches running at once must not see each other's scores (score buffers are pooled).
func TestConcurrentSearchesAgree(t *testing.T) {
	s := mustCatalog(t)
	queries := []string{"parent", "reading OR literacy", `"home learning"`, "father*", "school -primary"}
	want := map[string][]string{}
	ids := func(p *catalog.Page[models.Study]) []string {
		var out []string
		for i, st := range p.Items {
			out = append(out, fmt.Sprintf("%s:%.6f", st.ID, p.Matches[i].Score))
		}
		return out
	}
	for _, q := range queries {
		want[q] = ids(mustStudies(t, s, catalog.Query{Search: q, PerPage: 50}))
	}
	errs := make(chan string, 400)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 50; i++ {
				q := queries[(g+i)%len(queries)]
				p, err := s.Studies(catalog.Query{Search: q, PerPage: 50})
				if err != nil || !slices.Equal(ids(p), want[q]) {
					errs <- q
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	close(errs)
	for q := range errs {
		t.Errorf("concurrent search %q differed from the sequential answer", q)
	}
}

func TestFacetLabelsAreNames(t *testing.T) {
	s := mustCatalog(t)
	p := mustStudies(t, s, catalog.Query{Facets: []string{"theme", "disadvantage"}})
	themes := map[string]string{}
	for _, th := range s.Themes() {
		themes[th.Theme.Slug] = th.Theme.Name
	}
	for _, v := range p.Facets[0].Values {
		if v.Label != themes[v.Value] {
			t.Errorf("theme facet %s labelled %q; want %q", v.Value, v.Label, themes[v.Value])
		}
	}
	for _, v := range p.Facets[1].Values {
		if v.Label == v.Value {
			t.Errorf("disadvantage facet %s is labelled with its slug", v.Value)
		}
	}
}

// A prefix matches words as written: a whole word followed by * finds at least what the
// word finds, whatever its stem.
func TestPrefixMatchesWords(t *testing.T) {
	s := mustCatalog(t)
	for _, w := range []string{"families", "dialogic", "parenting", "reading", "sénéchal"} {
		word := mustStudies(t, s, catalog.Query{Search: w}).Total
		prefix := mustStudies(t, s, catalog.Query{Search: w + "*"}).Total
		if word == 0 || prefix < word {
			t.Errorf("%s finds %d, %s* finds %d", w, word, w, prefix)
		}
	}
	sugg, err := s.Autocomplete("dialogic", 10)
	if err != nil || len(sugg) == 0 {
		t.Errorf("autocomplete of a whole word = %v, %v", sugg, err)
	}
}

func TestStudyRecordEmbedsRelations(t *testing.T) {
	cat := mustCatalog(t)
	iv, err := cat.Intervention("triple-p")
	if err != nil {
		t.Fatal(err)
	}
	if len(iv.Studies) == 0 {
		t.Fatal("triple-p has no evaluating studies")
	}
	d, err := cat.Study(iv.Studies[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range d.Interventions {
		found = found || x.ID == "triple-p"
	}
	if !found {
		t.Errorf("study %s does not list triple-p among %v", d.Study.ID, d.Interventions)
	}
	if len(d.Themes) != len(d.Study.Themes) {
		t.Errorf("embedded %d themes; study has %d", len(d.Themes), len(d.Study.Themes))
	}
	if _, err := cat.Study("no-such-study"); err == nil {
		t.Error("unknown id found")
	}
}

// A page of a ranked search holds exactly the records the full ranking puts there: pages
// (which keep only the best few of every match) agree with the whole ordered list (which
// sorts them all), ties broken by id alike.
func TestSearchPagesFollowTheFullRanking(t *testing.T) {
	s := mustCatalog(t)
	for _, q := range []catalog.Query{{Search: "parent OR school OR family"}, {Search: "reading", Filter: "year:2008-2012"}, {Search: "home*"}} {
		all, total, err := s.StudiesAll(q)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for st := range all {
			want = append(want, st.ID)
		}
		var got []string
		q.PerPage = 7
		for q.Page = 1; (q.Page-1)*7 < total; q.Page++ {
			for _, st := range mustStudies(t, s, q).Items {
				got = append(got, st.ID)
			}
		}
		if len(want) <= q.PerPage || !slices.Equal(got, want) { // more than a page, or it tests nothing
			t.Errorf("%q: pages give %d records, the full ranking %d, or their orders differ", q.Search, len(got), len(want))
		}
	}
}

// A field that matches has a snippet marking the match, wherever the matched word stands:
// first, last (the field's very last word, too), or past the window of words a snippet
// shows.
func TestHighlightsMarkTheMatchAnywhere(t *testing.T) {
	s := mustCatalog(t)
	rec, err := s.Study("grayson-2013")
	if err != nil {
		t.Fatal(err)
	}
	var words []string // the summary's plain words
	for _, w := range strings.Fields(rec.Study.Summary) {
		if w = strings.Trim(w, `.,;:()"`); w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			words = append(words, w)
		}
	}
	title := strings.Fields(rec.Study.Title)
	if strings.ContainsAny(rec.Study.Title[len(rec.Study.Title)-1:], `.,;:()"'`) {
		t.Fatalf("the title %q ends with punctuation: the last case needs a text that ends in a word", rec.Study.Title)
	}
	for _, c := range []struct{ field, word string }{
		{"summary", words[0]}, {"summary", words[len(words)-1]}, {"summary", words[len(words)*2/3]},
		{"title", title[len(title)-1]},
	} {
		p := mustStudies(t, s, catalog.Query{Search: `"` + c.word + `"`, Filter: "id:grayson-2013"})
		if len(p.Matches) != 1 {
			t.Fatalf("%q: %d matches", c.word, len(p.Matches))
		}
		if h := p.Matches[0].Highlights[c.field]; !strings.Contains(h, "<mark>") {
			t.Errorf("%q: the %s has no snippet marking it: %q", c.word, c.field, h)
		}
	}
}

// Highlights mark where the search matched: a prefix's words and a phrase's words, never
// a word the search excluded; after a write, the record's new text.
func TestHighlightsMarkWhatMatched(t *testing.T) {
	cat := mustCatalog(t)
	d := cat.Dataset()
	s := d.Studies[0]
	s.Title = "Zebras, zebrafish and Zebrafishes: reading with parents at home"
	next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
	for _, c := range []struct{ search, want string }{
		{"zebra*", "<mark>Zebras</mark>, <mark>zebrafish</mark> and <mark>Zebrafishes</mark>: reading with parents at home"},
		{`"reading with parents"`, "Zebras, zebrafish and Zebrafishes: <mark>reading</mark> <mark>with</mark> <mark>parents</mark> at home"},
		{"zebrafish OR -reading", "Zebras, <mark>zebrafish</mark> and <mark>Zebrafishes</mark>: reading with parents at home"},
	} {
		p := mustStudies(t, next, catalog.Query{Search: c.search, Filter: "id:" + s.ID})
		if len(p.Matches) != 1 {
			t.Fatalf("%s: %d matches", c.search, len(p.Matches))
		}
		if got := p.Matches[0].Highlights["title"]; got != c.want {
			t.Errorf("%s: title highlight\n got %q\nwant %q", c.search, got, c.want)
		}
	}
}

// A field longer than the gap between fields' positions (1,000 words) runs into the next
// field's positions; a search still answers, with the snippets it can place.
func TestHighlightsSurviveAVeryLongField(t *testing.T) {
	cat := mustCatalog(t)
	s := cat.Dataset().Studies[0]
	s.Summary = strings.Repeat("family ", 1080) + "zebra" // position 2,000 + 1,080: past key findings' 3,000
	s.KeyFindings = []string{strings.Repeat("brief ", 40)}
	next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
	p := mustStudies(t, next, catalog.Query{Search: "zebra"})
	if p.Total != 1 || p.Items[0].ID != s.ID {
		t.Fatalf("zebra: %d found", p.Total)
	}
}

// A snippet is HTML: the record's own text is escaped, only the marks are markup.
func TestHighlightsEscapeTheText(t *testing.T) {
	cat := mustCatalog(t)
	s := cat.Dataset().Studies[0]
	s.Title = `Fathers & <b>zebras</b> "at home"`
	next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
	p := mustStudies(t, next, catalog.Query{Search: "zebras", Filter: "id:" + s.ID})
	want := `Fathers &amp; &lt;b&gt;<mark>zebras</mark>&lt;/b&gt; &#34;at home&#34;`
	if len(p.Matches) != 1 || p.Matches[0].Highlights["title"] != want {
		t.Fatalf("title highlight = %+v; want %q", p.Matches, want)
	}
}
