package web

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/models"
)

// valueLabels words what the glossary does not cover: the evidence fields whose coverage
// the About page reports. Every vocabulary value's label comes from the glossary
// (models.GlossaryLabel), the one place labels live, which the API serves too.
var valueLabels = map[string]map[string]string{
	"completeness": {"doi": "A DOI", "sample_size": "A sample size", "effect_size": "An effect size", "url": "A link to the text"},
}

// label is a vocabulary value in words: the glossary's label, else the value capitalised.
func label(field, value string) string {
	if l, ok := models.GlossaryLabel(field, value); ok {
		return l
	}
	if l, ok := valueLabels[field][value]; ok {
		return l
	}
	if value == "null" {
		return "Not stated"
	}
	return capitalise(value)
}

// valueLabel words a facet value, preferring the name the dataset gives it.
func valueLabel(field string, v models.FacetValue) string {
	if v.Label != "" && v.Label != v.Value {
		return v.Label
	}
	return label(field, v.Value)
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// byYear orders studies newest first, then by id: an order of the calendar, not of merit.
func byYear(a, b models.Study) int {
	return cmp.Or(cmp.Compare(b.Year, a.Year), strings.Compare(a.ID, b.ID))
}

// interventionCard is an intervention in plain words: what it is, who it is for, and
// what the evidence in the review says. The finder shows it; the intervention page and
// its printout start with it.
//
// The intervention is a named field, not embedded: its Summary (the description), Themes
// and Strands (slugs) would share names with the card's own fields, and a template that
// meant one would quietly print the other.
type interventionCard struct {
	Intervention    models.Intervention
	Lead            string // the first sentence of the intervention's summary
	Disadvantages   []models.DisadvantageFocus
	Themes          []models.Theme
	Strands         []models.Strand
	Studies         []models.Study         // the review's studies about it, newest first
	Notes           []keyFinding           // every evidence item, in the curators' order
	EvidenceSummary models.EvidenceSummary // computed from the items: counts and a statement
}

// keyFinding is one evidence item with the study behind it, when that study is in the
// review.
type keyFinding struct {
	models.Evidence
	Study *models.Study
}

func newCard(d *catalog.InterventionRecord, summary models.EvidenceSummary) interventionCard {
	studies := slices.Clone(d.Studies)
	slices.SortStableFunc(studies, byYear)
	c := interventionCard{
		Intervention: d.Intervention, Lead: firstSentence(d.Intervention.Summary),
		Disadvantages: d.Disadvantages, Themes: d.Themes, Strands: d.Strands, Studies: studies, EvidenceSummary: summary,
	}
	for _, e := range d.Intervention.Evidence {
		k := keyFinding{Evidence: e}
		if e.StudyID != nil {
			if i := slices.IndexFunc(studies, func(s models.Study) bool { return s.ID == *e.StudyID }); i >= 0 {
				k.Study = &studies[i]
			}
		}
		c.Notes = append(c.Notes, k)
	}
	return c
}

// firstSentence is the opening sentence of a summary: up to the first full stop that is
// followed by a space and a capital letter.
func firstSentence(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if (s[i] == '.' || s[i] == '?' || s[i] == '!') && s[i+1] == ' ' {
			if r, _ := utf8.DecodeRuneInString(s[i+2:]); unicode.IsUpper(r) {
				return s[:i+1]
			}
		}
	}
	return s
}

// shortCite names a study in running text: "Lindsay & Strand (2013)", "Goodall et al. (2011)".
func shortCite(st models.Study) string {
	var who string
	switch len(st.Authors) {
	case 0:
		who = st.Title
	case 1:
		who = familyName(st.Authors[0])
	case 2:
		who = familyName(st.Authors[0]) + " & " + familyName(st.Authors[1])
	default:
		who = familyName(st.Authors[0]) + " et al."
	}
	return fmt.Sprintf("%s (%d)", who, st.Year)
}

// initials matches the given part of a person's name as the data writes it ("J.", "M.T.",
// "J.-L."); an organisation's name has lower-case words after its comma, so it fails.
var initials = regexp.MustCompile(`^(?:\p{Lu}\p{Ll}*\.?[ -]?)+$`)

// familyName is how running text names an author: a person by surname ("Goodall, J." is
// Goodall), an organisation whole.
func familyName(author string) string {
	if family, given, ok := strings.Cut(author, ", "); ok && initials.MatchString(given) {
		return family
	}
	return author
}

// apaReference is the study's APA reference as the API's apa export writes it, so the
// page and the download never disagree.
func apaReference(st models.Study) (string, error) {
	var b strings.Builder
	enc := export.NewAPA(&b)
	if err := enc.Encode(st); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}
