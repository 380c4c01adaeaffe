package api_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// Every parameter has an example, so a contract fuzzer starts from valid input, and every
// path parameter states the pattern and length the server enforces.
func TestSpecParametersAreExact(t *testing.T) {
	raw, _ := apitest.Contract(t)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, ref := range op.Parameters {
				p := ref.Value
				if p.Example == nil && p.Schema.Value.Example == nil {
					t.Errorf("%s %s: parameter %s has no example", method, path, p.Name)
				}
				if p.In != "path" {
					continue
				}
				s := p.Schema.Value
				if s.Pattern == "" || s.MaxLength == nil {
					t.Errorf("%s %s: path parameter %s states no pattern or maxLength", method, path, p.Name)
					continue
				}
				if ex, ok := p.Example.(string); ok && !regexp.MustCompile(s.Pattern).MatchString(ex) {
					t.Errorf("%s %s: example %q of %s does not match its pattern", method, path, ex, p.Name)
				}
			}
		}
	}
	// the pattern of ids and slugs is the server's own rule
	slug := doc.Paths.Find("/api/v1/studies/{id}").Get.Parameters.GetByInAndName("path", "id").Schema.Value
	re := regexp.MustCompile(slug.Pattern)
	for _, id := range []string{"lindsay-2008", "a", "a-b-c", "A-b", "a--b", "-a", "a-", "a_b", "é", ""} {
		if re.MatchString(id) != models.ValidSlug(id) {
			t.Errorf("pattern %s and models.ValidSlug disagree on %q", slug.Pattern, id)
		}
	}
}

// An empty value of a choice or a boolean is an error, not an absent parameter; booleans
// are exactly true or false.
func TestEmptyAndLooseValuesAreRefused(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, tc := range []struct{ target, field string }{
		{"/api/v1/studies?total=", "total"},
		{"/api/v1/studies?total=1", "total"},
		{"/api/v1/studies?total=TRUE", "total"},
		{"/api/v1/studies?total=t", "total"},
		{"/api/v1/studies?facets=theme&facet_mode=", "facet_mode"},
		{"/api/v1/evidence-map?rows=", "rows"},
		{"/api/v1/evidence-map?cols=", "cols"},
		{"/api/v1/studies?format=csv&bom=", "bom"},
		{"/api/v1/studies?format=csv&bom=1", "bom"},
		{"/api/v1/studies?bom=", "bom"},
		{"/api/v1/studies?bom=true", "bom"},
		{"/api/v1/studies?format=", "format"},
		{"/api/v1/themes/BAD%20SLUG", "slug"},
	} {
		apitest.WantProblem(t, apitest.Get(t, srv, tc.target), http.StatusBadRequest, tc.field)
	}
	p := apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/themes/Not_A_Slug"), http.StatusBadRequest, "slug")
	if want := `"Not_A_Slug" is not well-formed: a theme slug is`; len(p.Errors) == 0 || p.Errors[0].Reason[:len(want)] != want {
		t.Errorf("reason = %+v; want it to start %q", p.Errors, want)
	}
	p = apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions/Bad_Id"), http.StatusBadRequest, "id")
	if want := `"Bad_Id" is not well-formed: an intervention id is`; p.Errors[0].Reason[:len(want)] != want {
		t.Errorf("reason = %q; want it to start %q", p.Errors[0].Reason, want)
	}
	for _, target := range []string{
		"/api/v1/studies?bom=false", "/api/v1/interventions?bom=false&per_page=1", "/api/v1/studies?format=ndjson&bom=false&filter=id:lindsay-2008",
		"/api/v1/studies?format=csv&bom=true&filter=id:lindsay-2008", "/api/v1/studies?total=false",
	} {
		if rec := apitest.Get(t, srv, target); rec.Code != http.StatusOK {
			t.Errorf("%s = %d; want 200\n%s", target, rec.Code, rec.Body)
		}
	}
}
