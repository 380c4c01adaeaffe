package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

func vocabularies(t *testing.T) api.Vocabularies {
	t.Helper()
	v := apitest.GetOK[api.Vocabularies](t, apitest.NewServer(t), "/api/v1/vocabularies")
	if len(v.Data) != 2 || v.Data[0].Collection != "studies" || v.Data[1].Collection != "interventions" {
		t.Fatalf("collections = %+v", v.Data)
	}
	return v
}

// TestVocabulariesWorkInFiltersAndFacets: every value /api/v1/vocabularies lists for a
// tag field works in filter= and appears, with the same label, in the field's facet; every
// facetable field works in facets=; every operator of every field is accepted.
func TestVocabulariesWorkInFiltersAndFacets(t *testing.T) {
	srv := apitest.NewServer(t)
	v := vocabularies(t)
	sample := map[string]string{} // a value per collection.field, for paths across relations
	for _, coll := range v.Data {
		for _, f := range coll.Fields {
			if len(f.Values) > 0 {
				sample[coll.Collection+"."+f.Name] = f.Values[0].Value
			}
		}
	}
	for _, coll := range v.Data {
		if len(coll.Fields) < 10 {
			t.Errorf("%s has only %d fields", coll.Collection, len(coll.Fields))
		}
		for _, f := range coll.Fields {
			if f.Type == "tag" && len(f.Values) == 0 || f.Type != "tag" && len(f.Values) > 0 {
				t.Errorf("%s.%s (%s) has %d values", coll.Collection, f.Name, f.Type, len(f.Values))
			}
			if f.Facetable {
				list := apitest.Decode[api.StudyList](t, apitest.Get(t, srv, "/api/v1/"+coll.Collection+"?per_page=1&facets="+f.Name))
				if len(list.Facets) != 1 || list.Facets[0].Field != f.Name {
					t.Errorf("facets=%s on %s: %+v", f.Name, coll.Collection, list.Facets)
				}
			}
			for _, val := range f.Values {
				if val.Label == "" || val.Label == val.Value && f.Name != "country" {
					t.Errorf("%s.%s:%s has no label of its own: %q", coll.Collection, f.Name, val.Value, val.Label)
				}
				q := url.Values{"filter": {f.Name + ":" + val.Value}, "per_page": {"1"}}
				if f.Facetable {
					q.Set("facets", f.Name)
				}
				rec := apitest.Get(t, srv, "/api/v1/"+coll.Collection+"?"+q.Encode())
				if rec.Code != 200 {
					t.Errorf("filter %s:%s on %s: %d %s", f.Name, val.Value, coll.Collection, rec.Code, rec.Body)
					continue
				}
				if !f.Facetable {
					continue
				}
				list := apitest.Decode[api.StudyList](t, rec)
				i := slices.IndexFunc(list.Facets[0].Values, func(fv models.FacetValue) bool { return fv.Value == val.Value })
				switch {
				case i < 0:
					t.Errorf("%s.%s:%s is not in its facet %+v", coll.Collection, f.Name, val.Value, list.Facets[0].Values)
				case list.Facets[0].Values[i].Label != val.Label || list.Facets[0].Values[i].Provisional != val.Provisional:
					t.Errorf("%s.%s:%s: facet says %+v, vocabularies %+v", coll.Collection, f.Name, val.Value, list.Facets[0].Values[i], val)
				}
			}
			for _, op := range f.Operators {
				value := map[string]string{"tag": sampleOf(f), "number": "1", "flag": "true", "text": "x", "relation": "x"}[f.Type]
				if f.Type == "relation" {
					value = firstID(t, srv, *f.Target)
				}
				expr := map[string]string{"eq": value, "in": value + "|" + value, "not": "!" + value, "null": "null",
					"range": "0-3000", "gt": ">1", "gte": ">=1", "lt": "<1", "lte": "<=1"}[op]
				name := f.Name
				if op == "path" {
					name += ".theme"
					expr = sample[*f.Target+".theme"]
				}
				if expr == "" {
					t.Errorf("%s.%s: no example for operator %q", coll.Collection, f.Name, op)
					continue
				}
				target := "/api/v1/" + coll.Collection + "?per_page=1&filter=" + url.QueryEscape(name+":"+expr)
				if rec := apitest.Get(t, srv, target); rec.Code != 200 {
					t.Errorf("%s (operator %s): %d %s", target, op, rec.Code, rec.Body)
				}
			}
		}
	}
}

func sampleOf(f api.VocabularyField) string {
	if len(f.Values) == 0 {
		return ""
	}
	return f.Values[0].Value
}

func firstID(t *testing.T, srv http.Handler, collection string) string {
	list := apitest.Decode[struct {
		Data []struct{ ID string }
	}](t, apitest.Get(t, srv, "/api/v1/"+collection+"?per_page=1&fields=id"))
	return list.Data[0].ID
}

// TestSpecListsFilterFields: the filter and facets parameters of the list operations name
// every field the vocabularies endpoint lists, so the contract documents them too.
func TestSpecListsFilterFields(t *testing.T) {
	v := vocabularies(t)
	doc := apitest.Document(t)
	for _, coll := range v.Data {
		op := doc.Paths.Find("/api/v1/" + coll.Collection).Get
		params := map[string]string{}
		for _, p := range op.Parameters {
			params[p.Value.Name] = p.Value.Description
		}
		for _, f := range coll.Fields {
			if !strings.Contains(params["filter"], "`"+f.Name+"`") {
				t.Errorf("%s: the filter parameter's description does not name `%s`: %q", coll.Collection, f.Name, params["filter"])
			}
			if f.Facetable != strings.Contains(params["facets"], "`"+f.Name+"`") {
				t.Errorf("%s: the facets parameter's description and vocabularies disagree on `%s` (facetable %v): %q",
					coll.Collection, f.Name, f.Facetable, params["facets"])
			}
		}
	}
}
