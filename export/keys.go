package export

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/evidence-kb/parental-engagement/models"
)

// Keys are the citation keys of a dataset's studies, by study id. A key is the first
// author's family name, the year and the first word of the title, folded to ASCII
// ("goodall2011review"), as Google Scholar makes them. Studies whose keys would collide get
// a letter each in study-id order ("day2009supporting-a", "day2009supporting-b"), so a key
// depends on the dataset alone, never on which query exported the study.
type Keys map[string]string

// KeysName names the citation keys of a snapshot among the values derived from it
// (catalog.Derived), so that every surface cites a study with one key.
const KeysName = "citation-keys"

// NewKeys assigns the keys of a whole dataset's studies.
func NewKeys(studies []models.Study) Keys {
	groups := map[string][]string{}
	for _, s := range studies {
		base := baseKey(s)
		groups[base] = append(groups[base], s.ID)
	}
	keys := make(Keys, len(studies))
	for base, ids := range groups {
		if len(ids) == 1 {
			keys[ids[0]] = base
			continue
		}
		slices.Sort(ids)
		for i, id := range ids {
			keys[id] = base + "-" + letters(i)
		}
	}
	return keys
}

// Of returns the key of a study; a study outside the dataset the keys were made from gets
// its undisambiguated key.
func (k Keys) Of(s models.Study) string {
	if key, ok := k[s.ID]; ok {
		return key
	}
	return baseKey(s)
}

func baseKey(s models.Study) string {
	author := "anon"
	if len(s.Authors) > 0 {
		if n := parseName(s.Authors[0]); n.isPerson() {
			author = fold(n.family) // "van Steensel" → "vansteensel"
		} else {
			author = firstWord(n.literal)
		}
	}
	return author + strconv.Itoa(s.Year) + firstWord(s.Title)
}

// keyStopWords are the words a key skips at the start of a title or an organisation's name.
var keyStopWords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "on": true, "in": true, "for": true, "and": true, "to": true}

// firstWord returns the first significant word of s, folded.
func firstWord(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if f := fold(w); f != "" && !keyStopWords[f] {
			return f
		}
	}
	return ""
}

// fold spells s in lower-case ASCII letters and digits only, transliterating Latin accents
// ("Sénéchal" → "senechal") and dropping everything else.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		case latin[r].ascii != "":
			b.WriteString(strings.ToLower(latin[r].ascii))
		}
	}
	return b.String()
}

// letters numbers a collision: a, b, …, z, aa, ab, …
func letters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('a'+(i-1)%26)) + s
	}
	return s
}
