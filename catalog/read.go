package catalog

import (
	"github.com/evidence-kb/parental-engagement/models"
)

// Match says why a record matched a search: its relevance score (BM25; comparable only
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

// StudyDetail is a study with its related records embedded.
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

// InterventionDetail is an intervention with the studies that evaluate it and its tags.
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
