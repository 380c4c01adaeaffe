package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"iter"
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
	// DidYouMean is the search with its misspelt words corrected, when a word matched
	// nothing and the correction finds records (suggest.go); nil otherwise. The page itself
	// is always the search as asked.
	DidYouMean *Suggestion
}

// Study list default order: newest first, then by title.
const (
	DefaultStudySort        = "-year,title"
	DefaultInterventionSort = "name"
)

// Studies answers a list query over studies.
func (cat *Catalog) Studies(q Query) (*Page[models.Study], error) {
	p, err := runPage(cat, cat.studies, q, DefaultStudySort, cat.studyRecs)
	if err == nil {
		cat.markProvisionalFacets(p.Facets)
	}
	return p, err
}

// Interventions answers a list query over interventions.
func (cat *Catalog) Interventions(q Query) (*Page[models.Intervention], error) {
	p, err := runPage(cat, cat.interventions, q, DefaultInterventionSort, cat.ivRecs)
	if err == nil {
		cat.markProvisionalFacets(p.Facets)
	}
	return p, err
}

func runPage[T any](cat *Catalog, c *collection, q Query, defaultSort string, records vec[*T]) (*Page[T], error) {
	res, err := c.run(q, defaultSort, cat.version)
	if err != nil {
		return nil, err
	}
	defer c.scratch.release(res.filtered) // nothing below keeps it
	var suggestion *Suggestion
	if res.search != nil && !q.noSuggestion {
		if err := expired(q.Context); err != nil {
			res.search.release(c.text)
			return nil, err
		}
		suggestion = cat.didYouMean(q.Context, c, q.Search, res.filtered)
	}
	p := &Page[T]{Items: make([]T, len(res.ordinals)), Total: res.total, NextCursor: res.nextCursor, Facets: res.facets,
		DidYouMean: suggestion}
	for i, o := range res.ordinals {
		p.Items[i] = *records.at(int(o))
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
	o, st, err := find(cat.studies, cat.studyRecs, models.KindStudy, id)
	if err != nil {
		return nil, err
	}
	d := &StudyRecord{Study: st, Interventions: related(cat.studies, "intervention", o, cat.ivRecs)}
	d.Themes, d.Strands, d.Disadvantages = cat.tags(st.Themes, st.Strands, st.DisadvantageFocus)
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
	o, iv, err := find(cat.interventions, cat.ivRecs, models.KindIntervention, id)
	if err != nil {
		return nil, err
	}
	d := &InterventionRecord{Intervention: iv, Studies: related(cat.interventions, "study", o, cat.studyRecs)}
	d.Themes, d.Strands, d.Disadvantages = cat.tags(iv.Themes, iv.Strands, iv.DisadvantageFocus)
	return d, nil
}

// find is the record of a collection with the id, and its ordinal.
func find[T any](c *collection, recs vec[*T], kind, id string) (int, T, error) {
	o, ok := c.byID.get(id)
	if !ok {
		var none T
		return 0, none, models.NotFound(kind, id)
	}
	return o, *recs.at(int(o)), nil
}

// related are the records of another collection that the record at ordinal o links to
// through field.
func related[T any](c *collection, field string, o int, recs vec[*T]) []T {
	var out []T
	for _, r := range c.fields[field].rel.bySource.at(o) {
		out = append(out, *recs.at(int(r)))
	}
	return out
}

// tags are the vocabulary values a record's tag slugs name.
func (cat *Catalog) tags(themes, strands, disadvantages []string) ([]models.Theme, []models.Strand, []models.DisadvantageFocus) {
	return ThemeKind.pick(cat, themes), StrandKind.pick(cat, strands), DisadvantageKind.pick(cat, disadvantages)
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

// ETag is the record's strong entity tag: a hash of the record and of the related records
// embedded with it, so it changes whenever its detail representation does. A write names
// it in If-Match.
func (r *StudyRecord) ETag() string { return entityTag(r) }

// ETag is the intervention's strong entity tag; see StudyRecord.ETag.
func (r *InterventionRecord) ETag() string { return entityTag(r) }

// Record is the study itself.
func (r *StudyRecord) Record() *models.Study { return &r.Study }

// Record is the intervention itself.
func (r *InterventionRecord) Record() *models.Intervention { return &r.Intervention }

// ETag is the current entity tag of the record kind/id; false when there is none.
func (cat *Catalog) ETag(kind, id string) (string, bool) {
	if k, ok := recordKinds[kind]; ok {
		return k.etag(cat, id)
	}
	return "", false
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
	_, ok := ThemeKind.find(r.cat, slug)
	return ok
}
func (r catalogRecords) HasStrand(slug string) bool {
	_, ok := StrandKind.find(r.cat, slug)
	return ok
}
func (r catalogRecords) HasDisadvantage(slug string) bool {
	_, ok := DisadvantageKind.find(r.cat, slug)
	return ok
}
func (r catalogRecords) HasStudy(id string) bool {
	_, ok := r.cat.studies.byID.get(id)
	return ok
}
func (r catalogRecords) HasIntervention(id string) bool {
	_, ok := r.cat.interventions.byID.get(id)
	return ok
}
func (r catalogRecords) DOIOwner(doi string) (string, bool) {
	for _, o := range r.cat.studies.fields["doi"].keys.at(strings.ToLower(doi)) {
		if r.cat.studyRecs.at(int(o)) != nil {
			return r.cat.studyRecs.at(int(o)).ID, true
		}
	}
	return "", false
}

// VocabularyItem returns a theme, strand or disadvantage-focus value by its kind's name
// and slug, with its entity tag; false when there is none.
func (cat *Catalog) VocabularyItem(kind, slug string) (item any, etag string, ok bool) {
	if k, found := vocabularyKinds[kind]; found {
		return k.lookup(cat, slug)
	}
	return nil, "", false
}

// Vocabulary is the snapshot's themes, strands and disadvantage-focus values, as a dataset
// without records. Callers must not modify it.
func (cat *Catalog) Vocabulary() *models.Dataset { return cat.vocab }

// TagUse counts the live studies and interventions tagged with a vocabulary value, by its
// kind's name and slug.
func (cat *Catalog) TagUse(kind, slug string) (studies, interventions int) {
	if k, ok := vocabularyKinds[kind]; ok {
		return k.TagUse(cat, slug)
	}
	return 0, 0
}

// StudyCount is how many studies in the review an intervention is linked to, the value
// sort=study_count orders by; 0 for an unknown id.
func (cat *Catalog) StudyCount(id string) int {
	if o, ok := cat.interventions.byID.get(id); ok {
		return len(cat.ivStudies.at(o))
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

func runAll[T any](c *collection, q Query, defaultSort string, records vec[*T]) (iter.Seq[T], int, error) {
	ords, err := c.all(q, defaultSort)
	if err != nil {
		return nil, 0, err
	}
	return func(yield func(T) bool) {
		for _, o := range ords {
			if !yield(*records.at(int(o))) {
				return
			}
		}
	}, len(ords), nil
}
