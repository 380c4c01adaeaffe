package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Pages take friendly query strings (stage=primary&disadvantage=low-income&disadvantage=eal)
// and translate them into the API's filter grammar (stage:primary,disadvantage:low-income|eal).
// The form parameter of a filter is the engine's field name, so the two stay one vocabulary.

// facetField is one filter a page offers: its form parameter (the engine's field) and the
// question its fieldset asks.
type facetField struct {
	Name   string
	Legend string
	Hint   string // a one-line rule the filter follows, shown under its legend
}

// studyFields are the filters over studies, on the study search and the evidence map.
var studyFields = []facetField{
	{"theme", "Theme", ""},
	{"strand", "Strand of activity", ""},
	{"disadvantage", "Families studied (disadvantage focus)", ""},
	{"design", "Study design", ""},
	{"stage", "School stage", ""},
	{"year", "Year published", ""},
}

// sortOption is one order a list page offers, under a plain name.
type sortOption struct {
	Key    string // the form value
	Label  string
	Engine string // the engine's sort keys
}

// listSpec describes one searchable, paged list page.
type listSpec struct {
	path        string
	api         string // the JSON list that answers the same query
	fields      []facetField
	defaultSort string       // the engine's order when not searching
	defaultName string       // that order in words
	sorts       []sortOption // the orders besides the default
	perPage     int
}

var finderSpec = &listSpec{
	path: "/",
	api:  httpio.APIPath("/interventions"),
	fields: []facetField{
		{"stage", "School stage", "Programmes for all stages are included under each stage."},
		{"disadvantage", "Families it was aimed at (disadvantage focus)", ""},
		{"theme", "Theme", ""},
		{"strand", "Strand of activity", ""},
		{"setting", "Where it happens", ""},
	},
	defaultSort: catalog.DefaultInterventionSort,
	defaultName: "Name (A to Z)",
	sorts: []sortOption{
		{"name", "Name (A to Z)", catalog.DefaultInterventionSort},
		{"studies", "Most studies first", "-study_count,name"},
	},
	perPage: 50, // the whole review fits on one page; paging is there for growth
}

var studiesSpec = &listSpec{
	path:        "/studies",
	api:         httpio.APIPath("/studies"),
	fields:      studyFields,
	defaultSort: catalog.DefaultStudySort,
	defaultName: "Newest first",
	sorts: []sortOption{
		{"newest", "Newest first", catalog.DefaultStudySort},
		{"oldest", "Oldest first", "year,title"},
		{"title", "Title (A to Z)", "title"},
	},
	perPage: 20,
}

// form is a page's checked query string: the values ticked per filter field, and the
// single-valued options (search, order, page, map dimensions).
type form struct {
	fields   []facetField
	selected map[string][]string
	raw      url.Values
	params   httpio.Params
}

// parseForm reads a page's query string. A filter field may repeat (ticking several values
// ORs them, as | does in the API); any other option is given at most once. An option the
// page does not have is reported, never silently ignored, as the API does.
func parseForm(raw url.Values, fields []facetField, singles ...string) (form, error) {
	f := form{fields: fields, selected: map[string][]string{}, raw: raw, params: httpio.ParamsOf(raw)}
	allowed := slices.Clone(singles)
	for _, fl := range fields {
		allowed = append(allowed, fl.Name)
	}
	var bad []models.FieldError
	for _, name := range sortedKeys(raw) {
		switch vs := raw[name]; {
		case f.isField(name):
			for _, v := range vs {
				v = strings.TrimSpace(v)
				switch {
				case v == "", slices.Contains(f.selected[name], v):
					// an empty choice means any value; a repeated one adds nothing
				case strings.ContainsAny(v, ",|\"") || strings.HasPrefix(v, "!") || name == "year" && !isYear(v):
					// these would change the meaning of the filter grammar the value goes into
					// (a year range, say), where a form offers single values
					bad = append(bad, models.FieldError{Field: name, Reason: fmt.Sprintf("%q is not one of its values", v)})
				default:
					f.selected[name] = append(f.selected[name], v)
				}
			}
		case slices.Contains(singles, name):
			if len(vs) > 1 {
				bad = append(bad, models.FieldError{Field: name, Reason: "is given more than once"})
			}
		default:
			bad = append(bad, models.FieldError{Field: name, Reason: "is not an option of this page", Valid: allowed})
		}
	}
	if len(bad) > 0 {
		return form{}, &models.Error{Code: models.EInvalid, Message: "this page cannot use its query", Fields: bad}
	}
	return f, nil
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// has reports whether value of field is selected. Values match as the engine matches them,
// without regard to case, so design=rct ticks "RCT".
func (f form) has(field, value string) bool {
	return slices.ContainsFunc(f.selected[field], func(v string) bool { return strings.EqualFold(v, value) })
}

func isYear(v string) bool {
	_, err := strconv.Atoi(v)
	return err == nil && len(v) == 4
}

func (f form) isField(name string) bool {
	return slices.ContainsFunc(f.fields, func(fl facetField) bool { return fl.Name == name })
}

func (f form) fieldNames() []string {
	names := make([]string, len(f.fields))
	for i, fl := range f.fields {
		names[i] = fl.Name
	}
	return names
}

// filter is the form's filters in the API grammar, in the page's field order; fields in
// except are left out.
func (f form) filter(except ...string) string {
	var clauses []string
	for _, fl := range f.fields {
		if vs := f.selected[fl.Name]; len(vs) > 0 && !slices.Contains(except, fl.Name) {
			clauses = append(clauses, fl.Name+":"+strings.Join(vs, "|"))
		}
	}
	return strings.Join(clauses, ",")
}

// url is this page's address with edits applied to its query; empty options are dropped
// so shared links stay short.
func (f form) url(path string, edit func(url.Values)) string {
	v := url.Values{}
	for name, vs := range f.raw {
		if f.isField(name) {
			v[name] = slices.Clone(f.selected[name])
		} else if vs[0] != "" {
			v.Set(name, vs[0])
		}
	}
	if edit != nil {
		edit(v)
	}
	for name, vs := range v {
		if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
			v.Del(name)
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// facetView is one filter's fieldset: every value with how many records it would give.
type facetView struct {
	Name        string
	Legend      string
	Hint        string
	Options     []facetOption
	Provisional bool   // some option's label is provisional
	HelpURL     string // the glossary of its values on the About page, if it has one
}

type facetOption struct {
	ID          string // the checkbox id, unique on the page
	Value       string
	Label       string
	Count       int
	Checked     bool
	Provisional bool // a theme or strand label of ours, not the review's
}

// chip is one active filter value, with the address that removes it.
type chip struct {
	Field  string
	Label  string
	Remove string
}

// facetViews pairs the engine's facet counts with what the form has ticked.
func (f form) facetViews(facets []models.Facet) []facetView {
	out := make([]facetView, 0, len(f.fields))
	for _, fl := range f.fields {
		fv := facetView{Name: fl.Name, Legend: fl.Legend, Hint: fl.Hint}
		for _, g := range models.GlossaryFields {
			if g.Field == fl.Name {
				fv.HelpURL = "/about#glossary-" + fl.Name
			}
		}
		for _, fc := range facets {
			if fc.Field != fl.Name {
				continue
			}
			for _, v := range fc.Values {
				fv.Options = append(fv.Options, facetOption{
					ID: fl.Name + "-" + idPart(v.Value), Value: v.Value, Label: valueLabel(fl.Name, v),
					Count: v.Count, Checked: f.has(fl.Name, v.Value), Provisional: v.Provisional,
				})
				fv.Provisional = fv.Provisional || v.Provisional
			}
		}
		out = append(out, fv)
	}
	return out
}

// chips lists the ticked values; removing one also goes back to the first page.
func (f form) chips(path string, facets []facetView) []chip {
	var out []chip
	for _, fv := range facets {
		for _, o := range fv.Options {
			if !o.Checked {
				continue
			}
			remove := f.url(path, func(v url.Values) {
				v.Del("page")
				v[fv.Name] = slices.DeleteFunc(slices.Clone(v[fv.Name]), func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), o.Value) })
			})
			out = append(out, chip{Field: fv.Legend, Label: o.Label, Remove: remove})
		}
	}
	return out
}

// clearURL keeps the search and the page's other options but drops every filter.
func (f form) clearURL(path string) string {
	return f.url(path, func(v url.Values) {
		v.Del("page")
		for _, fl := range f.fields {
			v.Del(fl.Name)
		}
	})
}

func idPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

// listForm is a list page's checked query: its filters, search, order and page.
type listForm struct {
	form
	spec *listSpec
	q    string
	sort sortOption
	page int
}

func parseListForm(spec *listSpec, raw url.Values) (listForm, error) {
	f, err := parseForm(raw, spec.fields, "q", "sort", "page")
	if err != nil {
		return listForm{}, err
	}
	lf := listForm{form: f, spec: spec, q: strings.TrimSpace(f.params.Str("q"))}
	if lf.page, err = f.params.Int("page"); err != nil {
		return lf, err
	}
	lf.sort, err = spec.sortFor(f.params.Str("sort"))
	return lf, err
}

// sortFor finds the order asked for. No order means the engine's default: best match when
// searching, the list's natural order otherwise, so adding a search word re-ranks results.
func (spec *listSpec) sortFor(key string) (sortOption, error) {
	if key == "" {
		return sortOption{}, nil
	}
	keys := make([]string, len(spec.sorts))
	for i, o := range spec.sorts {
		if o.Key == key {
			return o, nil
		}
		keys[i] = o.Key
	}
	return sortOption{}, models.Invalid("sort", fmt.Sprintf("%q is not an order this page offers", key), keys...)
}

func (lf listForm) engineQuery() catalog.Query {
	return catalog.Query{
		Filter: lf.filter(), Search: lf.q, Sort: lf.sort.Engine, Page: lf.page, PerPage: lf.spec.perPage,
		Facets: lf.fieldNames(), FacetMode: catalog.FacetsDisjunctive,
	}
}

// dataURL is the same query on the JSON API, facet counts included.
func (lf listForm) dataURL() string {
	v := url.Values{
		"per_page":   {strconv.Itoa(lf.spec.perPage)},
		"facets":     {strings.Join(lf.fieldNames(), ",")},
		"facet_mode": {catalog.FacetsDisjunctive},
	}
	setIf(v, "filter", lf.filter())
	setIf(v, "q", lf.q)
	setIf(v, "sort", lf.sort.Engine)
	if lf.page > 1 {
		v.Set("page", strconv.Itoa(lf.page))
	}
	return lf.spec.api + "?" + v.Encode()
}

// exportURL is the whole result set (every page) in an export format of the API.
func (lf listForm) exportURL(format string) string {
	v := url.Values{"format": {format}}
	if format == "csv" {
		v.Set("bom", "true") // staff open it in Excel, which reads UTF-8 only after a byte order mark
	}
	setIf(v, "filter", lf.filter())
	setIf(v, "q", lf.q)
	setIf(v, "sort", lf.sort.Engine)
	return lf.spec.api + "?" + v.Encode()
}

func setIf(v url.Values, name, value string) {
	if value != "" {
		v.Set(name, value)
	}
}

// listView is what a list page's template needs besides its records.
type listView struct {
	Path     string
	Q        string
	Sorts    []choice
	Facets   []facetView
	Chips    []chip
	ClearURL string
	Total    int
	Pager    pager
	Feeds    []feedLink // the query's feeds, to follow it
}

// choice is one option of a select.
type choice struct {
	Value    string
	Label    string
	Selected bool
}

func (lf listForm) view(total int, facets []models.Facet) listView {
	fv := lf.facetViews(facets)
	return listView{
		Path: lf.spec.path, Q: lf.q, Sorts: lf.sortChoices(), Facets: fv,
		Chips: lf.chips(lf.spec.path, fv), ClearURL: lf.clearURL(lf.spec.path),
		Total: total, Pager: lf.pager(total), Feeds: lf.feeds(),
	}
}

// sortChoices offers the default order under its meaning for this request, then the
// others; the one equal to the default is left out when it would be listed twice.
func (lf listForm) sortChoices() []choice {
	searching := lf.q != ""
	def := lf.spec.defaultName
	if searching {
		def = "Best match"
	}
	out := []choice{{Value: "", Label: def, Selected: lf.sort.Key == ""}}
	for _, o := range lf.spec.sorts {
		if o.Engine == lf.spec.defaultSort && !searching {
			continue
		}
		out = append(out, choice{Value: o.Key, Label: o.Label, Selected: o.Key == lf.sort.Key})
	}
	return out
}

// pager is the position in a paged list and the links around it.
type pager struct {
	From, To   int
	Prev, Next string
	Pages      []pageLink
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

// pageWindow is how many page links show on each side of the current page.
const pageWindow = 3

func (lf listForm) pager(total int) pager {
	page, per := max(lf.page, 1), lf.spec.perPage
	// offset paging stops at catalog.MaxOffset records; pages past it cannot be linked
	last := max(1, min((total+per-1)/per, catalog.MaxOffset/per))
	at := func(n int) string {
		return lf.url(lf.spec.path, func(v url.Values) {
			if n == 1 {
				v.Del("page")
			} else {
				v.Set("page", strconv.Itoa(n))
			}
		})
	}
	p := pager{From: min((page-1)*per+1, total), To: min(page*per, total)}
	if page > 1 {
		p.Prev = at(page - 1)
	}
	if page < last {
		p.Next = at(page + 1)
	}
	if last > 1 {
		for n := max(1, page-pageWindow); n <= min(last, page+pageWindow); n++ {
			p.Pages = append(p.Pages, pageLink{N: n, URL: at(n), Current: n == page})
		}
	}
	return p
}
