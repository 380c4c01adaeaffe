package catalog_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
)

// Apply must give the same answers as building the catalogue afresh from the same records:
// after every change of a long random run, every query below is asked of the incrementally
// updated snapshot and of a fresh one, and their answers compared. Search relevance may
// drift between builds (see textIndex), so searches compare the records found, not their
// order.
func TestApplyMatchesFreshBuild(t *testing.T) {
	base := embeddedDataset(t)
	truth := newRecords(base)
	cat := catalog.New(base, "v0")
	rng := rand.New(rand.NewPCG(1, 2))
	for step := 1; step <= 60; step++ {
		ask(t, cat) // warms the sort caches that Apply must patch
		ch := truth.randomChange(rng, step)
		version := fmt.Sprintf("v%d", step)
		cat = cat.Apply(ch, version)
		fresh := catalog.New(truth.dataset(base), version)
		if got, want := ask(t, cat), ask(t, fresh); got != want {
			t.Fatalf("step %d (%s): incremental and fresh answers differ:\n%s", step, describe(ch), firstDiff(got, want))
		}
	}
}

// A change larger than the incremental limit is built afresh, with the same answers.
// The same at a few thousand studies, so the records, orders and maps a snapshot keeps span
// several of the chunks and shards a write copies (persist.go): what a write changes in
// one chunk must show in every query, and a record must move between chunks of an order.
func TestApplyMatchesFreshBuildAcrossChunks(t *testing.T) {
	seed := embeddedDataset(t)
	base := synth.Generate(seed, 3000, 5)
	truth := newRecords(base)
	cat := catalog.New(base, "v0")
	rng := rand.New(rand.NewPCG(3, 4))
	for step := 1; step <= 40; step++ {
		ask(t, cat)
		ch := truth.randomChange(rng, step)
		version := fmt.Sprintf("v%d", step)
		cat = cat.Apply(ch, version)
		if step%4 != 0 && step != 40 {
			continue // a fresh build of 3,000 each step would be most of the test's time
		}
		fresh := catalog.New(truth.dataset(base), version)
		if got, want := ask(t, cat), ask(t, fresh); got != want {
			t.Fatalf("step %d (%s): incremental and fresh answers differ:\n%s", step, describe(ch), firstDiff(got, want))
		}
	}
}

// A snapshot holds nothing of the one it was derived from that the older one does not
// share with it: once no reader holds the older snapshot, it is garbage. (A snapshot that
// kept its predecessor kept every earlier one, one behind another: the heap grew with
// every write by the copies each write made.)
func TestApplyLetsGoOfThePreviousSnapshot(t *testing.T) {
	cat := mustCatalog(t)
	d := cat.Dataset()
	s := d.Studies[0]
	s.Title = "A wholly new title about weak pointers"
	first := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v1")
	gone := weak.Make(first)
	s.Title = "Another new title about weak pointers"
	second := first.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v2")
	first = nil
	runtime.GC()
	if gone.Value() != nil {
		t.Error("the snapshot a write was derived from is still reachable from the next one")
	}
	if p, err := second.Studies(catalog.Query{Search: "another weak pointers"}); err != nil || p.Total != 1 {
		t.Fatalf("the latest snapshot lost its write: %v, %v", p, err)
	}
}

func TestApplyLargeChange(t *testing.T) {
	base := embeddedDataset(t)
	truth := newRecords(base)
	cat := catalog.New(base, "v0")
	var ch catalog.Change
	for i := range 300 {
		s := truth.studies[truth.studyIDs()[i%len(truth.studies)]]
		s.Year = models.FirstYear + i%7
		truth.studies[s.ID] = s
	}
	for _, s := range truth.studies {
		ch.PutStudies = append(ch.PutStudies, s)
	}
	cat = cat.Apply(ch, "v1")
	if got, want := ask(t, cat), ask(t, catalog.New(truth.dataset(base), "v1")); got != want {
		t.Fatalf("answers differ:\n%s", firstDiff(got, want))
	}
}

// Readers of the snapshot before a write keep seeing it as it was.
func TestApplyLeavesEarlierSnapshotAlone(t *testing.T) {
	cat := mustCatalog(t)
	before := ask(t, cat)
	d := cat.Dataset()
	s := d.Studies[0]
	s.Title, s.Themes, s.Year = "A wholly new title about zebras", []string{"engaging-with-fathers"}, models.LastYear
	iv := d.Interventions[0]
	iv.Stage = nil
	next := cat.Apply(catalog.Change{PutStudies: []models.Study{s}, PutInterventions: []models.Intervention{iv},
		DeleteStudies: []string{d.Studies[1].ID}}, "v1")
	if got := ask(t, cat); got != before {
		t.Fatalf("the earlier snapshot changed:\n%s", firstDiff(got, before))
	}
	p, err := next.Studies(catalog.Query{Search: "zebras"})
	if err != nil || p.Total != 1 || p.Items[0].ID != s.ID {
		t.Fatalf("the new snapshot does not find the new title: %+v, %v", p, err)
	}
	if _, err := next.Study(d.Studies[1].ID); err == nil {
		t.Fatal("a deleted study is still found")
	}
}

// records is the truth the test keeps beside the catalogue: the dataset after each change.
type records struct {
	studies       map[string]models.Study
	interventions map[string]models.Intervention
}

func newRecords(d *models.Dataset) *records {
	r := &records{studies: map[string]models.Study{}, interventions: map[string]models.Intervention{}}
	for _, s := range d.Studies {
		r.studies[s.ID] = s
	}
	for _, iv := range d.Interventions {
		r.interventions[iv.ID] = iv
	}
	return r
}

func (r *records) studyIDs() []string { return slices.Sorted(maps.Keys(r.studies)) }

func (r *records) ivIDs() []string { return slices.Sorted(maps.Keys(r.interventions)) }

func (r *records) dataset(vocab *models.Dataset) *models.Dataset {
	d := &models.Dataset{FormatVersion: vocab.FormatVersion, Themes: vocab.Themes, Strands: vocab.Strands, Disadvantages: vocab.Disadvantages}
	for _, id := range r.studyIDs() {
		d.Studies = append(d.Studies, r.studies[id])
	}
	for _, id := range r.ivIDs() {
		d.Interventions = append(d.Interventions, r.interventions[id])
	}
	return d
}

// randomChange makes one change of the kinds curators make, applies it to r and returns it.
func (r *records) randomChange(rng *rand.Rand, step int) catalog.Change {
	var ch catalog.Change
	studyIDs, ivIDs := r.studyIDs(), r.ivIDs()
	pickStudy := func() models.Study { return r.studies[studyIDs[rng.IntN(len(studyIDs))]] }
	pickIv := func() models.Intervention { return r.interventions[ivIDs[rng.IntN(len(ivIDs))]] }
	themes := []string{"supporting-vulnerable-families", "engaging-with-fathers", "family-learning", "parenting-support"}
	designs := []string{"RCT", "survey", "qualitative"}
	switch rng.IntN(7) {
	case 0: // retag and re-date a study, drop its design, give it a new author
		s := pickStudy()
		s.Themes = []string{themes[rng.IntN(len(themes))]}
		s.Year = models.FirstYear + rng.IntN(7)
		s.Design = nil
		s.Authors = append(slices.Clone(s.Authors), fmt.Sprintf("Zed%d, Q.", step))
		r.studies[s.ID] = s
		ch.PutStudies = append(ch.PutStudies, s)
	case 1: // rewrite a study's title and summary, link it to an intervention
		s := pickStudy()
		s.Title = fmt.Sprintf("Reading together at home, wave %d", step)
		s.Summary = "Parents and children shared books; the study reports what families said."
		s.Interventions = []string{ivIDs[rng.IntN(len(ivIDs))]}
		design := designs[rng.IntN(len(designs))]
		s.Design = &design
		n := 50 + step
		s.SampleSize = &n
		r.studies[s.ID] = s
		ch.PutStudies = append(ch.PutStudies, s)
	case 2: // a new study
		s := pickStudy()
		s.ID = fmt.Sprintf("aa-new-study-%d", step)
		s.Title = fmt.Sprintf("A new study of fathers and reading %d", step)
		s.Year = 2013
		r.studies[s.ID] = s
		ch.PutStudies = append(ch.PutStudies, s)
	case 3: // a study goes, with the links to it
		s := pickStudy()
		delete(r.studies, s.ID)
		ch.DeleteStudies = append(ch.DeleteStudies, s.ID)
		for _, iv := range r.interventions {
			if slices.ContainsFunc(iv.Evidence, func(e models.Evidence) bool { return e.StudyID != nil && *e.StudyID == s.ID }) {
				iv.Evidence = slices.DeleteFunc(slices.Clone(iv.Evidence), func(e models.Evidence) bool { return e.StudyID != nil && *e.StudyID == s.ID })
				r.interventions[iv.ID] = iv
				ch.PutInterventions = append(ch.PutInterventions, iv)
			}
		}
	case 4: // an intervention's evidence now cites another study; its stage changes
		iv := pickIv()
		id := studyIDs[rng.IntN(len(studyIDs))]
		iv.Evidence = append(slices.Clone(iv.Evidence), models.Evidence{Finding: "A later look at the same families.", StudyID: &id})
		stage := []string{"primary", "secondary", "all"}[rng.IntN(3)]
		iv.Stage = &stage
		r.interventions[iv.ID] = iv
		ch.PutInterventions = append(ch.PutInterventions, iv)
	case 5: // a new intervention, citing a study
		iv := pickIv()
		iv.ID = fmt.Sprintf("new-programme-%d", step)
		iv.Name = fmt.Sprintf("Homework club %d", step)
		id := studyIDs[rng.IntN(len(studyIDs))]
		iv.Evidence = []models.Evidence{{Finding: "Staff described how the club ran.", StudyID: &id}}
		r.interventions[iv.ID] = iv
		ch.PutInterventions = append(ch.PutInterventions, iv)
	default: // an intervention goes; studies naming it drop it
		iv := pickIv()
		delete(r.interventions, iv.ID)
		ch.DeleteInterventions = append(ch.DeleteInterventions, iv.ID)
		for _, s := range r.studies {
			if slices.Contains(s.Interventions, iv.ID) {
				s.Interventions = slices.DeleteFunc(slices.Clone(s.Interventions), func(x string) bool { return x == iv.ID })
				r.studies[s.ID] = s
				ch.PutStudies = append(ch.PutStudies, s)
			}
		}
	}
	return ch
}

func describe(ch catalog.Change) string {
	return fmt.Sprintf("put %d studies, %d interventions; delete %v %v", len(ch.PutStudies), len(ch.PutInterventions), ch.DeleteStudies, ch.DeleteInterventions)
}

// ask puts a battery of questions to cat and writes down the answers, one per line.
func ask(t *testing.T, cat *catalog.Catalog) string {
	t.Helper()
	var b strings.Builder
	facets := []string{"theme", "strand", "disadvantage", "design", "stage", "country", "type", "year"}
	for _, q := range []catalog.Query{
		{PerPage: 100},
		{Sort: "-year,title", PerPage: 100, Facets: facets},
		{Sort: "sample_size,author", PerPage: 50},
		{Filter: "theme:engaging-with-fathers|family-learning,year:2010-2014", Facets: facets, FacetMode: catalog.FacetsDisjunctive},
		{Filter: "design:null", Sort: "title"},
		{Filter: "design:!RCT,has_sample_size:true"},
		{Filter: "intervention.stage:primary", Sort: "id"},
		{Filter: "author:zed3|goodall"},
		{Filter: "sample_size:>50", Sort: "-sample_size"},
	} {
		p, err := cat.Studies(q)
		if err != nil {
			t.Fatalf("Studies(%+v): %v", q, err)
		}
		fmt.Fprintf(&b, "studies %+v: total %d ids %v facets %v\n", q, p.Total, ids(p.Items, func(s models.Study) string { return s.ID }), p.Facets)
	}
	for _, search := range []string{"reading", "fathers OR father", `"home learning"`, "parent* -school"} {
		p, err := cat.Studies(catalog.Query{Search: search, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		found := ids(p.Items, func(s models.Study) string { return s.ID })
		slices.Sort(found)
		fmt.Fprintf(&b, "search %q: total %d ids %v\n", search, p.Total, found)
	}
	for _, q := range []catalog.Query{
		{PerPage: 100, Facets: []string{"stage", "setting", "theme"}},
		{Sort: "-study_count,name", PerPage: 100},
		{Filter: "study.year:2013,stage:!secondary"},
		{Filter: "study_count:>1"},
	} {
		p, err := cat.Interventions(q)
		if err != nil {
			t.Fatalf("Interventions(%+v): %v", q, err)
		}
		fmt.Fprintf(&b, "interventions %+v: total %d ids %v facets %v\n", q, p.Total, ids(p.Items, func(iv models.Intervention) string { return iv.ID }), p.Facets)
	}
	d := cat.Dataset()
	for _, s := range d.Studies {
		r, err := cat.Study(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "study %s: %v\n", s.ID, ids(r.Interventions, func(iv models.Intervention) string { return iv.ID }))
	}
	for _, iv := range d.Interventions {
		r, err := cat.Intervention(iv.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "intervention %s: %v\n", iv.ID, ids(r.Studies, func(s models.Study) string { return s.ID }))
	}
	themes, _ := json.Marshal(cat.Themes()) // pointers as their values, not their addresses
	fmt.Fprintf(&b, "themes %s\ncoverage %+v\n", themes, *cat.Coverage())
	m, err := cat.CrossTab("theme", "year", "", "")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "map %+v\n", *m)
	var cursor []string
	q := catalog.Query{Sort: "-year,title", PerPage: 9, Cursor: catalog.FirstCursor}
	for q.Cursor != "" {
		p, err := cat.Studies(q)
		if err != nil {
			t.Fatal(err)
		}
		cursor = append(cursor, ids(p.Items, func(s models.Study) string { return s.ID })...)
		q.Cursor = p.NextCursor
	}
	fmt.Fprintf(&b, "cursor walk %v\n", cursor)
	return b.String()
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("incremental: %.600s\nfresh:       %.600s", g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(g), len(w))
}
