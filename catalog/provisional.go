package catalog

import "github.com/evidence-kb/parental-engagement/models"

// markProvisionalFacets flags the facet values whose labels are provisional.
func (cat *Catalog) markProvisionalFacets(facets []models.Facet) {
	for i := range facets {
		cat.markProvisional(facets[i].Field, facets[i].Values)
	}
}

// markProvisional flags the values of a theme or strand field whose labels are ours, not
// the review's: FacetValue.Provisional, in facets and on the evidence map's rows and
// columns alike.
func (cat *Catalog) markProvisional(field string, values []models.FacetValue) {
	provisional := map[string]bool{}
	switch field {
	case "theme":
		for _, t := range cat.vocab.Themes {
			provisional[t.Slug] = t.Provisional
		}
	case "strand":
		for _, s := range cat.vocab.Strands {
			provisional[s.Slug] = s.Provisional
		}
	default:
		return
	}
	for i := range values {
		values[i].Provisional = provisional[values[i].Value]
	}
}
