package store

import (
	"github.com/evidence-kb/parental-engagement/models"
)

// Match says why a record matched a search: its relevance score (BM25; comparable only
// within one search) and highlighted snippets per field.
type Match struct {
	Score      float64
	Highlights map[string]string
}

// Page is one page of a list query.
type Page[T any] struct {
	Items      []T
	Matches    []Match // parallel to Items, only when searching
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
func (s *Store) Studies(q Query) (*Page[models.Study], error) {
	return runPage(s.cat.studies, q, DefaultStudySort, s.cat.version, s.cat.dataset.Studies)
}

// Interventions answers a list query over interventions.
func (s *Store) Interventions(q Query) (*Page[models.Intervention], error) {
	return runPage(s.cat.interventions, q, DefaultInterventionSort, s.cat.version, s.cat.dataset.Interventions)
}

func runPage[T any](c *collection, q Query, defaultSort, version string, records []T) (*Page[T], error) {
	res, err := c.run(q, defaultSort, version)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: make([]T, len(res.ordinals)), Total: res.total, NextCursor: res.nextCursor, Facets: res.facets}
	for i, o := range res.ordinals {
		p.Items[i] = records[o]
	}
	if res.search != nil {
		p.Matches = make([]Match, len(res.ordinals))
		for i, o := range res.ordinals {
			p.Matches[i] = Match{Score: res.search.scores[o], Highlights: c.text.highlight(int(o), res.search)}
		}
		res.search.release(c.text)
	}
	return p, nil
}

// StudyDetail is a study with its related records embedded.
type StudyDetail struct {
	Study         models.Study
	Themes        []models.Theme
	Strands       []models.Strand
	Disadvantages []models.DisadvantageFocus
	Interventions []models.Intervention
}

// Study returns one study by id.
func (s *Store) Study(id string) (*StudyDetail, error) {
	o, ok := s.cat.studies.byID[id]
	if !ok {
		return nil, models.NotFound("study", id)
	}
	st := s.cat.dataset.Studies[o]
	d := &StudyDetail{Study: st, Themes: s.themes(st.Themes), Strands: s.strands(st.Strands), Disadvantages: s.disadvantages(st.DisadvantageFocus)}
	for _, iv := range s.cat.studies.fields["intervention"].rel.bySource[o] {
		d.Interventions = append(d.Interventions, s.cat.dataset.Interventions[iv])
	}
	return d, nil
}

// InterventionDetail is an intervention with the studies that evaluate it and its tags.
type InterventionDetail struct {
	Intervention  models.Intervention
	Studies       []models.Study
	Themes        []models.Theme
	Strands       []models.Strand
	Disadvantages []models.DisadvantageFocus
}

// Intervention returns one intervention by id.
func (s *Store) Intervention(id string) (*InterventionDetail, error) {
	o, ok := s.cat.interventions.byID[id]
	if !ok {
		return nil, models.NotFound("intervention", id)
	}
	iv := s.cat.dataset.Interventions[o]
	d := &InterventionDetail{Intervention: iv, Themes: s.themes(iv.Themes), Strands: s.strands(iv.Strands), Disadvantages: s.disadvantages(iv.DisadvantageFocus)}
	for _, st := range s.cat.interventions.fields["study"].rel.bySource[o] {
		d.Studies = append(d.Studies, s.cat.dataset.Studies[st])
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
func (s *Store) Themes() []ThemeCount {
	out := make([]ThemeCount, len(s.cat.dataset.Themes))
	for i, t := range s.cat.dataset.Themes {
		out[i] = s.themeCount(t)
	}
	return out
}

// Theme returns one theme by slug.
func (s *Store) Theme(slug string) (*ThemeCount, error) {
	i, ok := s.cat.themeIdx[slug]
	if !ok {
		return nil, models.NotFound("theme", slug)
	}
	tc := s.themeCount(s.cat.dataset.Themes[i])
	return &tc, nil
}

func (s *Store) themeCount(t models.Theme) ThemeCount {
	return ThemeCount{
		Theme:             t,
		StudyCount:        s.cat.studies.fields["theme"].tags.sets[t.Slug].count(),
		InterventionCount: s.cat.interventions.fields["theme"].tags.sets[t.Slug].count(),
	}
}

// Strands lists the four strands.
func (s *Store) Strands() []models.Strand { return s.cat.dataset.Strands }

// Disadvantages lists the disadvantage-focus vocabulary.
func (s *Store) Disadvantages() []models.DisadvantageFocus { return s.cat.dataset.Disadvantages }

func (s *Store) themes(slugs []string) []models.Theme {
	return pick(s.cat.dataset.Themes, slugs, func(t models.Theme) string { return t.Slug })
}

func (s *Store) strands(slugs []string) []models.Strand {
	return pick(s.cat.dataset.Strands, slugs, func(t models.Strand) string { return t.Slug })
}

func (s *Store) disadvantages(slugs []string) []models.DisadvantageFocus {
	return pick(s.cat.dataset.Disadvantages, slugs, func(t models.DisadvantageFocus) string { return t.Slug })
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
func (s *Store) FilterFields() (studies, interventions []string) {
	return s.cat.studies.names, s.cat.interventions.names
}
