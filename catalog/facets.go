package catalog

import (
	"fmt"

	"github.com/evidence-kb/parental-engagement/models"
)

// facets counts the result set per value of each requested field. In disjunctive mode each
// facet is counted with its own clauses removed, so a UI can show what ticking another
// value of that field would give.
//
// Each clause was evaluated once (sets); a disjunctive facet only combines them anew.
func (c *collection) facets(q Query, clauses []clause, sets []bitmap, sr *searchResult, matched bitmap) ([]models.Facet, error) {
	if len(q.Facets) == 0 {
		return nil, nil
	}
	mode := q.FacetMode
	if mode == "" {
		mode = FacetsFiltered
	}
	if mode != FacetsFiltered && mode != FacetsDisjunctive {
		return nil, models.Invalid(PartFacetMode, fmt.Sprintf("unknown mode %q", q.FacetMode), FacetsFiltered, FacetsDisjunctive)
	}
	out := make([]models.Facet, 0, len(q.Facets))
	seen := map[string]bool{}
	for _, name := range q.Facets {
		f, ok := c.fields[name]
		if !ok || !f.facet {
			return nil, models.Invalid(PartFacets, fmt.Sprintf("cannot facet %s by %q", c.plural, name), c.facetNames()...)
		}
		if seen[name] {
			return nil, models.Invalid(PartFacets, fmt.Sprintf("%q is named twice", name))
		}
		seen[name] = true
		if err := expired(q.Context); err != nil {
			return nil, err
		}
		base := matched
		if mode == FacetsDisjunctive {
			base = c.without(clauses, sets, name, sr)
		}
		out = append(out, c.facet(f, base))
	}
	return out, nil
}

// without combines the clauses that do not concern field, intersected with the search.
func (c *collection) without(clauses []clause, sets []bitmap, field string, sr *searchResult) bitmap {
	set := c.combine(clauses, sets, field)
	if sr != nil {
		set.and(sr.hits)
	}
	return set
}

// facet counts every vocabulary value, zeros included; the null bucket only when non-empty.
func (c *collection) facet(f *field, set bitmap) models.Facet {
	terms := make([][]bitmap, len(f.tags.order))
	for i, v := range f.tags.order {
		terms[i] = f.valueSets(v)
	}
	counts := set.countEach(terms)
	fc := models.Facet{Field: f.name, Values: make([]models.FacetValue, 0, len(f.tags.order))}
	for i, v := range f.tags.order {
		if v == nullValue && counts[i] == 0 {
			continue
		}
		fc.Values = append(fc.Values, models.FacetValue{Value: v, Label: f.label(v), Count: counts[i]})
	}
	return fc
}

func (f *field) label(v string) string {
	if l, ok := f.labels[v]; ok {
		return l
	}
	if v == nullValue {
		return "Not stated"
	}
	return v
}

func (c *collection) facetNames() []string {
	var names []string
	for _, n := range c.names {
		if c.fields[n].facet {
			names = append(names, n)
		}
	}
	return names
}
