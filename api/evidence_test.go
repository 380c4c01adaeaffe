package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
)

// Issue 10 through the API: typed evidence, the computed evidence summary.

func TestInterventionsCarryEvidenceSummary(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.GetOK[api.InterventionList](t, srv, "/api/v1/interventions?per_page=100")
	if len(list.Data) != 33 {
		t.Fatalf("%d interventions; want 33", len(list.Data))
	}
	for _, it := range list.Data {
		if it.EvidenceSummary.Statement == "" {
			t.Errorf("%s: no evidence_summary.statement", it.ID)
		}
		impact := 0
		for _, e := range it.Evidence {
			if e.Kind == "impact" && e.Window == "in" {
				impact++
			}
		}
		if it.EvidenceSummary.ImpactStudies != impact {
			t.Errorf("%s: impact_studies %d; its items give %d", it.ID, it.EvidenceSummary.ImpactStudies, impact)
		}
	}

	detail := apitest.Decode[api.InterventionDetail](t, apitest.Get(t, srv, "/api/v1/interventions/mind-the-gap"))
	if s := detail.Data.EvidenceSummary; s.ImpactStudies != 1 || !strings.Contains(s.Statement, "found no effect") {
		t.Errorf("Mind the Gap's summary = %+v", s)
	}

	rec := apitest.Get(t, srv, "/api/v1/interventions?fields=id,evidence_summary&filter=id:peep")
	if body := rec.Body.String(); !strings.Contains(body, `"evidence_summary"`) || strings.Contains(body, `"name"`) {
		t.Errorf("sparse fieldset with evidence_summary: %s", body)
	}
}

func TestTypedEvidenceFilters(t *testing.T) {
	srv := apitest.NewServer(t)
	rec := apitest.Get(t, srv, "/api/v1/interventions?filter=evidence_window:before&per_page=100&facets=evidence_kind,evidence_result,evidence_window")
	list := apitest.Decode[api.InterventionList](t, rec)
	ids := map[string]bool{}
	for _, it := range list.Data {
		ids[it.ID] = true
	}
	for _, want := range []string{"peep", "sure-start", "every-child-a-reader"} {
		if !ids[want] {
			t.Errorf("evidence_window:before lacks %s: %v", want, ids)
		}
	}
	if len(list.Facets) != 3 {
		t.Errorf("facets = %+v", list.Facets)
	}
	rec = apitest.Get(t, srv, "/api/v1/interventions?filter=evidence_kind:impact,evidence_result:no-effect&per_page=100")
	list = apitest.Decode[api.InterventionList](t, rec)
	found := false
	for _, it := range list.Data {
		found = found || it.ID == "mind-the-gap"
	}
	if !found {
		t.Error("evidence_result:no-effect does not find Mind the Gap")
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions?filter=has_outside_window_evidence:true"), http.StatusBadRequest, "filter")
}

// Search understands the words staff use: q=EAL finds the studies tagged EAL (whose texts
// say "English as an additional language" or "new to English") and the EAL intervention.
func TestSearchBySynonyms(t *testing.T) {
	srv := apitest.NewServer(t)
	ids := func(target string) map[string]bool {
		t.Helper()
		rec := apitest.Get(t, srv, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", target, rec.Code, rec.Body)
		}
		out := map[string]bool{}
		for _, it := range apitest.Decode[struct{ Data []struct{ ID string } }](t, rec).Data {
			out[it.ID] = true
		}
		return out
	}
	tagged := ids("/api/v1/studies?filter=disadvantage:eal&per_page=100")
	found := ids("/api/v1/studies?q=EAL&per_page=100")
	if len(tagged) == 0 {
		t.Fatal("no EAL studies")
	}
	for id := range tagged {
		if !found[id] {
			t.Errorf("q=EAL misses the EAL study %s (found %v)", id, found)
		}
	}
	if ivs := ids("/api/v1/interventions?q=EAL&per_page=100"); len(ivs) == 0 {
		t.Error("q=EAL finds no intervention")
	}
	for _, q := range []string{"FSM", "GRT", "SEND", "ASN", "ESOL", "looked-after"} {
		if len(ids("/api/v1/studies?q="+q+"&per_page=100"))+len(ids("/api/v1/interventions?q="+q+"&per_page=100")) == 0 {
			t.Errorf("q=%s finds nothing", q)
		}
	}
	// the phrase finds the abbreviation too, and highlights show what matched
	rec := apitest.Get(t, srv, `/api/v1/studies?q=EAL&per_page=100`)
	if !strings.Contains(rec.Body.String(), "<mark>") {
		t.Error("q=EAL: no highlights")
	}
}

// Facet values of provisional themes and strands say so, in lists and on the evidence map.
func TestFacetsCarryProvisional(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, path := range []string{"/api/v1/studies", "/api/v1/interventions"} {
		list := apitest.Decode[struct {
			Facets []struct {
				Field  string
				Values []struct {
					Value       string
					Provisional bool
				}
			}
		}](t, apitest.Get(t, srv, path+"?facets=theme,strand,stage&per_page=1"))
		count := map[string]int{}
		for _, f := range list.Facets {
			for _, v := range f.Values {
				if v.Provisional {
					count[f.Field]++
				}
			}
		}
		// three provisional themes, all four strands, no stage
		if count["theme"] != 3 || count["strand"] != 4 || count["stage"] != 0 {
			t.Errorf("%s: provisional facet values %v; want theme 3, strand 4", path, count)
		}
	}
	rec := apitest.Get(t, srv, "/api/v1/evidence-map?rows=theme&cols=strand")
	if n := strings.Count(rec.Body.String(), `"provisional":true`); n != 7 {
		t.Errorf("evidence map marks %d rows and columns provisional; want 7", n)
	}
}

func TestGlossary(t *testing.T) {
	srv := apitest.NewServer(t)
	g := apitest.GetOK[api.GlossaryList](t, srv, "/api/v1/glossary")
	fields := map[string]int{}
	for _, sec := range g.Data {
		fields[sec.Field] = len(sec.Terms)
		for _, term := range sec.Terms {
			if term.Label == "" || term.Description == "" {
				t.Errorf("%s %s has no label or description", sec.Field, term.Value)
			}
			if sec.Field == "strand" && !term.Provisional {
				t.Errorf("strand %s is not marked provisional", term.Value)
			}
		}
	}
	want := map[string]int{"design": 15, "stage": 4, "setting": 4, "type": 7, "strand": 4, "kind": 4, "result": 5, "window": 3}
	for f, n := range want {
		if fields[f] != n {
			t.Errorf("glossary %s has %d terms; want %d", f, fields[f], n)
		}
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/glossary?x=1"), http.StatusBadRequest, "x")
}
