package catalog

// The parts of a query an error can name, in the engine's own words. Every invalid-query
// error carries one of them as its field; the HTTP layer maps each to its parameter.
const (
	PartFilter     = "filter"
	PartSearch     = "search"
	PartSort       = "sort"
	PartPage       = "page"
	PartPageSize   = "page_size"
	PartCursor     = "cursor"
	PartFacets     = "facets"
	PartFacetMode  = "facet_mode"
	PartMapRows    = "rows"
	PartMapColumns = "columns"
	PartLimit      = "limit"
)
