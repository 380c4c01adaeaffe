package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// Slips of the contract found from outside (issue #20), each held by a test here, and the
// records' rules as the spec states them held to the validator's own.

// A facet value, a glossary term and a vocabulary value state provisional, false too,
// and the statistics' counts mark it as a list's facets do.
func TestProvisionalIsAlwaysStated(t *testing.T) {
	srv := apitest.NewServer(t)
	type value struct {
		Value       string
		Provisional *bool
	}
	type facet struct {
		Field  string
		Values []value
	}
	marked := func(where string, facets []facet) map[string]int {
		count := map[string]int{}
		for _, f := range facets {
			for _, v := range f.Values {
				switch {
				case v.Provisional == nil:
					t.Errorf("%s: %s value %q states no provisional", where, f.Field, v.Value)
				case *v.Provisional:
					count[f.Field]++
				}
			}
		}
		return count
	}
	for _, list := range []string{"/api/v1/studies", "/api/v1/interventions"} {
		got := apitest.Decode[struct{ Facets []facet }](t, apitest.Get(t, srv, list+"?facets=theme,strand,stage&per_page=1"))
		if count := marked(list, got.Facets); count["theme"] != 3 || count["strand"] != 4 || count["stage"] != 0 {
			t.Errorf("%s: provisional facet values %v; want theme 3, strand 4", list, count)
		}
	}
	stats := apitest.Decode[struct{ Counts []facet }](t, apitest.Get(t, srv, "/api/v1/stats"))
	if count := marked("stats", stats.Counts); count["theme"] != 3 || count["strand"] != 4 || len(count) != 2 {
		t.Errorf("stats: provisional counts %v; want theme 3, strand 4 and no other", count)
	}
	glossary := apitest.Decode[struct {
		Data []struct {
			Field string
			Terms []value
		}
	}](t, apitest.Get(t, srv, "/api/v1/glossary"))
	for _, sec := range glossary.Data {
		for _, term := range sec.Terms {
			if term.Provisional == nil || *term.Provisional != (sec.Field == "strand") {
				t.Errorf("glossary %s %q: provisional %v; want %v", sec.Field, term.Value, term.Provisional, sec.Field == "strand")
			}
		}
	}
}

// facet_mode takes its two values only, with facets= or without; absent, it is filtered.
func TestFacetModeIsOneOfTwo(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, list := range []string{"/api/v1/studies", "/api/v1/interventions"} {
		for _, query := range []string{"facet_mode=null", "facet_mode=null&facets=stage", "facet_mode=Filtered", "facet_mode=disjunctive%20", "facet_mode=none&per_page=1"} {
			p := apitest.WantProblem(t, apitest.Get(t, srv, list+"?"+query), http.StatusBadRequest, "facet_mode")
			if !slices.Equal(p.Errors[0].Valid, []string{"filtered", "disjunctive"}) {
				t.Errorf("%s?%s: valid %v; want filtered, disjunctive", list, query, p.Errors[0].Valid)
			}
		}
		for _, query := range []string{"facets=stage", "facet_mode=filtered", "facet_mode=disjunctive&facets=stage"} {
			if rec := apitest.Get(t, srv, list+"?"+query); rec.Code != http.StatusOK {
				t.Errorf("%s?%s = %d; want 200\n%s", list, query, rec.Code, rec.Body)
			}
		}
	}
}

// The spec's enums and bounds of the records are the validator's own lists.
func TestSpecStatesRecordRules(t *testing.T) {
	doc := apitest.Document(t)
	for _, c := range []struct {
		schema, property string
		want             []string
	}{
		{"Study", "type", models.PublicationTypes},
		{"Study", "design", models.Designs},
		{"Study", "stage", models.Stages},
		{"Study", "country", models.Countries},
		{"Intervention", "stage", models.Stages},
		{"Intervention", "setting", models.Settings},
		{"Intervention", "country_of_origin", models.Countries},
		{"Evidence", "kind", models.EvidenceKinds},
		{"Evidence", "result", models.EvidenceResults},
		{"Evidence", "window", models.EvidenceWindows},
	} {
		var enum []string
		for _, v := range property(t, doc, c.schema, c.property).Enum {
			enum = append(enum, v.(string))
		}
		if !slices.Equal(enum, c.want) {
			t.Errorf("%s.%s: enum %v; the validator takes %v", c.schema, c.property, enum, c.want)
		}
	}
	year := property(t, doc, "Study", "year")
	if year.Min == nil || year.Max == nil || *year.Min != models.FirstYear || *year.Max != models.LastYear {
		t.Errorf("Study.year: minimum %v, maximum %v; want %d–%d", year.Min, year.Max, models.FirstYear, models.LastYear)
	}
	if v := property(t, doc, "Dataset", "format_version").Enum; fmt.Sprint(v) != fmt.Sprint(models.DatasetFormatVersions) {
		t.Errorf("Dataset.format_version: enum %v; want %v", v, models.DatasetFormatVersions)
	}
}

// Every string a record's pattern admits, the validator takes: the patterns are those the
// models' tags name (models.Patterns), as the generator writes them out.
func TestRecordPatternsAreTheValidators(t *testing.T) {
	doc := apitest.Document(t)
	corpus := []string{
		"lindsay-2008", "a", "a-b-c", "A-b", "a--b", "-a", "a-", "a_b", "é", "", " ", "\t", "\u00a0", "\u0085", "\u2007x",
		"\ufeff", "\u200b", "x\n", "line one\nline two", "Ünïcödé ✓ 😀",
		"10.1000/182", "10.1000/182\n", "10.12/x", "10.123456789/x", "10.1234567890/x", "10.1000/a b", "10.١٢٣٤/x", "doi:10.1000/182",
		"https://example.org", "http://example.org/a%20b?x=1#top", "https://example.org/%zz", "HTTPS://EXAMPLE.ORG/", "https://example.org:8080/x",
		"https://user@example.org/", "https://[::1]/", "https://例え.jp/", "https://example.org/a b", "https://example.org/\x7f", "ftp://example.org",
		"https://", "https:///x", "https://example.org/é", "https://example.org?q", "https://example.org#f#g",
		words(59), words(60), words(150), words(151), " " + words(60) + "\n", strings.ReplaceAll(words(60), " ", "\u3000"), strings.ReplaceAll(words(60), " ", "\ufeff"),
	}
	rules := []struct {
		schema, property string
		set              func(*models.Study, string)
	}{
		{"Study", "id", func(s *models.Study, v string) { s.ID = v }},
		{"Study", "title", func(s *models.Study, v string) { s.Title = v }},
		{"Study", "authors", func(s *models.Study, v string) { s.Authors = []string{v} }},
		{"Study", "summary", func(s *models.Study, v string) { s.Summary = v }},
		{"Study", "doi", func(s *models.Study, v string) { s.DOI = &v }},
		{"Study", "url", func(s *models.Study, v string) { s.URL = &v }},
		{"Study", "verified_in", func(s *models.Study, v string) { s.VerifiedIn = []string{v} }},
		{"Study", "key_findings", func(s *models.Study, v string) { s.KeyFindings = []string{v} }},
	}
	for _, r := range rules {
		s := property(t, doc, r.schema, r.property)
		pattern := statedPattern(s)
		if pattern == "" {
			t.Errorf("%s.%s states no pattern", r.schema, r.property)
			continue
		}
		admits := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Pattern: pattern}
		for _, v := range corpus {
			if admits.VisitJSON(v) != nil {
				continue
			}
			study := validStudy()
			r.set(&study, v)
			for _, fe := range study.Check("", allRecordsExist{}) {
				if fe.Field == r.property || strings.HasPrefix(fe.Field, r.property+"[") {
					t.Errorf("%s.%s: the pattern admits %q, which the validator refuses: %s", r.schema, r.property, v, fe.Reason)
				}
			}
		}
	}
	// ids and slugs: the pattern is exactly ValidSlug's rule
	slug := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Pattern: statedPattern(property(t, doc, "Theme", "slug"))}
	for _, v := range corpus {
		if (slug.VisitJSON(v) == nil) != models.ValidSlug(v) {
			t.Errorf("Theme.slug pattern and models.ValidSlug disagree on %q", v)
		}
	}
}

// statedPattern is a string schema's pattern, or an array's items' one.
func statedPattern(s *openapi3.Schema) string {
	if s.Items != nil && s.Items.Value.Pattern != "" {
		return s.Items.Value.Pattern
	}
	return s.Pattern
}

func property(t *testing.T, doc *openapi3.T, schema, name string) *openapi3.Schema {
	t.Helper()
	s := doc.Components.Schemas[schema]
	if s == nil || s.Value.Properties[name] == nil {
		t.Fatalf("the spec has no %s.%s", schema, name)
	}
	return s.Value.Properties[name].Value
}

// validStudy is a study the validator takes, for changing one field at a time.
func validStudy() models.Study {
	doi, url := "10.1000/182", "https://example.org/report"
	return models.Study{
		ID: "a-study", Title: "A study", Authors: []string{"Author, A."}, Year: models.FirstYear, Type: models.PublicationTypes[0],
		DOI: &doi, URL: &url, Summary: words(70), Themes: []string{"a-theme"}, VerifiedIn: []string{url},
	}
}

// allRecordsExist is an evidence base in which every tag and link exists and no DOI is taken.
type allRecordsExist struct{}

func (allRecordsExist) HasTheme(string) bool                 { return true }
func (allRecordsExist) HasStrand(string) bool                { return true }
func (allRecordsExist) HasDisadvantage(string) bool          { return true }
func (allRecordsExist) HasStudy(string) bool                 { return true }
func (allRecordsExist) HasIntervention(string) bool          { return true }
func (allRecordsExist) DOIOwner(string) (id string, ok bool) { return "", false }
