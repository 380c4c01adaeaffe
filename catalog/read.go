package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// Hit says why a record matched a search: its relevance score (BM25; comparable only
// within one search) and highlighted snippets per field.
type Hit struct {
	Score      float64
	Highlights map[string]string
}

// Page is one page of a list query.
type Page[T any] struct {
	Items      []T
	Matches    []Hit // parallel to Items, only when searching
	Total      int
	NextCursor string
	Facets     []models.Facet
}

// Study list default order: newest first, then by title.
const (
	DefaultStudySort        = "-year,title"
	DefaultInterventionSort = "name"
)

// Studies answers a list query over studies.
func (cat *Catalog) Studies(q Query) (*Page[models.Study], error) {
	p, err := runPage(cat.studies, q, DefaultStudySort, cat.version, cat.studyRecs)
	if err == nil {
		cat.markProvisionalFacets(p.Facets)
	}
	return p, err
}

// Interventions answers a list query over interventions.
func (cat *Catalog) Interventions(q Query) (*Page[models.Intervention], error) {
	p, err := runPage(cat.interventions, q, DefaultInterventionSort, cat.version, cat.ivRecs)
	if err == nil {
		cat.markProvisionalFacets(p.Facets)
	}
	return p, err
}

func runPage[T any](c *collection, q Query, defaultSort, version string, records []*T) (*Page[T], error) {
	res, err := c.run(q, defaultSort, version)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: make([]T, len(res.ordinals)), Total: res.total, NextCursor: res.nextCursor, Facets: res.facets}
	for i, o := range res.ordinals {
		p.Items[i] = *records[o]
	}
	if res.search != nil {
		p.Matches = make([]Hit, len(res.ordinals))
		for i, o := range res.ordinals {
			p.Matches[i] = Hit{Score: res.search.scores[o], Highlights: c.text.highlight(int(o), res.search)}
		}
		res.search.release(c.text)
	}
	return p, nil
}

// StudyRecord is a study with its related records embedded.
type StudyRecord struct {
	Study         models.Study
	Themes        []models.Theme
	Strands       []models.Strand
	Disadvantages []models.DisadvantageFocus
	Interventions []models.Intervention
}

// Study returns one study by id.
func (cat *Catalog) Study(id string) (*StudyRecord, error) {
	o, ok := cat.studies.byID[id]
	if !ok {
		return nil, models.NotFound("study", id)
	}
	st := *cat.studyRecs[o]
	d := &StudyRecord{Study: st, Themes: cat.themes(st.Themes), Strands: cat.strands(st.Strands), Disadvantages: cat.disadvantages(st.DisadvantageFocus)}
	for _, iv := range cat.studies.fields["intervention"].rel.bySource[o] {
		d.Interventions = append(d.Interventions, *cat.ivRecs[iv])
	}
	return d, nil
}

// InterventionRecord is an intervention with the studies that evaluate it and its tags.
type InterventionRecord struct {
	Intervention  models.Intervention
	Studies       []models.Study
	Themes        []models.Theme
	Strands       []models.Strand
	Disadvantages []models.DisadvantageFocus
}

// Intervention returns one intervention by id.
func (cat *Catalog) Intervention(id string) (*InterventionRecord, error) {
	o, ok := cat.interventions.byID[id]
	if !ok {
		return nil, models.NotFound("intervention", id)
	}
	iv := *cat.ivRecs[o]
	d := &InterventionRecord{Intervention: iv, Themes: cat.themes(iv.Themes), Strands: cat.strands(iv.Strands), Disadvantages: cat.disadvantages(iv.DisadvantageFocus)}
	for _, st := range cat.interventions.fields["study"].rel.bySource[o] {
		d.Studies = append(d.Studies, *cat.studyRecs[st])
	}
	return d, nil
}

// ThemeCount is a theme with how many studies and interventions carry it.
type ThemeCount struct {
	Theme             models.Theme
	StudyCount        int
	InterventionCount int
}

// Themes lists the six themes in the review's order, with their counts.
func (cat *Catalog) Themes() []ThemeCount {
	out := make([]ThemeCount, len(cat.vocab.Themes))
	for i, t := range cat.vocab.Themes {
		out[i] = cat.themeCount(t)
	}
	return out
}

// Theme returns one theme by slug.
func (cat *Catalog) Theme(slug string) (*ThemeCount, error) {
	i, ok := cat.themeIdx[slug]
	if !ok {
		return nil, models.NotFound("theme", slug)
	}
	tc := cat.themeCount(cat.vocab.Themes[i])
	return &tc, nil
}

func (cat *Catalog) themeCount(t models.Theme) ThemeCount {
	return ThemeCount{
		Theme:             t,
		StudyCount:        cat.studies.fields["theme"].tags.sets[t.Slug].count(),
		InterventionCount: cat.interventions.fields["theme"].tags.sets[t.Slug].count(),
	}
}

// Strands lists the four strands.
func (cat *Catalog) Strands() []models.Strand { return cat.vocab.Strands }

// Disadvantages lists the disadvantage-focus vocabulary.
func (cat *Catalog) Disadvantages() []models.DisadvantageFocus { return cat.vocab.Disadvantages }

func (cat *Catalog) themes(slugs []string) []models.Theme {
	return pick(cat.vocab.Themes, slugs, func(t models.Theme) string { return t.Slug })
}

func (cat *Catalog) strands(slugs []string) []models.Strand {
	return pick(cat.vocab.Strands, slugs, func(t models.Strand) string { return t.Slug })
}

func (cat *Catalog) disadvantages(slugs []string) []models.DisadvantageFocus {
	return pick(cat.vocab.Disadvantages, slugs, func(t models.DisadvantageFocus) string { return t.Slug })
}

// pick returns the vocabulary records named by slugs, in the order of slugs.
func pick[T any](all []T, slugs []string, slug func(T) string) []T {
	out := make([]T, 0, len(slugs))
	for _, want := range slugs {
		for _, t := range all {
			if slug(t) == want {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// FilterFields lists the filter fields of studies and interventions, for documentation.
func (cat *Catalog) FilterFields() (studies, interventions []string) {
	return cat.studies.names, cat.interventions.names
}

// ETag is the record's strong entity tag: a hash of the record and of the related records
// embedded with it, so it changes whenever its detail representation does. A write names
// it in If-Match.
func (r *StudyRecord) ETag() string { return entityTag(r) }

// ETag is the intervention's strong entity tag; see StudyRecord.ETag.
func (r *InterventionRecord) ETag() string { return entityTag(r) }

// ETag is the current entity tag of the record kind/id; false when there is none.
func (cat *Catalog) ETag(kind, id string) (string, bool) {
	if kind == models.KindStudy {
		r, err := cat.Study(id)
		if err != nil {
			return "", false
		}
		return r.ETag(), true
	}
	r, err := cat.Intervention(id)
	if err != nil {
		return "", false
	}
	return r.ETag(), true
}

func entityTag(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain data: they always encode
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Records answers what checking a record needs to know of this snapshot.
func (cat *Catalog) Records() models.Records { return catalogRecords{cat} }

type catalogRecords struct{ cat *Catalog }

func (r catalogRecords) HasTheme(slug string) bool {
	return slices.ContainsFunc(r.cat.vocab.Themes, func(t models.Theme) bool { return t.Slug == slug })
}
func (r catalogRecords) HasStrand(slug string) bool {
	return slices.ContainsFunc(r.cat.vocab.Strands, func(s models.Strand) bool { return s.Slug == slug })
}
func (r catalogRecords) HasDisadvantage(slug string) bool {
	return slices.ContainsFunc(r.cat.vocab.Disadvantages, func(d models.DisadvantageFocus) bool { return d.Slug == slug })
}
func (r catalogRecords) HasStudy(id string) bool {
	_, ok := r.cat.studies.byID[id]
	return ok
}
func (r catalogRecords) HasIntervention(id string) bool {
	_, ok := r.cat.interventions.byID[id]
	return ok
}
func (r catalogRecords) DOIOwner(doi string) (string, bool) {
	for _, o := range r.cat.studies.fields["doi"].keys[strings.ToLower(doi)] {
		if r.cat.studyRecs[o] != nil {
			return r.cat.studyRecs[o].ID, true
		}
	}
	return "", false
}

// Link is a reference from one record to another: the record that holds it, and where.
type Link struct {
	Kind  string // models.KindStudy or models.KindIntervention
	ID    string
	Field string // e.g. "evidence[2].study_id" or "interventions"
}

// LinksTo lists the references other records hold to the record kind/id: the evidence
// items that cite a study, or the studies that name an intervention.
func (cat *Catalog) LinksTo(kind, id string) []Link {
	var out []Link
	switch kind {
	case models.KindStudy:
		o, ok := cat.studies.byID[id]
		if !ok {
			return nil
		}
		for _, iv := range cat.studyIvs[o] {
			for j, e := range cat.ivRecs[iv].Evidence {
				if e.StudyID != nil && *e.StudyID == id {
					out = append(out, Link{models.KindIntervention, cat.ivRecs[iv].ID, fmt.Sprintf("evidence[%d].study_id", j)})
				}
			}
		}
	case models.KindIntervention:
		o, ok := cat.interventions.byID[id]
		if !ok {
			return nil
		}
		for _, s := range cat.ivStudies[o] {
			if slices.Contains(cat.studyRecs[s].Interventions, id) {
				out = append(out, Link{models.KindStudy, cat.studyRecs[s].ID, "interventions"})
			}
		}
	}
	return out
}

// VocabularyItem returns a theme, strand or disadvantage-focus value by slug, with its
// entity tag; false when there is none.
func (cat *Catalog) VocabularyItem(kind, slug string) (item any, etag string, ok bool) {
	switch kind {
	case models.KindTheme:
		if i := slices.IndexFunc(cat.vocab.Themes, func(t models.Theme) bool { return t.Slug == slug }); i >= 0 {
			item = cat.vocab.Themes[i]
		}
	case models.KindStrand:
		if i := slices.IndexFunc(cat.vocab.Strands, func(t models.Strand) bool { return t.Slug == slug }); i >= 0 {
			item = cat.vocab.Strands[i]
		}
	case models.KindDisadvantage:
		if i := slices.IndexFunc(cat.vocab.Disadvantages, func(t models.DisadvantageFocus) bool { return t.Slug == slug }); i >= 0 {
			item = cat.vocab.Disadvantages[i]
		}
	}
	if item == nil {
		return nil, "", false
	}
	return item, entityTag(item), true
}

// Vocabulary is the snapshot's themes, strands and disadvantage-focus values, as a dataset
// without records. Callers must not modify it.
func (cat *Catalog) Vocabulary() *models.Dataset { return cat.vocab }

// TagUse counts the live studies and interventions tagged with a vocabulary value.
func (cat *Catalog) TagUse(kind, slug string) (studies, interventions int) {
	field := map[string]string{models.KindTheme: "theme", models.KindStrand: "strand", models.KindDisadvantage: "disadvantage"}[kind]
	count := func(c *collection) int {
		if set, ok := c.fields[field].tags.sets[slug]; ok {
			return set.andCount(c.live)
		}
		return 0
	}
	return count(cat.studies), count(cat.interventions)
}

// StudyCount is how many studies in the review an intervention is linked to, the value
// sort=study_count orders by; 0 for an unknown id.
func (cat *Catalog) StudyCount(id string) int {
	if o, ok := cat.interventions.byID[id]; ok {
		return len(cat.ivStudies[o])
	}
	return 0
}

// StudiesAll answers a query with every matching study, in the order of the list, from
// this one snapshot: the query runs once, and the records follow one pass over its order,
// so an export costs time linear in its rows. Paging and facets do not apply.
func (cat *Catalog) StudiesAll(q Query) (iter.Seq[models.Study], int, error) {
	return runAll(cat.studies, q, DefaultStudySort, cat.studyRecs)
}

// InterventionsAll is StudiesAll for interventions.
func (cat *Catalog) InterventionsAll(q Query) (iter.Seq[models.Intervention], int, error) {
	return runAll(cat.interventions, q, DefaultInterventionSort, cat.ivRecs)
}

func runAll[T any](c *collection, q Query, defaultSort string, records []*T) (iter.Seq[T], int, error) {
	ords, err := c.all(q, defaultSort)
	if err != nil {
		return nil, 0, err
	}
	return func(yield func(T) bool) {
		for _, o := range ords {
			if !yield(*records[o]) {
				return
			}
		}
	}, len(ords), nil
}
