package catalog_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// misspellings are realistic typos of what staff search for in the shipped dataset —
// programme names, outcomes, groups of families — each with the correction wanted, and
// the lists whose records hold the word (a programme the studies never name is tried on
// the interventions list only). Typos the stemmer forgives already ("attendence" and
// "attendance" stem alike) find records and are not here.
var misspellings = []struct {
	typed, want string
	lists       string // "studies", "interventions" or "both"
}{
	// programme names
	{"Tripple P", "Triple P", "both"},
	{"Incedible Years", "Incredible Years", "both"},
	{"dialogic readng", "dialogic reading", "both"},
	{"Bookbugg", "Bookbug", "interventions"},
	{"Mellow Dadds", "Mellow Dads", "interventions"},
	{"Sure Strat", "Sure Start", "both"},
	{"Reading Recovary", "Reading Recovery", "both"},
	{"Family Nurse Partnersip", "Family Nurse Partnership", "interventions"},
	{"Strenghtening Families", "Strengthening Families", "both"},
	{"Webster-Straton", "Webster-Stratton", "interventions"},
	{"Achievemnt for All", "Achievement for All", "both"},
	{"Parent Suport Advisers", "Parent Support Advisers", "both"},
	{"Home-School Knowlege Exchange", "Home-School Knowledge Exchange", "both"},
	{"PlayTalkRaed", "PlayTalkRead", "interventions"},
	{"Famillies and Schools Together", "Families and Schools Together", "both"},
	{"Parents as Teachres", "Parents as Teachers", "both"},
	{"Starting Scool", "Starting School", "both"},
	{"Engaging Parents to Raise Acheivement", "Engaging Parents to Raise Achievement", "both"},
	{"Home Acess Programme", "Home Access Programme", "both"},
	{"Family Intervention Projcets", "Family Intervention Projects", "both"},
	{"Parent Acadmey", "Parent Academy", "interventions"},
	// outcomes
	{"literacey", "literacy", "both"},
	{"numaracy", "numeracy", "both"},
	{"attainmnet", "attainment", "both"},
	{"vocabluary", "vocabulary", "studies"},
	{"behavour", "behaviour", "both"},
	{"atendance", "attendance", "studies"},
	{"homwork", "homework", "both"},
	{"aspirtions", "aspirations", "studies"},
	{"school readyness", "school readiness", "studies"},
	{"mathematcs", "mathematics", "studies"},
	{"cognative development", "cognitive development", "studies"},
	{"parental expectatons", "parental expectations", "studies"},
	{"parentel involvement", "parental involvement", "both"},
	// groups of families
	{"fathres", "fathers", "both"},
	{"mothres", "mothers", "both"},
	{"Gipsy Traveller families", "Gypsy Traveller families", "studies"},
	{"immigrnts", "immigrants", "studies"},
	{"disadvantged", "disadvantaged", "both"},
	{"ethnicty", "ethnicity", "studies"},
	{"kindergarden", "kindergarten", "studies"},
	{"puplis", "pupils", "both"},
	{"famlies", "families", "both"},
	{"chidren", "children", "both"},
	{"teenage parnets", "teenage parents", "studies"},
}

func TestDidYouMeanCorrectsMisspellings(t *testing.T) {
	cat := mustCatalog(t)
	tried, right := 0, 0
	check := func(list string, typed, want string, p func(catalog.Query) (int, *catalog.Suggestion)) {
		tried++
		total, s := p(catalog.Query{Search: typed})
		switch {
		case total != 0:
			t.Errorf("%s q=%q finds %d records: not a typo that finds nothing", list, typed, total)
		case s == nil:
			t.Logf("%s q=%q: no suggestion; want %q", list, typed, want)
		case !strings.EqualFold(s.Query, want):
			t.Logf("%s q=%q: suggests %q; want %q", list, typed, s.Query, want)
		case s.Query != want:
			t.Errorf("%s q=%q: suggests %q; want %q, in the case typed", list, typed, s.Query, want)
		case s.Total == 0:
			t.Errorf("%s q=%q: suggests %q with no records", list, typed, s.Query)
		default:
			right++
		}
	}
	studies := func(q catalog.Query) (int, *catalog.Suggestion) {
		p := mustStudies(t, cat, q)
		return p.Total, p.DidYouMean
	}
	interventions := func(q catalog.Query) (int, *catalog.Suggestion) {
		p, err := cat.Interventions(q)
		if err != nil {
			t.Fatal(err)
		}
		return p.Total, p.DidYouMean
	}
	for _, m := range misspellings {
		if m.lists != "interventions" {
			check("studies", m.typed, m.want, studies)
		}
		if m.lists != "studies" {
			check("interventions", m.typed, m.want, interventions)
		}
	}
	t.Logf("%d of %d misspellings get the right top suggestion", right, tried)
	if len(misspellings) < 40 || right*10 < tried*9 {
		t.Errorf("%d of %d right; want at least 90%% of at least 40", right, tried)
	}
}

// correctlySpelled are searches of words the evidence base holds, in every form the
// grammar takes: none gets a suggestion, on either list, whether or not that list finds
// it ("Bookbug" is in no study, yet it is no typo).
var correctlySpelled = []string{
	"parental engagement", "Triple P", "Incredible Years", "dialogic reading", "fathers", "literacy",
	"homework", "numeracy", "attainment", "vocabulary", "behaviour", "attendance", "aspirations",
	"school readiness", "mathematics", "cognitive development", "parental expectations", "mothers",
	"Gypsy Traveller families", "immigrants", "disadvantaged", "ethnicity", "kindergarten", "pupils",
	"teenage parents", "Bookbug", "Mellow Parenting", "PlayTalkRead", "Webster-Stratton", "Sure Start",
	"Reading Recovery", "Family Nurse Partnership", "Parents as Teachers", "Home-School Knowledge Exchange",
	`"home learning"`, "father*", "reading -school", "EAL", "special educational needs", "FSM",
	"literacy OR numeracy", "(fathers OR mothers) AND homework", "Sénéchal", "Strengthening Families",
}

func TestDidYouMeanLeavesCorrectSpellingAlone(t *testing.T) {
	cat := mustCatalog(t)
	if len(correctlySpelled) < 40 {
		t.Fatalf("%d correctly spelled searches; want at least 40", len(correctlySpelled))
	}
	for _, q := range correctlySpelled {
		if p := mustStudies(t, cat, catalog.Query{Search: q}); p.DidYouMean != nil {
			t.Errorf("studies q=%q (%d found): suggests %+v", q, p.Total, *p.DidYouMean)
		}
		p, err := cat.Interventions(catalog.Query{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		if p.DidYouMean != nil {
			t.Errorf("interventions q=%q (%d found): suggests %+v", q, p.Total, *p.DidYouMean)
		}
	}
}

// A suggestion goes beside the results, never in their place; its total is what the
// corrected search finds with the same filter, and with none there it is not offered.
func TestDidYouMeanNeverChangesTheResults(t *testing.T) {
	cat := mustCatalog(t)
	p := mustStudies(t, cat, catalog.Query{Search: "Tripple P"})
	if p.Total != 0 || len(p.Items) != 0 || p.DidYouMean == nil {
		t.Fatalf("Tripple P: %d found, suggestion %+v; want none found and a suggestion", p.Total, p.DidYouMean)
	}
	if got := mustStudies(t, cat, catalog.Query{Search: p.DidYouMean.Query}).Total; got != p.DidYouMean.Total {
		t.Errorf("suggestion total %d; the corrected search finds %d", p.DidYouMean.Total, got)
	}
	var with, without bool
	for year := 2008; year <= 2014; year++ {
		filter := "year:" + strconv.Itoa(year)
		n := mustStudies(t, cat, catalog.Query{Search: "Triple P", Filter: filter}).Total
		s := mustStudies(t, cat, catalog.Query{Search: "Tripple P", Filter: filter}).DidYouMean
		switch {
		case n == 0 && s != nil:
			t.Errorf("%s: suggests %+v, which finds nothing there", filter, *s)
		case n > 0 && (s == nil || s.Total != n):
			t.Errorf("%s: suggestion %+v; want Triple P with %d", filter, s, n)
		}
		with, without = with || n > 0, without || n == 0
	}
	if !with || !without {
		t.Errorf("the years do not test both cases (with %v, without %v)", with, without)
	}
}

// Only the words that match nothing are corrected; everything else in the query is kept as
// typed: other words, operators, quotes, case. Negated words, prefixes and words too short
// to correct are left alone.
func TestDidYouMeanCorrectsOnlyTheWordsThatMatchNothing(t *testing.T) {
	cat := mustCatalog(t)
	for _, c := range []struct{ typed, want string }{
		{`"dialogic readng"`, `"dialogic reading"`},
		{"dialogic OR readng", "dialogic OR reading"}, // the query finds records; the typo still gets a suggestion
		{"(fathres OR mothres) AND readng", "(fathers OR mothers) AND reading"},
		{"FATHRES", "FATHERS"},
		{"Incedible  Years,  parents", "Incredible  Years,  parents"},
		{"vocabluary -fathers", "vocabulary -fathers"},
		{"bocabulary", "vocabulary"}, // a first-letter error costs 2: words of 9 letters or more only
		{"ocabulary", "vocabulary"},
		{"ovcabulary", "vocabulary"},
		{"xvocabulary", "vocabulary"},
		{"parenting fathres", "parenting fathers"},
		{"literacyyy", "literacy"}, // 2 edits in a word of 10 letters
	} {
		p := mustStudies(t, cat, catalog.Query{Search: c.typed})
		if p.DidYouMean == nil || p.DidYouMean.Query != c.want {
			t.Errorf("q=%q: suggestion %+v; want %q", c.typed, p.DidYouMean, c.want)
		}
	}
	for _, q := range []string{
		"parenting -fathres", "parenting NOT (fathres OR mothres)", // negated
		"fathre*",      // a prefix
		"redng", "hom", // 4 letters or fewer: no edit allowed
		"dathers", "iteracy", // a first-letter error in a word of 8 letters or fewer
		"xyzzyplugh",   // nothing near
		"fathres 2011", // "fathers 2011" finds nothing
	} {
		if p := mustStudies(t, cat, catalog.Query{Search: q}); p.DidYouMean != nil {
			t.Errorf("q=%q: suggests %+v; want none", q, *p.DidYouMean)
		}
	}
}

// A write's new words are corrected to, in the snapshot it makes, whether or not the
// lexicon was built before it (the lexicon is shared by the snapshots writes derive).
func TestDidYouMeanKnowsTheWordsOfWrites(t *testing.T) {
	for _, built := range []bool{false, true} {
		cat := mustCatalog(t)
		if built {
			mustStudies(t, cat, catalog.Query{Search: "fathres"}) // builds the lexicon
		}
		s := cat.Dataset().Studies[0]
		s.Title = "Zoetropes and parental engagement"
		next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
		p := mustStudies(t, next, catalog.Query{Search: "zoetrpoes"})
		if p.DidYouMean == nil || p.DidYouMean.Query != "zoetropes" || p.DidYouMean.Total != 1 {
			t.Errorf("lexicon built before the write %v: suggestion %+v; want zoetropes, 1", built, p.DidYouMean)
		}
		if p := mustStudies(t, cat, catalog.Query{Search: "zoetrpoes"}); p.DidYouMean != nil {
			t.Errorf("the snapshot before the write suggests %+v", *p.DidYouMean)
		}
		// spelt right, the new word is no typo on the list that lacks it either
		if p, err := next.Interventions(catalog.Query{Search: "zoetropes"}); err != nil || p.DidYouMean != nil {
			t.Errorf("interventions q=zoetropes: %v, suggestion %+v; want none", err, p.DidYouMean)
		}
		// a deleted record's words find nothing: no suggestion leads to them
		gone := next.Apply(catalog.Change{DeleteStudies: []string{s.ID}}, "v2")
		if p := mustStudies(t, gone, catalog.Query{Search: "zoetrpoes"}); p.DidYouMean != nil {
			t.Errorf("after the delete: suggests %+v", *p.DidYouMean)
		}
	}
}
