package store_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// The checked reference bibliography lives beside the repository (../shared/reference), as
// it does on the team's machines and in CI. These tests hold the embedded dataset to it.
const referenceDir = "../../shared/reference"

type refStudy struct {
	Title, Type            string
	Year                   int
	Venue, DOI, URL        *string
	Country, Design, Stage *string
	KeyFindingFacts        []string `json:"key_finding_facts"`
	RawAuthors             []string `json:"authors"`
	RawVerified            []string `json:"verified_in"`
}

type refIntervention struct {
	Name                 string
	Aliases              []string
	Origin               *string `json:"provider_or_origin"`
	CountryOfOrigin      *string `json:"country_of_origin"`
	Stage                *string `json:"target_stage"`
	Setting              *string
	URL                  *string
	VerifiedIn           []string `json:"verified_in"`
	DescriptionFacts     []string `json:"description_facts"`
	EvidenceSummaryFacts []string `json:"evidence_summary_facts"`
}

func readReference[T any](t *testing.T, name string) []T {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(referenceDir, name))
	if os.IsNotExist(err) {
		t.Skipf("reference %s not found beside the repository; skipping the conformance check", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	var v []T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// No bibliographic fact may differ from the reference.
func TestStudiesMatchReference(t *testing.T) {
	refs := readReference[refStudy](t, "studies.json")
	d := embedded(t)
	if len(d.Studies) != len(refs) {
		t.Errorf("dataset has %d studies; the reference %d", len(d.Studies), len(refs))
	}
	byTitle := map[string]models.Study{}
	for _, s := range d.Studies {
		byTitle[s.Title+"|"+strconv.Itoa(s.Year)] = s
	}
	for _, r := range refs {
		s, ok := byTitle[r.Title+"|"+strconv.Itoa(r.Year)]
		if !ok {
			t.Errorf("reference study %q (%d) is missing", r.Title, r.Year)
			continue
		}
		sameFacts(t, s.ID, map[string][2]any{
			"authors": {s.Authors, r.RawAuthors}, "type": {s.Type, r.Type}, "venue": {s.Venue, r.Venue},
			"doi": {s.DOI, r.DOI}, "url": {s.URL, r.URL}, "country": {s.Country, r.Country},
			"design": {s.Design, r.Design}, "stage": {s.Stage, r.Stage}, "verified_in": {s.VerifiedIn, r.RawVerified},
		})
	}
}

func TestInterventionsMatchReference(t *testing.T) {
	refs := readReference[refIntervention](t, "interventions.json")
	d := embedded(t)
	if len(d.Interventions) != len(refs) {
		t.Errorf("dataset has %d interventions; the reference %d", len(d.Interventions), len(refs))
	}
	byName := map[string]models.Intervention{}
	for _, iv := range d.Interventions {
		byName[iv.Name] = iv
	}
	for _, r := range refs {
		iv, ok := byName[r.Name]
		if !ok {
			t.Errorf("reference intervention %q is missing", r.Name)
			continue
		}
		sameFacts(t, iv.ID, map[string][2]any{
			"aliases": {iv.Aliases, r.Aliases}, "origin": {iv.Origin, r.Origin},
			"country_of_origin": {iv.CountryOfOrigin, r.CountryOfOrigin}, "stage": {iv.Stage, r.Stage},
			"setting": {iv.Setting, r.Setting}, "url": {iv.URL, r.URL}, "verified_in": {iv.VerifiedIn, r.VerifiedIn},
		})
	}
}

// Summaries and findings are our own words: none shares a run of 12 words with the
// reference's fact sentences.
func TestTextsAreOwnWords(t *testing.T) {
	studies := readReference[refStudy](t, "studies.json")
	ivs := readReference[refIntervention](t, "interventions.json")
	const n = 12
	source := map[string]bool{}
	add := func(texts []string) {
		for _, text := range texts {
			for _, g := range ngrams(text, n) {
				source[g] = true
			}
		}
	}
	for _, s := range studies {
		add(s.KeyFindingFacts)
	}
	for _, iv := range ivs {
		add(iv.DescriptionFacts)
		add(iv.EvidenceSummaryFacts)
	}
	d := embedded(t)
	check := func(record, field, text string) {
		for _, g := range ngrams(text, n) {
			if source[g] {
				t.Errorf("%s.%s copies the reference: %q", record, field, g)
				return
			}
		}
	}
	for _, s := range d.Studies {
		check(s.ID, "summary", s.Summary)
		for _, f := range s.KeyFindings {
			check(s.ID, "key_findings", f)
		}
	}
	for _, iv := range d.Interventions {
		check(iv.ID, "summary", iv.Summary)
		for _, e := range iv.Evidence {
			check(iv.ID, "evidence", e.Finding)
		}
	}
}

// sameFacts reports every field whose value (ours, the reference's) differs.
func sameFacts(t *testing.T, id string, fields map[string][2]any) {
	t.Helper()
	for name, v := range fields {
		if !reflect.DeepEqual(v[0], v[1]) {
			t.Errorf("%s.%s = %v; the reference says %v", id, name, show(v[0]), show(v[1]))
		}
	}
}

func ngrams(text string, n int) []string {
	words := strings.Fields(strings.ToLower(text))
	var out []string
	for i := 0; i+n <= len(words); i++ {
		out = append(out, strings.Join(words[i:i+n], " "))
	}
	return out
}

func show(v any) any {
	if p, ok := v.(*string); ok {
		if p == nil {
			return "null"
		}
		return *p
	}
	return v
}
