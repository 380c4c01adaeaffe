package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/evidence-kb/parental-engagement/models"
)

// MapDimensions are the study fields an evidence map can cross.
var MapDimensions = []string{"theme", "strand", "disadvantage", "design", "stage", "year"}

// CrossTab counts studies in every cell of two crossed dimensions: the review's
// evidence-gap map. Zero cells are kept, because a gap is the point.
type CrossTab struct {
	Rows  []models.FacetValue // each row value with its total over the result set
	Cols  []models.FacetValue
	Cells [][]int // Cells[r][c] is the number of studies with Rows[r] and Cols[c]
	Total int     // studies in the filtered, searched set
}

// CrossTab crosses rows and cols over the studies matching filter and search.
func (cat *Catalog) CrossTab(rows, cols, filter, search string) (*CrossTab, error) {
	c := cat.studies
	rf, err := mapDimension(c, PartMapRows, rows)
	if err != nil {
		return nil, err
	}
	cf, err := mapDimension(c, PartMapColumns, cols)
	if err != nil {
		return nil, err
	}
	if rf == cf {
		return nil, models.Invalid(PartMapColumns, "must differ from rows")
	}
	matched, err := c.match(filter, search)
	if err != nil {
		return nil, err
	}
	m := &CrossTab{Total: matched.count()}
	rowValues := mapValues(c, rf)
	colValues := mapValues(c, cf)
	m.Cells = make([][]int, len(rowValues))
	inRow := newBitmap(len(matched) * 64) // one row's studies at a time
	for i, rv := range rowValues {
		copy(inRow, matched)
		inRow.and(rf.tags.sets[rv])
		m.Rows = append(m.Rows, models.FacetValue{Value: rv, Label: rf.label(rv), Count: inRow.count()})
		m.Cells[i] = make([]int, len(colValues))
		for j, cv := range colValues {
			m.Cells[i][j] = inRow.andCount(cf.tags.sets[cv])
		}
	}
	for _, cv := range colValues {
		m.Cols = append(m.Cols, models.FacetValue{Value: cv, Label: cf.label(cv), Count: matched.andCount(cf.tags.sets[cv])})
	}
	cat.markProvisional(rows, m.Rows)
	cat.markProvisional(cols, m.Cols)
	return m, nil
}

func mapDimension(c *collection, param, name string) (*field, error) {
	if !slices.Contains(MapDimensions, name) {
		return nil, models.Invalid(param, fmt.Sprintf("cannot map studies by %q", name), MapDimensions...)
	}
	return c.fields[name], nil
}

// mapValues lists a dimension's values: its whole vocabulary, and "null" only when some
// study lacks a value, so the map's shape does not depend on the filter.
func mapValues(c *collection, f *field) []string {
	var out []string
	for _, v := range f.tags.order {
		if v == nullValue && f.tags.sets[v].count() == 0 {
			continue
		}
		out = append(out, v)
	}
	return out
}

// match evaluates a filter and a search over a collection.
func (c *collection) match(filter, search string) (bitmap, error) {
	clauses, err := parseFilter(filter)
	if err != nil {
		return nil, err
	}
	matched, err := c.evaluate(context.Background(), clauses)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(search) != "" {
		sr, err := c.text.search(search, matched, false)
		if err != nil {
			return nil, err
		}
		matched = sr.keepMatched()
		sr.release(c.text)
	}
	return matched, nil
}

// Coverage describes the coverage of the evidence base: counts per tag and how complete the
// evidence fields are, so a thin cell can be told apart from missing data.
type Coverage struct {
	Studies       int
	Interventions int
	Counts        []models.Facet // per theme, strand, disadvantage, design, stage, year, type, country
	Completeness  []FieldCoverage
	Provisional   []ProvisionalTag
}

// FieldCoverage is the share of studies that state one evidence field.
type FieldCoverage struct {
	Field string
	Count int
	Share float64
}

// ProvisionalTag names a theme or strand whose label is ours, not the review's.
type ProvisionalTag struct {
	Kind string // "theme" or "strand"
	Slug string
	Name string
	Note string
}

// Coverage summarises the whole evidence base.
func (cat *Catalog) Coverage() *Coverage {
	c := cat.studies
	all := c.live
	studies := all.count()
	st := &Coverage{Studies: studies, Interventions: cat.interventions.live.count()}
	for _, name := range []string{"theme", "strand", "disadvantage", "design", "stage", "year", "type", "country"} {
		st.Counts = append(st.Counts, c.facet(c.fields[name], all))
	}
	cat.markProvisionalFacets(st.Counts) // as a list's facets say it
	for _, f := range []struct{ field, flag string }{{"doi", "has_doi"}, {"sample_size", "has_sample_size"}, {"effect_size", "has_effect_size"}, {"url", "has_url"}} {
		n := c.fields[f.flag].tags.sets["true"].andCount(all)
		share := 0.0
		if studies > 0 {
			share = float64(n) / float64(studies)
		}
		st.Completeness = append(st.Completeness, FieldCoverage{Field: f.field, Count: n, Share: share})
	}
	for _, t := range cat.vocab.Themes {
		if t.Provisional {
			st.Provisional = append(st.Provisional, ProvisionalTag{"theme", t.Slug, t.Name, deref(t.Note)})
		}
	}
	for _, t := range cat.vocab.Strands {
		if t.Provisional {
			st.Provisional = append(st.Provisional, ProvisionalTag{"strand", t.Slug, t.Name, deref(t.Note)})
		}
	}
	return st
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Completion is one autocomplete answer.
type Completion struct {
	Kind       string // "theme", "intervention" or "study"
	Collection string // where its kind's records are: "themes", "interventions", "studies"
	ID         string
	Label      string
	Hint       string
}

// MaxSuggestions bounds an autocomplete answer.
const MaxSuggestions = 20

// Autocomplete suggests themes, interventions and studies whose text starts with, or
// contains words starting with, what has been typed: the last word is a prefix.
func (cat *Catalog) Autocomplete(typed string, limit int) ([]Completion, error) {
	if utf8.RuneCountInString(typed) > 200 { // characters, as the spec's maxLength counts them
		return nil, models.Invalid(PartSearch, "is longer than 200 characters")
	}
	if limit < 1 || limit > MaxSuggestions {
		return nil, models.Invalid(PartLimit, fmt.Sprintf("must be between 1 and %d", MaxSuggestions))
	}
	toks := tokenize(typed)
	if len(toks) == 0 {
		return []Completion{}, nil
	}
	var out []Completion
	for _, t := range cat.vocab.Themes {
		if wordsStartWith(t.Name, toks) {
			out = append(out, Completion{ThemeKind.Name, ThemeKind.Collection, t.Slug, t.Name, "Theme"})
		}
	}
	// every word but the last must match whole; the last is a prefix
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.word
	}
	query := strings.Join(words, " ") + "*"
	ivs, err := suggest(cat.interventions, query, cat.version, limit, cat.ivRecs,
		func(iv models.Intervention) Completion {
			return Completion{InterventionKind.Name, InterventionKind.Collection, iv.ID, iv.Name, "Intervention"}
		})
	if err != nil {
		return nil, err
	}
	studies, err := suggest(cat.studies, query, cat.version, limit, cat.studyRecs,
		func(st models.Study) Completion {
			return Completion{StudyKind.Name, StudyKind.Collection, st.ID, st.Title, fmt.Sprintf("%s (%d)", firstOr(st.Authors), st.Year)}
		})
	if err != nil {
		return nil, err
	}
	out = append(append(out, ivs...), studies...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// suggest returns the best matches of a prefix search in one collection, by relevance.
func suggest[T any](c *collection, query, version string, limit int, records vec[*T], toSuggestion func(T) Completion) ([]Completion, error) {
	res, err := c.run(Query{Search: query, PerPage: limit, capPrefixes: true}, relevanceKey, version)
	if err != nil {
		return nil, err
	}
	res.search.release(c.text)
	out := make([]Completion, len(res.ordinals))
	for i, o := range res.ordinals {
		out[i] = toSuggestion(*records.at(int(o)))
	}
	return out, nil
}

// wordsStartWith reports whether every typed token starts some word of text.
func wordsStartWith(text string, typed []token) bool {
	words := tokenize(text)
	for _, t := range typed {
		if !slices.ContainsFunc(words, func(w token) bool { return strings.HasPrefix(w.word, t.word) }) {
			return false
		}
	}
	return true
}
