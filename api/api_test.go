package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"

	"github.com/evidence-kb/parental-engagement/api"
)

func TestListStudies(t *testing.T) {
	srv := apitest.NewServer(t)
	rec := apitest.Get(t, srv, "/api/v1/studies?per_page=5")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d; body %s", rec.Code, rec.Body)
	}
	list := apitest.Decode[api.StudyList](t, rec)
	if len(list.Data) != 5 || list.Meta.Total == nil || *list.Meta.Total != 110 {
		t.Fatalf("got %d items, total %v; want 5 of 110", len(list.Data), list.Meta.Total)
	}
	if list.Meta.DatasetVersion == "" || list.Meta.PerPage != 5 || *list.Meta.Page != 1 {
		t.Errorf("meta = %+v", list.Meta)
	}
	// default order: newest first
	for i := 1; i < len(list.Data); i++ {
		if list.Data[i-1].Year < list.Data[i].Year {
			t.Errorf("not newest first: %d before %d", list.Data[i-1].Year, list.Data[i].Year)
		}
	}
	if list.Links.Next == nil || !strings.Contains(rec.Header().Get("Link"), `rel="next"`) {
		t.Errorf("no next link: %+v, Link %q", list.Links, rec.Header().Get("Link"))
	}
}

func TestListStudiesFilters(t *testing.T) {
	srv := apitest.NewServer(t)
	cases := []struct {
		filter string
		check  func(api.StudyItem) bool
	}{
		{"theme:engaging-with-fathers", func(s api.StudyItem) bool { return has(s.Themes, "engaging-with-fathers") }},
		{"strand:information-for-parents", func(s api.StudyItem) bool { return has(s.Strands, "information-for-parents") }},
		{"disadvantage:low-income", func(s api.StudyItem) bool { return has(s.DisadvantageFocus, "low-income") }},
		{"year:2010-2012", func(s api.StudyItem) bool { return s.Year >= 2010 && s.Year <= 2012 }},
		{"design:RCT|quasi-experimental", func(s api.StudyItem) bool {
			return s.Design != nil && (*s.Design == "RCT" || *s.Design == "quasi-experimental")
		}},
		{"stage:early-years", func(s api.StudyItem) bool { return s.Stage != nil && *s.Stage == "early-years" }},
		{"country:Scotland", func(s api.StudyItem) bool { return s.Country != nil && *s.Country == "Scotland" }},
		{"country:!England,stage:primary", func(s api.StudyItem) bool {
			return (s.Country == nil || *s.Country != "England") && *s.Stage == "primary"
		}},
		{"has_doi:true", func(s api.StudyItem) bool { return s.DOI != nil }},
		{"sample_size:>1000", func(s api.StudyItem) bool { return s.SampleSize != nil && *s.SampleSize > 1000 }},
		{"intervention:triple-p", func(s api.StudyItem) bool { return true }},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			rec := apitest.Get(t, srv, "/api/v1/studies?per_page=100&filter="+url.QueryEscape(tc.filter))
			list := apitest.Decode[api.StudyList](t, rec)
			if len(list.Data) == 0 {
				t.Fatalf("no studies match %s", tc.filter)
			}
			if *list.Meta.Total != len(list.Data) {
				t.Errorf("total %d but %d items", *list.Meta.Total, len(list.Data))
			}
			for _, s := range list.Data {
				if !tc.check(s) {
					t.Errorf("%s does not satisfy %s", s.ID, tc.filter)
				}
			}
		})
	}
}

func TestStudyDetail(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.Decode[api.StudyList](t, apitest.Get(t, srv, "/api/v1/studies?filter=intervention:triple-p"))
	d := apitest.GetOK[api.StudyDetail](t, srv, "/api/v1/studies/"+list.Data[0].ID)
	if len(d.Related.Themes) != len(d.Data.Themes) || len(d.Related.Themes) == 0 {
		t.Errorf("related themes %v vs %v", d.Related.Themes, d.Data.Themes)
	}
	found := false
	for _, iv := range d.Related.Interventions {
		found = found || iv.ID == "triple-p"
	}
	if !found {
		t.Errorf("study %s does not embed triple-p: %+v", d.Data.ID, d.Related.Interventions)
	}
}

func TestInterventions(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?per_page=100"))
	if *list.Meta.Total != 33 || len(list.Data) != 33 {
		t.Fatalf("total = %d, items %d; want 33", *list.Meta.Total, len(list.Data))
	}
	// the stage rule: programmes for all stages are programmes for primary
	primary := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=disadvantage:low-income,stage:primary&per_page=100"))
	tripleP := false
	for _, iv := range primary.Data {
		if (*iv.Stage != "primary" && *iv.Stage != "all") || !has(iv.DisadvantageFocus, "low-income") {
			t.Errorf("%s does not fit low-income primary", iv.ID)
		}
		tripleP = tripleP || iv.ID == "triple-p"
	}
	if !tripleP {
		t.Error("low-income + primary does not include Triple P (stage all)")
	}
	only := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=stage:all&per_page=100"))
	not := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=stage:!primary&per_page=100"))
	for _, iv := range only.Data {
		if *iv.Stage != "all" {
			t.Errorf("stage:all finds %s (%s)", iv.ID, *iv.Stage)
		}
	}
	for _, iv := range not.Data {
		if *iv.Stage == "primary" || *iv.Stage == "all" {
			t.Errorf("stage:!primary finds %s (%s)", iv.ID, *iv.Stage)
		}
	}
	// the facet count beside primary is what the filter gives
	faceted := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?facets=stage&per_page=1"))
	all := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=stage:primary&per_page=1"))
	for _, v := range faceted.Facets[0].Values {
		if v.Value == "primary" && v.Count != *all.Meta.Total {
			t.Errorf("facet primary = %d; the filter gives %d", v.Count, *all.Meta.Total)
		}
	}
	d := apitest.Decode[api.InterventionDetail](t, apitest.Get(t, srv, "/api/v1/interventions/triple-p"))
	if len(d.Related.Studies) == 0 {
		t.Error("triple-p embeds no studies")
	}
	rct := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=study.design:RCT"))
	if len(rct.Data) == 0 {
		t.Error("no intervention evaluated by an RCT")
	}
}

func TestVocabularies(t *testing.T) {
	srv := apitest.NewServer(t)
	themes := apitest.Decode[api.ThemeList](t, apitest.Get(t, srv, "/api/v1/themes"))
	if len(themes.Data) != 6 {
		t.Fatalf("%d themes; want 6", len(themes.Data))
	}
	provisional := 0
	for _, th := range themes.Data {
		if th.Provisional {
			provisional++
			if th.Note == nil {
				t.Errorf("provisional theme %s has no note", th.Slug)
			}
		}
		if th.StudyCount == 0 {
			t.Errorf("theme %s holds no studies", th.Slug)
		}
	}
	if provisional != 3 {
		t.Errorf("%d provisional themes; want 3", provisional)
	}
	one := apitest.Decode[api.ThemeDetail](t, apitest.Get(t, srv, "/api/v1/themes/engaging-with-fathers"))
	if one.Data.Provisional || one.Data.Name == "" {
		t.Errorf("engaging-with-fathers = %+v", one.Data)
	}
	strands := apitest.Decode[api.StrandList](t, apitest.Get(t, srv, "/api/v1/strands"))
	if len(strands.Data) != 4 || !strands.Data[0].Provisional {
		t.Errorf("strands = %+v", strands.Data)
	}
	dis := apitest.Decode[api.DisadvantageList](t, apitest.Get(t, srv, "/api/v1/disadvantages"))
	if len(dis.Data) != 15 {
		t.Errorf("%d disadvantage values; want 15", len(dis.Data))
	}
}

func TestBadInputIsProblem(t *testing.T) {
	srv := apitest.NewServer(t)
	cases := []struct {
		target string
		status int
		field  string
	}{
		{"/api/v1/studies?colour=red", 400, "colour"},
		{"/api/v1/studies?page=0", 400, "page"},
		{"/api/v1/studies?page=abc", 400, "page"},
		{"/api/v1/studies?page=999", 400, "page"},
		{"/api/v1/studies?page=99999999999999999999", 400, "page"},
		{"/api/v1/studies?per_page=1000", 400, "per_page"},
		{"/api/v1/studies?filter=year:abc", 400, "filter"},
		{"/api/v1/studies?filter=year:2014-2010", 400, "filter"},
		{"/api/v1/studies?filter=theme:astrology", 400, "filter"},
		{"/api/v1/studies?filter=colour:red", 400, "filter"},
		{"/api/v1/studies?filter=nocolon", 400, "filter"},
		{"/api/v1/studies?filter=intervention:no-such", 400, "filter"},
		{"/api/v1/studies?sort=colour", 400, "sort"},
		{"/api/v1/studies?sort=relevance", 400, "sort"},
		{"/api/v1/studies?cursor=garbage", 400, "cursor"},
		{"/api/v1/studies?cursor=", 400, "cursor"},
		{"/api/v1/studies?facets=colour", 400, "facets"},
		{"/api/v1/studies?fields=colour", 400, "fields"},
		{"/api/v1/studies?total=maybe", 400, "total"},
		{"/api/v1/studies?q=" + strings.Repeat("x", 2000), 400, "q"},
		{"/api/v1/studies?q=" + strings.Repeat("x", 10240), 414, "url"},
		{"/api/v1/studies/Not_An_Id", 400, "id"},
		{"/api/v1/studies/no-such-study", 404, ""},
		{"/api/v1/studies/no-such-study?x=1", 400, "x"},
		{"/api/v1/interventions/no-such", 404, ""},
		{"/api/v1/interventions?filter=study.colour:red", 400, "filter"},
		{"/api/v1/themes/no-such-theme", 404, ""},
		{"/api/v1/themes/BAD%20SLUG", 400, "slug"},
		{"/api/v1/themes?page=0", 400, "page"},
		{"/api/v1/themes?sort=name", 400, "sort"},
		{"/api/v1/nothing-here", 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.target[:min(len(tc.target), 60)], func(t *testing.T) {
			apitest.WantProblem(t, apitest.Get(t, srv, tc.target), tc.status, tc.field)
		})
	}
}

func TestProblemListsValidValues(t *testing.T) {
	srv := apitest.NewServer(t)
	p := apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies?filter=stage:university"), 400, "filter")
	if !has(p.Errors[0].Valid, "early-years") || !strings.Contains(p.Detail, "university") {
		t.Errorf("problem does not list the valid stages: %+v", p)
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	srv := apitest.NewServer(t)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/studies", strings.NewReader(strings.Repeat("x", 2<<20)))
	apitest.WantProblem(t, apitest.Do(t, srv, req), http.StatusRequestEntityTooLarge, "")
	apitest.WantProblem(t, apitest.Do(t, srv, httptest.NewRequest(http.MethodDelete, "/api/v1/studies", nil)), http.StatusMethodNotAllowed, "")
}

func TestConditionalGetAndCORS(t *testing.T) {
	srv := apitest.NewServer(t)
	first := apitest.Get(t, srv, "/api/v1/themes")
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", first.Header())
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/themes", nil)
	req.Header.Set("If-None-Match", etag)
	if rec := apitest.Do(t, srv, req); rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != etag {
		t.Errorf("conditional GET = %d, ETag %q; want 304 with the same ETag", rec.Code, rec.Header().Get("ETag"))
	}
	req = httptest.NewRequest(http.MethodGet, "/api/v1/studies?per_page=1", nil)
	req.Header.Set("Origin", "https://app.example")
	rec := apitest.Do(t, srv, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "Link") {
		t.Errorf("CORS headers missing: %v", rec.Header())
	}
	req = httptest.NewRequest(http.MethodGet, "/api/v1/studies", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if rec := apitest.Do(t, srv, req); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("response not gzipped: %v", rec.Header())
	}
}

func TestOperationsAndDocs(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := apitest.Get(t, srv, path); rec.Code != http.StatusOK {
			t.Errorf("%s = %d", path, rec.Code)
		}
	}
	if rec := apitest.Get(t, srv, "/openapi.yaml"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "openapi: 3.0.3") {
		t.Errorf("/openapi.yaml = %d", rec.Code)
	}
	if rec := apitest.Get(t, srv, "/openapi.json"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"openapi":"3.0.3"`) {
		t.Errorf("/openapi.json = %d %.100s", rec.Code, rec.Body.String())
	}
	rec := apitest.Get(t, srv, "/docs/")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "swagger-ui") {
		t.Errorf("/docs/ = %d", rec.Code)
	}
	if rec := apitest.Get(t, srv, "/docs/swagger-initializer.js"); !strings.Contains(rec.Body.String(), "/openapi.yaml") {
		t.Errorf("Swagger UI is not pointed at our spec: %s", rec.Body.String())
	}
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestIncludeEmbedsRelatedRecords(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.Decode[api.StudyList](t, apitest.Get(t, srv, "/api/v1/studies?filter=intervention:triple-p&include=themes,interventions"))
	for _, s := range list.Data {
		if s.Included == nil || s.Included.Themes == nil || s.Included.Interventions == nil {
			t.Fatalf("%s: included = %+v; want themes and interventions", s.ID, s.Included)
		}
		if len(*s.Included.Themes) != len(s.Themes) || s.Included.Strands != nil {
			t.Errorf("%s: included themes %d of %d, strands %v", s.ID, len(*s.Included.Themes), len(s.Themes), s.Included.Strands)
		}
		found := false
		for _, iv := range *s.Included.Interventions {
			found = found || iv.ID == "triple-p"
		}
		if !found {
			t.Errorf("%s: included interventions lack triple-p", s.ID)
		}
	}
	ivs := apitest.Decode[api.InterventionList](t, apitest.Get(t, srv, "/api/v1/interventions?filter=id:triple-p&include=studies"))
	if len(ivs.Data) != 1 || ivs.Data[0].Included == nil || len(*ivs.Data[0].Included.Studies) == 0 {
		t.Errorf("triple-p with include=studies = %+v", ivs.Data)
	}
	plain := apitest.Decode[api.StudyList](t, apitest.Get(t, srv, "/api/v1/studies?per_page=1"))
	if plain.Data[0].Included != nil {
		t.Error("included present without include=")
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies?include=authors"), 400, "include")
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions?include=interventions"), 400, "include")
}

func TestSparseFieldsets(t *testing.T) {
	srv := apitest.NewServer(t)
	body := apitest.Decode[struct {
		Data []map[string]any `json:"data"`
	}](t, apitest.Get(t, srv, "/api/v1/studies?fields=id,year&per_page=3"))
	for _, item := range body.Data {
		if len(item) != 2 || item["id"] == nil || item["year"] == nil {
			t.Errorf("sparse item = %v; want only id and year", item)
		}
	}
}

func TestHTTPEdges(t *testing.T) {
	srv := apitest.NewServer(t)
	// HEAD is GET without a body (HTTP semantics; the spec lists GET only)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/api/v1/studies?per_page=1", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
		t.Errorf("HEAD = %d, ETag %q; want 200 with the GET's headers", rec.Code, rec.Header().Get("ETag"))
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies/"), http.StatusNotFound, "")
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies?%zz=1"), http.StatusBadRequest, "query")
	notFound := apitest.Get(t, srv, "/api/v1/studies/no-such-study")
	if notFound.Header().Get("ETag") != "" {
		t.Error("a 404 carries an ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/studies/no-such-study", nil)
	req.Header.Set("If-None-Match", "*")
	apitest.WantProblem(t, apitest.Do(t, srv, req), http.StatusNotFound, "")
	for _, accept := range []string{"*", "garbage", "*/*", ""} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/studies?per_page=1", nil)
		req.Header.Set("Accept", accept)
		if rec := apitest.Do(t, srv, req); rec.Code != http.StatusOK {
			t.Errorf("Accept %q = %d; want 200 JSON", accept, rec.Code)
		}
	}
}
