package export

import (
	"regexp"
	"strings"
)

// name is an author as a citation needs it: a person's family and given names, or an
// organisation's name whole.
type name struct {
	family, given string
	literal       string // an organisation; family and given are then empty
}

func (n name) isPerson() bool { return n.literal == "" }

// givenPattern matches the given part of a person's name as the data writes it: initials or
// capitalised names ("M.", "C.M.", "J.-P.", "Maria"). An organisation's name has lower-case
// words after its comma ("Department for Children, Schools and Families"), so it fails.
var givenPattern = regexp.MustCompile(`^(?:\p{Lu}\p{Ll}*\.?[ -]?)+$`)

// familyPattern matches a family name: a few words with no digits or brackets, which a
// person's name never has and an organisation's often does ("… (NRDC), Institute of Education").
var familyPattern = regexp.MustCompile(`^[\p{L}'’ -]+$`)

// parseName reads an author string of the data: "Surname, I." for a person, anything else
// (such as "National Evaluation of Sure Start (NESS) Team") for an organisation.
func parseName(s string) name {
	s = strings.TrimSpace(s)
	family, given, ok := strings.Cut(s, ", ")
	if !ok || strings.Contains(given, ",") || len(strings.Fields(family)) > 3 ||
		!familyPattern.MatchString(family) || !givenPattern.MatchString(given) {
		return name{literal: s}
	}
	return name{family: family, given: given}
}

func parseNames(authors []string) []name {
	out := make([]name, len(authors))
	for i, a := range authors {
		out[i] = parseName(a)
	}
	return out
}

// spacedInitials writes initials the way APA does, "M. A." rather than "M.A.".
func spacedInitials(given string) string {
	var b strings.Builder
	for i, r := range given {
		b.WriteRune(r)
		if r == '.' && i+1 < len(given) && given[i+1] != ' ' && given[i+1] != '-' {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
