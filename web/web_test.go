package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/apitest"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/models"
)

func TestWebPages(t *testing.T) {
	srv := apitest.NewServer(t)
	cases := []struct {
		target string
		want   []string // text the page must show
	}{
		{"/", []string{"Find an intervention", "33 interventions", "impact evaluation", "No impact evaluation in this review."}},
		{"/?stage=primary&disadvantage=low-income&q=parents&sort=studies", []string{"School stage: Primary", "Clear all filters"}},
		{"/interventions/triple-p", []string{"Triple P", "Who it is for", "What the evidence says", "Studies in the review about it", "without a stated result", "Themes and strands", "Sources"}},
		{"/studies", []string{"110 studies", "showing 1–20", "Download them as"}},
		{"/studies?q=fathers&design=RCT&design=qualitative&year=2013&page=1", []string{"Best match"}},
		{"/studies/mol-2008", []string{"Key findings", "Cite this study", "Mol, S. E.", "Dialogic reading", "10.1080/10409280701838603"}},
		{"/evidence-map", []string{"Studies by theme (rows) and strand (columns)", "110 studies", "gap"}},
		{"/evidence-map?rows=disadvantage&cols=design&q=reading", []string{"Studies by disadvantage focus (rows) and study design (columns)"}},
		{"/about", []string{"What the review is", "2008 to 2014", "Disadvantage focus", "Which labels are provisional", "Where the data comes from", "Direct support for parents", "How the evidence summary is made", "Maryland Scientific Methods Scale"}},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			doc := pageOK(t, srv, tc.target)
			body := text(doc)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page does not say %q", w)
				}
			}
		})
	}
}

// Every value of every finder filter gives a page, and the count shown beside it on the
// unfiltered page is the number of results ticking it gives.
func TestFinderEveryFilterValue(t *testing.T) {
	srv := apitest.NewServer(t)
	checkEveryValue(t, srv, "/", "/api/v1/interventions", []string{"stage", "disadvantage", "theme", "strand", "setting"})
}

func TestStudySearchEveryFilterValue(t *testing.T) {
	srv := apitest.NewServer(t)
	checkEveryValue(t, srv, "/studies", "/api/v1/studies", []string{"theme", "strand", "disadvantage", "design", "stage", "year"})
}

func checkEveryValue(t *testing.T, srv http.Handler, path, apiPath string, fields []string) {
	for _, f := range facets(t, srv, apiPath, fields) {
		for _, v := range f.Values {
			target := path + "?" + url.Values{f.Field: {v.Value}}.Encode()
			if got := resultCount(t, pageOK(t, srv, target)); got != v.Count {
				t.Errorf("%s shows %d results; the filter said %d", target, got, v.Count)
			}
		}
	}
}

// facets are the disjunctive facet counts of a whole collection, from the API.
func facets(tb testing.TB, srv http.Handler, apiPath string, fields []string) []models.Facet {
	tb.Helper()
	rec := apitest.Get(tb, srv, apiPath+"?per_page=1&facet_mode=disjunctive&facets="+strings.Join(fields, ","))
	return apitest.Decode[struct{ Facets []models.Facet }](tb, rec).Facets
}

// Every combination of finder filters (each subset of the fields, with one or two values
// each, with and without a search, in each order) answers 200, and its "view as data"
// link is the same query on the API: valid against the contract, with the same total.
func TestFinderFilterCombinations(t *testing.T) {
	srv := apitest.NewServer(t)
	checkCombinations(t, srv, "/", "/api/v1/interventions", []string{"stage", "disadvantage", "theme", "strand", "setting"}, []string{"", "name", "studies"})
}

func TestStudySearchFilterCombinations(t *testing.T) {
	srv := apitest.NewServer(t)
	checkCombinations(t, srv, "/studies", "/api/v1/studies", []string{"theme", "strand", "disadvantage", "design", "stage", "year"}, []string{"", "newest", "oldest", "title"})
}

func checkCombinations(t *testing.T, srv http.Handler, path, apiPath string, fields, sorts []string) {
	vocab := facets(t, srv, apiPath, fields)
	for mask := range 1 << len(fields) {
		for _, q := range []string{"", "parent"} {
			form := url.Values{}
			var clauses []string
			for i, f := range vocab {
				if mask&(1<<i) == 0 {
					continue
				}
				// rotate through the vocabulary so the combinations cover many values, and
				// tick two values of a field in every other combination
				picked := []string{f.Values[(mask+i)%len(f.Values)].Value}
				if mask%2 == 1 {
					picked = append(picked, f.Values[(mask+i+1)%len(f.Values)].Value)
				}
				form[f.Field] = picked
				clauses = append(clauses, f.Field+":"+strings.Join(picked, "|"))
			}
			if q != "" {
				form.Set("q", q)
			}
			if s := sorts[mask%len(sorts)]; s != "" {
				form.Set("sort", s)
			}
			target := path + "?" + form.Encode()
			doc := pageOK(t, srv, target)
			data, err := url.Parse(dataLink(t, doc))
			if err != nil || data.Path != apiPath {
				t.Fatalf("%s: data link %v is not on %s", target, data, apiPath)
			}
			if got, want := data.Query().Get("filter"), strings.Join(clauses, ","); got != want {
				t.Errorf("%s: data link filter %q; want %q", target, got, want)
			}
			list := apitest.Decode[struct{ Meta api.ListMeta }](t, apitest.Get(t, srv, data.RequestURI()))
			if shown := resultCount(t, doc); list.Meta.Total == nil || *list.Meta.Total != shown {
				t.Errorf("%s shows %d results; its data link %s has %v", target, shown, data, list.Meta.Total)
			}
		}
	}
}

// Every pair of map dimensions answers: 400 when rows and columns are the same field,
// else a map whose cells are the API's, each linked to a study list of that many studies.
func TestEvidenceMapEveryPair(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, rows := range catalog.MapDimensions {
		for _, cols := range catalog.MapDimensions {
			target := "/evidence-map?" + url.Values{"rows": {rows}, "cols": {cols}}.Encode()
			if rows == cols {
				if rec, _ := page(t, srv, target); rec.Code != http.StatusBadRequest {
					t.Errorf("%s = %d; want 400", target, rec.Code)
				}
				continue
			}
			doc := pageOK(t, srv, target)
			m := apitest.Decode[api.EvidenceMap](t, apitest.Get(t, srv, dataLink(t, doc)))
			cells := mapCells(t, doc)
			if len(cells) != len(m.Cells) {
				t.Fatalf("%s shows %d cells; the API map has %d", target, len(cells), len(m.Cells))
			}
			for i, c := range cells {
				if c.count != m.Cells[i].Count {
					t.Errorf("%s cell %s×%s shows %d; the API says %d", target, m.Cells[i].Row, m.Cells[i].Col, c.count, m.Cells[i].Count)
				}
			}
		}
	}
}

// Following a cell lists exactly the studies it counts, also when the map is filtered,
// and when a filter picks which rows or columns show.
func TestEvidenceMapCellsLinkToTheirStudies(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, target := range []string{
		"/evidence-map",
		"/evidence-map?rows=disadvantage&cols=stage&q=reading",
		"/evidence-map?theme=engaging-with-fathers&theme=parenting-support&design=qualitative&design=RCT&design=survey",
		"/evidence-map?rows=year&cols=design&year=2010&year=2011&disadvantage=low-income",
	} {
		doc := pageOK(t, srv, target)
		cells := mapCells(t, doc)
		if len(cells) == 0 {
			t.Fatalf("%s shows no cells", target)
		}
		for _, c := range cells {
			if got := resultCount(t, pageOK(t, srv, c.href)); got != c.count {
				t.Errorf("%s: cell shows %d but its list %s has %d", target, c.count, c.href, got)
			}
		}
	}
	// a filter on the row field keeps only the ticked rows
	doc := pageOK(t, srv, "/evidence-map?theme=engaging-with-fathers&theme=parenting-support")
	if rows := findAll(doc, func(n *html.Node) bool { return n.Data == "th" && attr(n, "scope") == "row" }); len(rows) != 2 {
		t.Errorf("map filtered to two themes shows %d rows", len(rows))
	}
}

type cell struct {
	count int
	href  string
}

func mapCells(tb testing.TB, doc *html.Node) []cell {
	tb.Helper()
	var out []cell
	for _, td := range findAll(doc, byClass("heat")) {
		a := find(td, func(n *html.Node) bool { return n.Data == "a" })
		n, err := strconv.Atoi(text(find(a, byClass("n"))))
		if err != nil {
			tb.Fatalf("map cell %q has no count", text(td))
		}
		out = append(out, cell{count: n, href: attr(a, "href")})
	}
	return out
}

// Bad input gets a page that says what was wrong and what would work, with the status
// the API gives the same mistake; never a stack trace.
func TestWebBadInput(t *testing.T) {
	srv := apitest.NewServer(t)
	cases := []struct {
		target string
		status int
		want   []string
	}{
		{"/?colour=red", 400, []string{"Colour: is not an option of this page", "disadvantage"}},
		{"/?stage=university", 400, []string{`Stage: unknown value "university"`, "early-years", "secondary"}},
		{"/?disadvantage=low-income&disadvantage=rich", 400, []string{`"rich"`, "low-income", "eal"}},
		{"/?theme=a,b", 400, []string{`Theme: "a,b" is not one of its values`}},
		{"/?setting=!home", 400, []string{"Setting:"}},
		{"/?q=a&q=b", 400, []string{"Search words: is given more than once"}},
		{"/?sort=colour", 400, []string{`"colour" is not an order this page offers`, "studies"}},
		{"/?page=0", 400, []string{"Page: must be 1 or more"}},
		{"/studies?page=abc", 400, []string{"not a whole number"}},
		{"/studies?page=99", 400, []string{"past the last page"}},
		{"/studies?year=20x0", 400, []string{`Year: "20x0" is not one of its values`}},
		{"/studies?design=guesswork", 400, []string{"RCT", "meta-analysis"}},
		{"/studies?q=" + strings.Repeat("x", 2000), 400, []string{"Search words:"}},
		{"/evidence-map?rows=colour", 400, []string{`cannot map studies by "colour"`, "disadvantage"}},
		{"/evidence-map?rows=theme&cols=theme", 400, []string{"must differ from rows"}},
		{"/evidence-map?sort=newest", 400, []string{"Sort order: is not an option of this page"}},
		{"/interventions/triple-p?print=1", 400, []string{"Print: is not an option"}},
		{"/studies/mol-2008?x=1", 400, []string{"X: is not an option"}},
		{"/about?x=1", 400, []string{"X: is not an option"}},
		{"/interventions/no-such-thing", 404, []string{`No intervention with id "no-such-thing"`}},
		{"/studies/No_Such", 404, []string{"We could not find that page"}},
		{"/no/such/page", 404, []string{"There is no page at /no/such/page", "Find an intervention"}},
		{"/static/nothing.css", 404, []string{"We could not find that page"}},
	}
	for _, tc := range cases {
		t.Run(tc.target[:min(len(tc.target), 60)], func(t *testing.T) {
			rec, doc := page(t, srv, tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status %d; want %d", rec.Code, tc.status)
			}
			body := text(doc)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("error page does not say %q:\n%s", w, text(find(doc, byID("main"))))
				}
			}
			if strings.Contains(rec.Body.String(), "goroutine") || strings.Contains(rec.Body.String(), ".go:") {
				t.Error("error page shows a stack trace")
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("an error page may be cached")
			}
		})
	}
	// the JSON API keeps answering problems
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/no-such-endpoint"), http.StatusNotFound, "")
}

func TestWebStaticAssets(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/about")
	var assets []string
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "link" || n.Data == "script" }) {
		if ref := attr(n, "href") + attr(n, "src"); ref != "" {
			assets = append(assets, ref)
		}
	}
	want := map[string]string{"/static/site.css": "text/css", "/static/site.js": "javascript", "/static/favicon.svg": "image/svg+xml"}
	if len(assets) != len(want) {
		t.Fatalf("the layout loads %v; want the three embedded assets", assets)
	}
	for _, ref := range assets {
		path, version, _ := strings.Cut(ref, "?v=")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ref, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), want[path]) || rec.Body.Len() == 0 {
			t.Errorf("%s = %d %q", ref, rec.Code, rec.Header().Get("Content-Type"))
		}
		if version == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s is not versioned for long caching: %q", ref, rec.Header().Get("Cache-Control"))
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		again := httptest.NewRecorder()
		srv.ServeHTTP(again, req)
		if again.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag = %d; want 304", path, again.Code)
		}
	}
}

// Every page reachable from the home page renders, passes the structure checks, and every
// API link on it ("view as data", downloads) answers 200 under the contract. Links with a
// query are followed from pages without one, which reaches every record page and each
// page's own searches while keeping the crawl finite.
func TestWebLinksResolve(t *testing.T) {
	srv := apitest.NewServer(t)
	seen := map[string]bool{}
	queue := []string{"/", "/studies", "/evidence-map", "/about"}
	kinds := map[string]int{}
	for len(queue) > 0 {
		target := queue[0]
		queue = queue[1:]
		if seen[target] {
			continue
		}
		seen[target] = true
		if strings.HasPrefix(target, "/api/") {
			if rec := apitest.Get(t, srv, target); rec.Code != http.StatusOK {
				t.Errorf("%s = %d", target, rec.Code)
			}
			continue
		}
		doc := pageOK(t, srv, target)
		kinds[strings.SplitN(strings.TrimPrefix(target, "/"), "/", 2)[0]]++
		for _, href := range hrefs(doc, anyLink) {
			u, err := url.Parse(href)
			if err != nil {
				t.Errorf("%s links to %q: %v", target, href, err)
				continue
			}
			internal := u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "/docs") && u.Fragment == ""
			if internal && (u.RawQuery == "" || !strings.Contains(target, "?") || strings.HasPrefix(u.Path, "/api/")) {
				queue = append(queue, u.RequestURI())
			}
		}
	}
	for _, kind := range []string{"interventions", "studies"} {
		if kinds[kind] < 30 {
			t.Errorf("reached only %d %s pages from the home page", kinds[kind], kind)
		}
	}
	t.Logf("checked %d pages and API links", len(seen))
}

// The finder's friendly form fields become the API's filter grammar, in field order, with
// repeated values ORed.
func TestFinderTranslatesFormToFilter(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/?disadvantage=low-income&disadvantage=eal&stage=primary&q=reading&sort=studies")
	data, _ := url.Parse(dataLink(t, doc))
	want := url.Values{
		"filter": {"stage:primary,disadvantage:low-income|eal"}, "q": {"reading"}, "sort": {"-study_count,name"},
		"per_page": {"50"}, "facets": {"stage,disadvantage,theme,strand,setting"}, "facet_mode": {"disjunctive"},
	}
	for k, v := range want {
		if got := data.Query()[k]; !slices.Equal(got, v) {
			t.Errorf("data link %s = %q; want %q", k, got, v)
		}
	}
	for _, id := range []string{"stage-primary", "disadvantage-low-income", "disadvantage-eal"} {
		if box := find(doc, byID(id)); box == nil || !slices.ContainsFunc(box.Attr, func(a html.Attribute) bool { return a.Key == "checked" }) {
			t.Errorf("checkbox %s is not ticked", id)
		}
	}
	if q := find(doc, byID("q")); attr(q, "value") != "reading" {
		t.Errorf("search box holds %q", attr(q, "value"))
	}
}

// Removing a filter, clearing them all and paging keep the rest of the query.
func TestWebListLinks(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/studies?q=parent&theme=engaging-with-fathers&stage=primary&sort=oldest&page=1")
	chips := hrefs(doc, byClass("chip"))
	if len(chips) != 2 {
		t.Fatalf("chips %v; want one per ticked value", chips)
	}
	for _, c := range chips {
		u, _ := url.Parse(c)
		q := u.Query()
		if q.Get("q") != "parent" || q.Get("sort") != "oldest" || q.Has("page") || len(q["theme"])+len(q["stage"]) != 1 {
			t.Errorf("chip link %s does not remove exactly one filter", c)
		}
	}
	all := pageOK(t, srv, "/studies")
	next := hrefs(all, func(n *html.Node) bool { return attr(n, "rel") == "next" })
	if len(next) != 1 || next[0] != "/studies?page=2" {
		t.Fatalf("next link %v", next)
	}
	second := pageOK(t, srv, next[0])
	if text(find(second, byClass("range"))) != "(showing 21–40)" {
		t.Errorf("page 2 shows %q", text(find(second, byClass("range"))))
	}
	if prev := hrefs(second, func(n *html.Node) bool { return attr(n, "rel") == "prev" }); len(prev) != 1 || prev[0] != "/studies" {
		t.Errorf("prev link %v", prev)
	}
}

// An intervention card says plainly how many impact evaluations the review holds and what
// they found, from the computed evidence summary; a null result is shown like any other.
func TestInterventionCardEvidence(t *testing.T) {
	srv := apitest.NewServer(t)
	cases := []struct{ id, count, result, statement string }{
		{"incredible-years", "3 impact evaluations", "Positive results: 1", "one randomised controlled trial"},
		{"mind-the-gap", "1 impact evaluation", "No effect found: 1", "One randomised controlled trial found no effect."},
		{"spokes", "No impact evaluation", "", "one evaluation published after 2014 found no effect"},
		{"dialogic-reading", "No impact evaluation", "", "one review of other studies"},
	}
	for _, tc := range cases {
		doc := pageOK(t, srv, "/interventions/"+tc.id)
		ev := find(doc, byClass("evidence"))
		if got := text(find(ev, byClass("evidence-count"))); !strings.HasPrefix(got, tc.count) {
			t.Errorf("%s: evidence count %q; want %s", tc.id, got, tc.count)
		}
		if got := text(find(ev, byClass("evidence-statement"))); !strings.Contains(got, tc.statement) {
			t.Errorf("%s: statement %q; want %q in it", tc.id, got, tc.statement)
		}
		results := find(ev, byClass("result-counts"))
		if tc.result == "" {
			if results != nil {
				t.Errorf("%s: results listed without an impact evaluation: %q", tc.id, text(results))
			}
		} else if got := text(results); !strings.Contains(got, tc.result) {
			t.Errorf("%s: results %q; want %q", tc.id, got, tc.result)
		}
	}
	if strings.Contains(text(pageOK(t, srv, "/")), "Strongest finding") {
		t.Error("the finder still picks a strongest finding")
	}
}

// Form values match as the store matches them: case-insensitively, ticked and removable.
func TestWebFormValuesAreCanonical(t *testing.T) {
	srv := apitest.NewServer(t)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/studies?design=rct", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `value="RCT" checked`) {
		t.Errorf("design=rct: status %d, RCT not ticked", rec.Code)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/evidence-map?rows=design&design=rct", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "RCT") {
		t.Errorf("map with design=rct: status %d or no RCT row", rec.Code)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/evidence-map?rows=year&year=2010-2014", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a year range in a form = %d; want the 400 page", rec.Code)
	}
}

// The finder follows the API's stage rule, and says so: low-income + primary includes
// Triple P, a programme for all stages.
func TestFinderStageRule(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/?stage=primary&disadvantage=low-income")
	body := text(doc)
	if !strings.Contains(body, "Triple P") {
		t.Error("low-income + primary does not show Triple P")
	}
	if !strings.Contains(body, "Programmes for all stages are included") {
		t.Error("the finder does not state the stage rule")
	}
}

// Provisional theme and strand labels carry a marker and its one-line explanation in the
// finder's and study search's filter lists, on the gap map and on cards.
func TestProvisionalMarkers(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, target := range []string{"/", "/studies", "/evidence-map"} {
		doc := pageOK(t, srv, target)
		if marks := len(findAll(doc, byClass("badge-provisional"))); marks < 7 {
			t.Errorf("%s: %d provisional markers; want one per provisional theme and strand", target, marks)
		}
		if !strings.Contains(text(doc), "marks a name of ours") {
			t.Errorf("%s: the provisional marker is not explained", target)
		}
	}
}

// A finder query with no impact evaluation says so and leads to the matching studies.
func TestFinderNoImpactLeadsToStudies(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/?disadvantage=eal&stage=primary")
	note := find(doc, byClass("no-impact"))
	if note == nil {
		t.Fatal("EAL + primary: no notice that there is no impact evaluation")
	}
	links := hrefs(note, byAtom(atom.A))
	if len(links) != 1 || !strings.HasPrefix(links[0], "/studies?") || !strings.Contains(links[0], "disadvantage=eal") {
		t.Fatalf("notice links %v; want the EAL studies", links)
	}
	studies := pageOK(t, srv, links[0])
	if len(findAll(studies, byClass("result"))) == 0 {
		t.Errorf("the link %s shows no studies", links[0])
	}
	if find(pageOK(t, srv, "/?stage=primary"), byClass("no-impact")) != nil {
		t.Error("primary has impact evaluations, yet the notice shows")
	}
}

// Staff's CSV download opens in Excel (a UTF-8 byte order mark); a printed list states its
// filters; the filters fold into a <details> element, which works without JavaScript.
func TestStaffDownloadsAndPrint(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/studies?disadvantage=eal&q=parents")
	var csvLink string
	for _, h := range hrefs(doc, anyLink) {
		if strings.Contains(h, "format=csv") {
			csvLink = h
		}
	}
	if !strings.Contains(csvLink, "bom=true") {
		t.Errorf("the CSV link %q does not ask for a byte order mark", csvLink)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, csvLink, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "\ufeff") {
		t.Errorf("the CSV link answers %d without a byte order mark", rec.Code)
	}
	if got := text(find(doc, byClass("print-filters"))); !strings.Contains(got, "English as an additional language") || !strings.Contains(got, "parents") {
		t.Errorf("the printed list states %q", got)
	}
	if find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Details && hasClassAttr(n, "filters-toggle") }) == nil {
		t.Error("the filters are not in a <details> element")
	}
}

func hasClassAttr(n *html.Node, class string) bool { return byClass(class)(n) }

// TestPagesAreCacheable: every page type sends a weak ETag and Cache-Control tied to the
// dataset version, answers If-None-Match with 304, and gets a new ETag when the data
// changes; error pages send neither.
func TestPagesAreCacheable(t *testing.T) {
	srv, st := apitest.NewWritableServer(t)
	get := func(target, inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	targets := []string{"/", "/?stage=primary", "/interventions/triple-p", "/studies", "/studies/mol-2008", "/evidence-map", "/about", "/problems", "/problems/not-found"}
	etags := map[string]string{}
	for _, target := range targets {
		rec := get(target, "")
		etag := rec.Header().Get("ETag")
		if rec.Code != http.StatusOK || !strings.HasPrefix(etag, `W/"`) || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public, max-age=") {
			t.Errorf("%s: %d, ETag %q, Cache-Control %q", target, rec.Code, etag, rec.Header().Get("Cache-Control"))
			continue
		}
		etags[target] = etag
		if again := get(target, etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("%s with its ETag: %d; want 304", target, again.Code)
		}
	}
	if etags["/"] == etags["/?stage=primary"] {
		t.Error("two pages share an ETag")
	}
	if rec := get("/studies/no-such-study", ""); rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("an error page has ETag %q, Cache-Control %q", rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
	}
	admin := apitest.Token(t, st, "page-cache-admin", models.RoleAdmin)
	rec := apitest.Get(t, srv, "/api/v1/themes/engaging-with-fathers")
	theme := apitest.Decode[api.ThemeDetail](t, rec).Data.Theme
	theme.Description += " Revised."
	body, _ := json.Marshal(theme)
	if put := apitest.Send(t, srv, http.MethodPut, "/api/v1/themes/engaging-with-fathers", admin, "application/json", body, "If-Match", rec.Header().Get("ETag")); put.Code != http.StatusOK {
		t.Fatalf("put theme: %d %s", put.Code, put.Body)
	}
	if after := get("/about", etags["/about"]); after.Code != http.StatusOK || after.Header().Get("ETag") == etags["/about"] {
		t.Errorf("after a write, /about with the old ETag: %d, ETag %q", after.Code, after.Header().Get("ETag"))
	}
}
