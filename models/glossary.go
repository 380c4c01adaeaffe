package models

import (
	_ "embed"
	"encoding/json"
	"sync"
)

// The glossary: plain-language labels and descriptions of the closed vocabularies (study
// designs, stages, settings, publication types, the evidence items' kinds, results and
// windows) and descriptions of the strands, written by the curators for school staff
// (design, stage, setting, type and strand reviewed with the dataset, see curation/). It is
// the one place labels live: the API serves it (GET /api/v1/glossary) and the web pages
// read their labels from it.
//
//go:embed glossary.json
var glossaryJSON []byte

// GlossaryTerm is one value of a vocabulary in plain words.
type GlossaryTerm struct {
	Value       string `json:"value" binding:"required" example:"RCT"`
	Label       string `json:"label" binding:"required" example:"Randomised controlled trial"`
	Description string `json:"description" binding:"required"`
	Provisional bool   `json:"provisional" binding:"required"` // a label of ours, not the source's (the strands); false for every other term
} // @name GlossaryTerm

// GlossarySection is the glossary of one field, its terms in vocabulary order.
type GlossarySection struct {
	Field string         `json:"field" example:"design"`
	Terms []GlossaryTerm `json:"terms"`
} // @name GlossarySection

// GlossaryFields are the fields the glossary covers, in the order it lists them, with the
// vocabulary that orders each one's terms (strands come from the dataset: nil here).
var GlossaryFields = []struct {
	Field  string
	Values []string
}{
	{"design", Designs}, {"stage", Stages}, {"setting", Settings}, {"type", PublicationTypes},
	{"strand", nil}, {"kind", EvidenceKinds}, {"result", EvidenceResults}, {"window", EvidenceWindows},
}

type glossaryEntry struct {
	Label       string `json:"label"`
	Description string `json:"description"`
}

var glossary = sync.OnceValue(func() map[string]map[string]glossaryEntry {
	var g map[string]map[string]glossaryEntry
	if err := json.Unmarshal(glossaryJSON, &g); err != nil {
		panic("models: glossary.json: " + err.Error()) // embedded at build time; tests parse it
	}
	return g
})

// Glossary lists the glossary by field. The strand section lists the strands given (the
// dataset's), labelled with their names and described by the glossary.
func Glossary(strands []Strand) []GlossarySection {
	g := glossary()
	out := make([]GlossarySection, 0, len(GlossaryFields))
	for _, f := range GlossaryFields {
		sec := GlossarySection{Field: f.Field, Terms: []GlossaryTerm{}}
		if f.Values == nil {
			for _, s := range strands {
				d := s.Description
				if e, ok := g["strand"][s.Slug]; ok {
					d = e.Description
				}
				sec.Terms = append(sec.Terms, GlossaryTerm{Value: s.Slug, Label: s.Name, Description: d, Provisional: s.Provisional})
			}
		} else {
			for _, v := range f.Values {
				e := g[f.Field][v]
				sec.Terms = append(sec.Terms, GlossaryTerm{Value: v, Label: e.Label, Description: e.Description})
			}
		}
		out = append(out, sec)
	}
	return out
}

// glossarySection names the glossary section that words a filter field's values where
// the two names differ: interventions' evidence_kind, evidence_result and evidence_window.
var glossarySection = map[string]string{"evidence_kind": "kind", "evidence_result": "result", "evidence_window": "window"}

func entry(field, value string) (glossaryEntry, bool) {
	if sec, ok := glossarySection[field]; ok {
		field = sec
	}
	e, ok := glossary()[field][value]
	return e, ok
}

// GlossaryLabel is a vocabulary value's plain-language label, if the glossary has one.
// field is a glossary section or a filter field (evidence_kind reads the kind section).
func GlossaryLabel(field, value string) (string, bool) {
	e, ok := entry(field, value)
	if !ok || e.Label == "" {
		return "", false
	}
	return e.Label, true
}

// GlossaryDescription is a vocabulary value's plain-language description, if any.
func GlossaryDescription(field, value string) (string, bool) {
	e, ok := entry(field, value)
	return e.Description, ok && e.Description != ""
}
