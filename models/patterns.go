package models

import "fmt"

// spaceClass is what ECMA-262 counts as white space and line ends (OpenAPI's patterns are
// ECMA-262), less the zero-width characters, which the validator does not count either.
const spaceClass = `\t\n\v\f\r\x20\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`

// Patterns are rules of a record's strings as regular expressions, in the dialect of
// OpenAPI (ECMA-262), by name: the models' struct tags name them (x-pattern=slug), and the
// spec generator writes each one out in full. The validator's checks agree with them (a
// test holds it); it checks what they cannot (uniqueness, links) itself.
var Patterns = map[string]string{
	"slug":      slugRule,
	"not-blank": `[^` + spaceClass + `]`,
	"doi":       `^(?:10\.[0-9]{4,9}/\S+)$`,
	"url":       `^https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#](?:[^\x00-\x20\x7F%]|%[0-9A-Fa-f]{2})*)?$`,
	// MinSummaryWords to MaxSummaryWords words, with white space around and between
	"summary": fmt.Sprintf(`^(?:[%[1]s]*(?:[^%[1]s]+[%[1]s]+){%[2]d,%[3]d}[^%[1]s]+[%[1]s]*)$`,
		spaceClass, MinSummaryWords-1, MaxSummaryWords-1),
}

// slugRule is the form of ids and slugs: lower-case words of letters and digits joined by
// single hyphens.
const slugRule = `^[a-z0-9]+(-[a-z0-9]+)*$`
