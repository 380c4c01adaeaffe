package models_test

import (
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

func ptr[T any](v T) *T { return &v }

func words(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }

// validDataset is the smallest dataset that passes: one of everything.
func validDataset() *models.Dataset {
	return &models.Dataset{
		FormatVersion: models.DatasetFormatVersion,
		Themes:        []models.Theme{{Slug: "engaging-with-fathers", Name: "Engaging with Fathers", Description: "Fathers."}},
		Strands:       []models.Strand{{Slug: "information-for-parents", Name: "Information for parents", Description: "Information.", Provisional: true}},
		Disadvantages: []models.DisadvantageFocus{{Slug: "low-income", Name: "Low income", Description: "Poverty."}},
		Studies: []models.Study{{
			ID: "smith-2010", Title: "A study", Authors: []string{"Smith, J."}, Year: 2010, Type: "journal-article",
			DOI: ptr("10.1000/xyz"), URL: ptr("https://example.org/a"), Design: ptr("RCT"), Stage: ptr("primary"),
			Summary: words(80), Themes: []string{"engaging-with-fathers"}, Strands: []string{"information-for-parents"},
			DisadvantageFocus: []string{"low-income"}, Interventions: []string{"fast"}, VerifiedIn: []string{"https://example.org/a"},
		}},
		Interventions: []models.Intervention{{
			ID: "fast", Name: "FAST", Summary: words(70) + " different", Stage: ptr("primary"), Setting: ptr("school"),
			Themes: []string{"engaging-with-fathers"}, Evidence: []models.Evidence{{Finding: "It helped.", StudyID: ptr("smith-2010"), Kind: "impact",
				Result: ptr("positive"), ResultFact: ptr("Smith (2010): gains."), Window: "in"}},
			VerifiedIn: []string{"https://example.org/b"},
		}},
	}
}

func TestValidateAcceptsValidDataset(t *testing.T) {
	if errs := validDataset().Validate(); len(errs) != 0 {
		t.Fatalf("Validate() = %+v; want no errors", errs)
	}
}

func TestValidateNamesRecordAndField(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(d *models.Dataset)
		field  string
	}{
		{"year outside window", func(d *models.Dataset) { d.Studies[0].Year = 2016 }, "studies[0] (smith-2010).year"},
		{"unknown theme", func(d *models.Dataset) { d.Studies[0].Themes = []string{"astrology"} }, "studies[0] (smith-2010).themes"},
		{"no theme", func(d *models.Dataset) { d.Studies[0].Themes = nil }, "studies[0] (smith-2010).themes"},
		{"unknown strand", func(d *models.Dataset) { d.Studies[0].Strands = []string{"x"} }, "studies[0] (smith-2010).strands"},
		{"unknown design", func(d *models.Dataset) { d.Studies[0].Design = ptr("anecdote") }, "studies[0] (smith-2010).design"},
		{"no source", func(d *models.Dataset) { d.Studies[0].VerifiedIn = nil }, "studies[0] (smith-2010).verified_in"},
		{"bad source URL", func(d *models.Dataset) { d.Studies[0].VerifiedIn = []string{"not a url"} }, "studies[0] (smith-2010).verified_in[0]"},
		{"malformed DOI", func(d *models.Dataset) { d.Studies[0].DOI = ptr("doi:xyz") }, "studies[0] (smith-2010).doi"},
		{"duplicate DOI", func(d *models.Dataset) {
			s := d.Studies[0]
			s.ID, s.Summary = "smith-2010-b", words(90)
			d.Studies = append(d.Studies, s)
		}, "studies[1] (smith-2010-b).doi"},
		{"duplicate id", func(d *models.Dataset) {
			s := d.Studies[0]
			s.DOI, s.Summary = nil, words(95)
			d.Studies = append(d.Studies, s)
		}, "studies[1] (smith-2010).id"},
		{"malformed id", func(d *models.Dataset) { d.Studies[0].ID = "Smith 2010" }, "studies[0] (Smith 2010).id"},
		{"dangling intervention", func(d *models.Dataset) { d.Studies[0].Interventions = []string{"nope"} }, "studies[0] (smith-2010).interventions"},
		{"intervention listed twice", func(d *models.Dataset) { d.Studies[0].Interventions = []string{"fast", "fast"} }, "studies[0] (smith-2010).interventions"},
		{"dangling evidence link", func(d *models.Dataset) { d.Interventions[0].Evidence[0].StudyID = ptr("nope") }, "interventions[0] (fast).evidence[0].study_id"},
		{"empty summary", func(d *models.Dataset) { d.Studies[0].Summary = " " }, "studies[0] (smith-2010).summary"},
		{"short summary", func(d *models.Dataset) { d.Studies[0].Summary = words(10) }, "studies[0] (smith-2010).summary"},
		{"duplicated summary", func(d *models.Dataset) { d.Interventions[0].Summary = d.Studies[0].Summary }, "interventions[0] (fast).summary"},
		{"unknown setting", func(d *models.Dataset) { d.Interventions[0].Setting = ptr("moon") }, "interventions[0] (fast).setting"},
		{"duplicate theme slug", func(d *models.Dataset) { d.Themes = append(d.Themes, d.Themes[0]) }, "themes[1] (engaging-with-fathers).slug"},
		{"effect size without measure", func(d *models.Dataset) { d.Studies[0].EffectSize = ptr(0.2) }, "studies[0] (smith-2010).effect_size_measure"},
		{"format version", func(d *models.Dataset) { d.FormatVersion = 9 }, "format_version"},
		{"unknown evidence kind", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Kind = "anecdote" }, "interventions[0] (fast).evidence[0].kind"},
		{"evidence design beside a study", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Design = ptr("RCT") }, "interventions[0] (fast).evidence[0].design"},
		{"unknown evidence design", func(d *models.Dataset) {
			e := &d.Interventions[0].Evidence[0]
			e.StudyID, e.Design = nil, ptr("anecdote")
		}, "interventions[0] (fast).evidence[0].design"},
		{"impact without result", func(d *models.Dataset) {
			e := &d.Interventions[0].Evidence[0]
			e.Result, e.ResultFact = nil, nil
		}, "interventions[0] (fast).evidence[0].result"},
		{"result on a process item", func(d *models.Dataset) {
			e := &d.Interventions[0].Evidence[0]
			e.Kind, e.ResultFact = "process", nil
		}, "interventions[0] (fast).evidence[0].result"},
		{"unknown result", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Result = ptr("great") }, "interventions[0] (fast).evidence[0].result"},
		{"fact without a result", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Result = ptr("not-reported") }, "interventions[0] (fast).evidence[0].result_fact"},
		{"unknown window", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Window = "later" }, "interventions[0] (fast).evidence[0].window"},
		{"missing window", func(d *models.Dataset) { d.Interventions[0].Evidence[0].Window = "" }, "interventions[0] (fast).evidence[0].window"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDataset()
			tc.break_(d)
			errs := d.Validate()
			found := false
			for _, e := range errs {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Errorf("Validate() = %+v; want an error on %s", errs, tc.field)
			}
		})
	}
}
