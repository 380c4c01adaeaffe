package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// dimensionNames words the fields the map can cross, in catalog.MapDimensions order.
var dimensionNames = map[string]string{
	"theme": "theme", "strand": "strand", "disadvantage": "disadvantage focus",
	"design": "study design", "stage": "school stage", "year": "year published",
}

// heatLevels is how many shades of colour a non-empty cell can take.
const heatLevels = 4

type mapView struct {
	layout
	List             listView
	RowChoices       []choice
	ColChoices       []choice
	RowName, ColName string
	SwapURL          string
	Cols             []models.FacetValue
	Grid             []mapRow
	Gaps             int
	Legend           []legendStep
	AnyProvisional   bool // a row or column label is provisional
}

type mapRow struct {
	models.FacetValue
	Cells []mapCell
}

// mapCell is one count, its shade, and the study list it stands for.
type mapCell struct {
	Count    int
	Level    int // 0 for a gap, else 1..heatLevels
	URL      string
	Row, Col string // the labels of its row and column, for screen readers
	// ColProvisional marks a column label of ours, as the table's head does: the list the
	// map becomes on a phone names the column in each cell
	ColProvisional bool
}

// legendStep is the range of counts one shade covers.
type legendStep struct {
	Level, From, To int
}

// mapPage is the evidence-gap map: two study dimensions crossed as a heat map, over the
// studies the study-search filters select.
//
// A filter on a field the map also shows as rows or columns chooses which rows or columns
// to show instead of narrowing the count: each cell already stands for one value of that
// field, and its link (that value plus the other filters) then lists exactly its studies.
func (s *Site) mapPage(c *gin.Context) {
	cat := s.snapshot(c)
	f, err := parseForm(c.Request.URL.Query(), studyFields, "rows", "cols", "q")
	if err != nil {
		s.webFail(c, err)
		return
	}
	rows, cols := f.params.Str("rows"), f.params.Str("cols")
	if rows == "" {
		rows = "theme"
	}
	if cols == "" {
		cols = "strand"
	}
	q := strings.TrimSpace(f.params.Str("q"))
	filter := f.filter(rows, cols)
	m, err := cat.CrossTab(rows, cols, filter, q)
	if err != nil {
		s.webFail(c, err)
		return
	}
	res, err := cat.Studies(catalog.Query{Filter: f.filter(), Search: q, PerPage: 1, Facets: f.fieldNames(), FacetMode: catalog.FacetsDisjunctive})
	if err != nil {
		s.webFail(c, err)
		return
	}
	facets := f.facetViews(res.Facets)
	data := url.Values{"rows": {rows}, "cols": {cols}}
	setIf(data, "filter", filter)
	setIf(data, "q", q)
	v := mapView{
		layout: s.layout(c, cat.Version(), "Evidence gap map", "map", httpio.APIPath("/evidence-map?"+data.Encode())),
		List: listView{
			Path: "/evidence-map", Q: q, Facets: facets, Total: res.Total,
			Chips: f.chips("/evidence-map", facets), ClearURL: f.clearURL("/evidence-map"),
		},
		RowChoices: dimensionChoices(rows), ColChoices: dimensionChoices(cols),
		RowName: dimensionNames[rows], ColName: dimensionNames[cols],
		SwapURL: f.url("/evidence-map", func(v url.Values) { v.Set("rows", cols); v.Set("cols", rows) }),
	}
	v.Cols, v.Grid = crossTab(f, m, rows, cols)
	for _, col := range v.Cols {
		v.AnyProvisional = v.AnyProvisional || col.Provisional
	}
	for _, row := range v.Grid {
		v.AnyProvisional = v.AnyProvisional || row.Provisional
	}
	most := 0
	for _, r := range v.Grid {
		for _, cell := range r.Cells {
			most = max(most, cell.Count)
		}
	}
	for i := range v.Grid {
		for j := range v.Grid[i].Cells {
			cell := &v.Grid[i].Cells[j]
			cell.Level = heatLevel(cell.Count, most)
			if cell.Count == 0 {
				v.Gaps++
			}
		}
	}
	v.Legend = legend(most)
	s.render(c, http.StatusOK, "map", v)
}

// crossTab lays the map out for the page: the rows and columns the filters keep, each cell
// linked to its study list.
func crossTab(f form, m *catalog.CrossTab, rows, cols string) ([]models.FacetValue, []mapRow) {
	var keepCols []int
	var heads []models.FacetValue
	for j, col := range m.Cols {
		if shown(f, cols, col.Value) {
			keepCols = append(keepCols, j)
			heads = append(heads, labelled(cols, col))
		}
	}
	var grid []mapRow
	for i, row := range m.Rows {
		if !shown(f, rows, row.Value) {
			continue
		}
		r := mapRow{FacetValue: labelled(rows, row)}
		for _, j := range keepCols {
			r.Cells = append(r.Cells, mapCell{
				Count: m.Cells[i][j], Row: r.Label, Col: heads[len(r.Cells)].Label, ColProvisional: heads[len(r.Cells)].Provisional,
				URL: f.url("/studies", func(v url.Values) {
					v.Del("rows")
					v.Del("cols")
					v.Set(rows, row.Value)
					v.Set(cols, m.Cols[j].Value)
				}),
			})
		}
		grid = append(grid, r)
	}
	return heads, grid
}

// shown reports whether a row or column value passes the filters on its own field.
func shown(f form, field, value string) bool {
	return len(f.selected[field]) == 0 || f.has(field, value)
}

func labelled(field string, v models.FacetValue) models.FacetValue {
	v.Label = valueLabel(field, v)
	return v
}

func dimensionChoices(selected string) []choice {
	out := make([]choice, len(catalog.MapDimensions))
	for i, d := range catalog.MapDimensions {
		out[i] = choice{Value: d, Label: capitalise(dimensionNames[d]), Selected: d == selected}
	}
	return out
}

// heatLevel shades a count relative to the fullest cell: 0 is a gap, heatLevels the most.
func heatLevel(n, most int) int {
	if n == 0 || most == 0 {
		return 0
	}
	return 1 + (n-1)*heatLevels/most
}

// legend lists the counts each shade stands for on this map.
func legend(most int) []legendStep {
	var out []legendStep
	for n := 1; n <= most; n++ {
		l := heatLevel(n, most)
		if len(out) > 0 && out[len(out)-1].Level == l {
			out[len(out)-1].To = n
		} else {
			out = append(out, legendStep{Level: l, From: n, To: n})
		}
	}
	return out
}
