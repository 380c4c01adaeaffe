package models_test

import (
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// Every value of every closed vocabulary has a label and a description in the glossary.
func TestGlossaryCoversTheVocabularies(t *testing.T) {
	strands := []models.Strand{{Slug: "information-for-parents", Name: "Information for parents", Provisional: true}}
	for _, sec := range models.Glossary(strands) {
		if len(sec.Terms) == 0 {
			t.Errorf("%s: no terms", sec.Field)
		}
		for _, term := range sec.Terms {
			if term.Label == "" || term.Description == "" {
				t.Errorf("%s %s: label %q, description %q", sec.Field, term.Value, term.Label, term.Description)
			}
		}
		if sec.Field == "strand" && (!sec.Terms[0].Provisional || sec.Terms[0].Description == "") {
			t.Errorf("strand term = %+v", sec.Terms[0])
		}
	}
	if l, ok := models.GlossaryLabel("design", "RCT"); !ok || l != "Randomised controlled trial" {
		t.Errorf("GlossaryLabel(design, RCT) = %q, %v", l, ok)
	}
}
