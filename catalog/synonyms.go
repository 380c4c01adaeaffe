package catalog

import (
	"strings"
	"unicode"
)

// Synonyms is the curated list of the words school staff use for the same thing: the
// abbreviations of the field and their phrases, as the records write them (the
// disadvantage-focus vocabulary's names and descriptions among them). It is the one list
// search expands queries with; the web's help text reads it too.
//
// At query time, a search word or quoted phrase that is one of a group's terms matches any
// of the group's terms: q=EAL searches (EAL OR "english as an additional language" OR …).
// Only the query is rewritten; the index is not.
var Synonyms = []SynonymGroup{
	{Terms: []string{"EAL", "english as an additional language", "english as a second language", "new to english", "ESL"}},
	{Terms: []string{"ESOL", "english for speakers of other languages"}},
	{Terms: []string{"SEN", "SEND", "ASN", "special educational needs", "special educational needs and disabilities",
		"additional support needs", "additional support for learning", "special needs", "disabled pupils", "disabled children"},
		CapitalsOnly: []string{"SEND"}},
	{Terms: []string{"FSM", "free school meals", "free school meal"}},
	{Terms: []string{"GRT", "gypsy roma traveller", "gypsy roma and traveller", "gypsies and travellers"}},
	{Terms: []string{"LAC", "CLA", "looked after", "looked after children", "children looked after", "children in care"},
		CapitalsOnly: []string{"LAC"}},
	{Terms: []string{"SIMD", "scottish index of multiple deprivation"}},
	{Terms: []string{"NEET", "not in education employment or training"}},
	{Terms: []string{"SES", "socioeconomic status", "socio economic status"}},
	{Terms: []string{"PSA", "parent support adviser", "parent support advisers"}},
	{Terms: []string{"FNP", "family nurse partnership"}},
	{Terms: []string{"PEIP", "parenting early intervention programme", "parenting early intervention pathfinder"}},
	{Terms: []string{"FAST", "families and schools together"}, CapitalsOnly: []string{"FAST"}},
	{Terms: []string{"ECaR", "every child a reader"}},
	{Terms: []string{"AfA", "achievement for all"}},
	{Terms: []string{"EEF", "education endowment foundation"}},
	{Terms: []string{"DCSF", "department for children schools and families"}},
	{Terms: []string{"DfE", "department for education"}},
}

// SynonymGroup is terms that mean the same. CapitalsOnly names abbreviations that are also
// ordinary words ("send", "lac", "fast"): they expand only when written in capitals.
type SynonymGroup struct {
	Terms        []string
	CapitalsOnly []string
}

// synonymIndex maps a term's folded words ("english as an additional language") to its
// group, built once from Synonyms.
var synonymIndex = func() map[string]int {
	idx := map[string]int{}
	for g, group := range Synonyms {
		for _, term := range group.Terms {
			idx[foldedKey(term)] = g
		}
	}
	return idx
}()

func foldedKey(text string) string {
	toks := tokenize(text)
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.word
	}
	return strings.Join(words, " ")
}

// expandSynonyms returns the query node for raw text (a word or a phrase) when it is a term
// of a synonym group: an OR of the group's terms, each as a term or a phrase of stems. ok is
// false when the text is no synonym.
func expandSynonyms(text string) (node *qnode, ok bool) {
	g, found := synonymIndex[foldedKey(text)]
	if !found {
		return nil, false
	}
	group := Synonyms[g]
	for _, c := range group.CapitalsOnly {
		if foldedKey(c) == foldedKey(text) && !allCapitals(text) {
			return nil, false
		}
	}
	var kids []*qnode
	for _, term := range group.Terms {
		toks := tokenize(term)
		stems := make([]string, len(toks))
		for i, t := range toks {
			stems[i] = stem(t.word)
		}
		if len(stems) == 1 {
			kids = append(kids, &qnode{op: opTerm, words: stems})
		} else {
			kids = append(kids, &qnode{op: opPhrase, words: stems})
		}
	}
	return combine(opOr, kids), true
}

// allCapitals reports whether every letter of s is upper-case, as in an abbreviation.
func allCapitals(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 0
}
