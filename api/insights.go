package api

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// MapCell is one cell of the evidence map.
type MapCell struct {
	Row   string `json:"row" example:"engaging-with-fathers"`
	Col   string `json:"col" example:"direct-support-for-parents"`
	Count int    `json:"count" example:"4"`
	Gap   bool   `json:"gap"` // true when no study is in the cell
	// the cell's studies, as an absolute list URL
	Studies string `json:"studies" example:"http://localhost:8080/api/v1/studies?filter=theme%3Aengaging-with-fathers%2Cstrand%3Adirect-support-for-parents"`
} // @name MapCell

// EvidenceMap is the evidence-gap map: two dimensions crossed, every cell present.
type EvidenceMap struct {
	Rows    string              `json:"rows" example:"theme"`
	Cols    string              `json:"cols" example:"strand"`
	RowKeys []models.FacetValue `json:"row_values"`
	ColKeys []models.FacetValue `json:"col_values"`
	Cells   []MapCell           `json:"cells"`
	Total   int                 `json:"total" example:"110"`
	Meta    VersionMeta         `json:"meta"`
} // @name EvidenceMap

// evidenceMap godoc
//
//	@Summary		Evidence-gap map
//	@Description	Crosses two study dimensions (rows × cols) over the studies matching `filter` and `q` (same grammar as the studies list). Every cell is present, zeros included and flagged as gaps, each with its count and the link to its studies. Row and column totals count studies with that value; a study with several themes counts in each.
//	@ID				evidenceMap
//	@Tags			studies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			rows	query		string	false	"Row dimension"		Enums(theme, strand, disadvantage, design, stage, year)	default(theme)	example(theme)
//	@Param			cols	query		string	false	"Column dimension"	Enums(theme, strand, disadvantage, design, stage, year)	default(strand)	example(design)
//	@Param			filter	query		string	false	"Filter, as for the studies list, with its limits"	example(year:2010-2014)
//	@Param			q		query		string	false	"Full-text search, as for the studies list, with its limits"	maxLength(1000)	example(reading)
//	@Success		200		{object}	EvidenceMap
//	@Failure		400		{object}	Problem
//	@Router			/api/v1/evidence-map [get]
func (s *Server) evidenceMap(c *gin.Context) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "rows", "cols", "filter", "q")
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := p.Choice("rows")
	if err != nil {
		s.fail(c, err)
		return
	}
	cols, err := p.Choice("cols")
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, cols = orDefault(rows, "theme"), orDefault(cols, "strand")
	filter, q := p.Str("filter"), p.Str("q")
	m, err := s.snapshot(c).CrossTab(rows, cols, filter, q)
	edge.QueryDone(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := EvidenceMap{Rows: rows, Cols: cols, RowKeys: m.Rows, ColKeys: m.Cols, Total: m.Total, Meta: s.versionMeta(c)}
	links := newCellLinks(httpio.BaseURL(c.Request), filter, q)
	out.Cells = make([]MapCell, 0, len(m.Rows)*len(m.Cols))
	for i, r := range m.Rows {
		for j, col := range m.Cols {
			out.Cells = append(out.Cells, MapCell{
				Row: r.Value, Col: col.Value, Count: m.Cells[i][j], Gap: m.Cells[i][j] == 0,
				Studies: links.cell(rows, r.Value, cols, col.Value),
			})
		}
	}
	httpio.WriteJSON(c, 200, out)
}

// cellLinks makes the studies-list links of an evidence map's cells: the map's own filter
// and search, narrowed to each cell's row and column values. The parts every cell shares
// are escaped once (a map over a long filter has dozens of cells).
type cellLinks struct{ head, tail string }

func newCellLinks(base, filter, q string) cellLinks {
	l := cellLinks{head: base + "/api/v1/studies?filter="}
	if strings.TrimSpace(filter) != "" {
		l.head += url.QueryEscape(filter + ",")
	}
	if q != "" {
		l.tail = "&q=" + url.QueryEscape(q)
	}
	return l
}

func (l cellLinks) cell(rows, row, cols, col string) string {
	return l.head + url.QueryEscape(rows+":"+row+","+cols+":"+col) + l.tail
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Completeness is the share of studies that state one evidence field.
type Completeness struct {
	Field string  `json:"field" example:"doi"`
	Count int     `json:"count" example:"32"`
	Share float64 `json:"share" example:"0.29"`
} // @name Completeness

// ProvisionalLabel is a theme or strand label that is ours, not the review's.
type ProvisionalLabel struct {
	Kind string `json:"kind" example:"strand"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	Note string `json:"note"`
} // @name ProvisionalLabel

// Stats reports the coverage of the evidence base.
type Stats struct {
	Studies       int                `json:"studies" example:"110"`
	Interventions int                `json:"interventions" example:"33"`
	Counts        []models.Facet     `json:"counts"`
	Completeness  []Completeness     `json:"completeness"`
	Provisional   []ProvisionalLabel `json:"provisional_labels"`
	Meta          VersionMeta        `json:"meta"`
} // @name Stats

// stats godoc
//
//	@Summary		Coverage of the evidence base
//	@Description	Counts of studies per theme, strand, disadvantage focus, design, stage, year, publication type and country; the share of studies that state a DOI, a sample size, an effect size and a URL; and the labels that are provisional — so a researcher can tell a gap in the evidence from a gap in the data.
//	@ID				stats
//	@Tags			studies
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	Stats
//	@Failure		400	{object}	Problem
//	@Router			/api/v1/stats [get]
func (s *Server) stats(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	st := s.snapshot(c).Coverage()
	edge.QueryDone(c)
	out := Stats{Studies: st.Studies, Interventions: st.Interventions, Counts: st.Counts, Meta: s.versionMeta(c)}
	for _, x := range st.Completeness {
		out.Completeness = append(out.Completeness, Completeness{Field: x.Field, Count: x.Count, Share: x.Share})
	}
	for _, p := range st.Provisional {
		out.Provisional = append(out.Provisional, ProvisionalLabel{Kind: p.Kind, Slug: p.Slug, Name: p.Name, Note: p.Note})
	}
	httpio.WriteJSON(c, 200, out)
}

// Suggestion is one autocomplete answer.
type Suggestion struct {
	Kind  string `json:"kind" example:"intervention"`
	ID    string `json:"id" example:"dialogic-reading"`
	Label string `json:"label" example:"Dialogic reading"`
	Hint  string `json:"hint" example:"Intervention"`
	Link  string `json:"link" example:"http://localhost:8080/api/v1/interventions/dialogic-reading"` // absolute
} // @name Suggestion

const defaultSuggestions = 10

// Suggestions answers an autocomplete request, in the list envelope.
type Suggestions struct {
	Data  []Suggestion `json:"data" binding:"required"`
	Meta  ListMeta     `json:"meta" binding:"required"`
	Links Links        `json:"links" binding:"required"`
} // @name Suggestions

// autocomplete godoc
//
//	@Summary		Autocomplete for search boxes
//	@Description	Themes, interventions and studies whose words start with what has been typed (the last word is a prefix), themes first, then interventions, then studies by relevance. `limit` bounds how many are found; `page` and `per_page` page through them in the list envelope.
//	@ID				autocomplete
//	@Tags			studies
//	@Produce		json
//	@Produce		application/problem+json
//	@Param			q		query		string	true	"What has been typed"	maxLength(200)	example(dialog)
//	@Param			limit	query		int		false	"Most suggestions"	minimum(1)	maximum(20)	default(10)	example(5)
//	@Param			page		query		int	false	"Page number, from 1; a page past the last is refused (400)"	minimum(1)	maximum(10000000)	default(1)	example(1)
//	@Param			per_page	query		int	false	"Suggestions per page"	minimum(1)	maximum(100)	default(20)	example(20)
//	@Success		200		{object}	Suggestions
//	@Failure		400		{object}	Problem
//	@Header			200		{string}	Link	"RFC 8288 links: first, prev, next, last"
//	@Router			/api/v1/autocomplete [get]
func (s *Server) autocomplete(c *gin.Context) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "q", "limit", "page", "per_page")
	if err != nil {
		s.fail(c, err)
		return
	}
	if !p.Has("q") {
		s.fail(c, models.Invalid("q", "is required"))
		return
	}
	limit, err := p.Int("limit")
	if err != nil {
		s.fail(c, err)
		return
	}
	if limit == 0 {
		limit = defaultSuggestions
	}
	paging, err := pageParams(p)
	if err != nil {
		s.fail(c, err)
		return
	}
	found, err := s.snapshot(c).Autocomplete(p.Str("q"), limit)
	edge.QueryDone(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	all := make([]Suggestion, len(found))
	for i, f := range found {
		all[i] = Suggestion{Kind: f.Kind, ID: f.ID, Label: f.Label, Hint: f.Hint, Link: httpio.BaseURL(c.Request) + suggestionLink(f)}
	}
	var out Suggestions
	if out.Data, out.Meta, out.Links, err = pageOf(s, c, all, paging); err != nil {
		s.fail(c, err)
		return
	}
	httpio.WriteJSON(c, 200, out)
}

func suggestionLink(f catalog.Completion) string {
	return httpio.APIPath("/" + f.Collection + "/" + url.PathEscape(f.ID))
}
