package export

import (
	"io"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// NewAPA writes studies as a reference list in APA 7th style, one reference per line, in
// plain UTF-8 text: no italics, so a journal or report name reads as written.
func NewAPA(w io.Writer) Encoder[models.Study] {
	return newStream(w, func(s models.Study) (string, error) { return apaReference(s) + "\n", nil })
}

// apaReference formats one study as an APA 7th reference:
//
//	Author, A. A., & Author, B. (Year). Title. Source. https://doi.org/…
//
// The source is the journal with its volume, issue and pages, the book a chapter is in,
// or the publisher of a report (left out when it is the author, as APA asks). A DOI is
// given as a link; without one, the URL.
func apaReference(s models.Study) string {
	var b strings.Builder
	b.WriteString(apaAuthors(s.Authors))
	b.WriteString(" (" + strconv.Itoa(s.Year) + "). ")
	b.WriteString(sentence(s.Title))
	if src := apaSource(s); src != "" {
		b.WriteString(" " + sentence(src))
	}
	if s.DOI != nil {
		b.WriteString(" https://doi.org/" + *s.DOI)
	} else if s.URL != nil {
		b.WriteString(" " + *s.URL)
	}
	return oneLine(b.String())
}

func apaSource(s models.Study) string {
	v := parseVenue(s.Venue)
	switch kindOf(s) {
	case kindArticle:
		src := v.name
		if v.volume != "" {
			src += ", " + v.volume
		}
		if v.issue != "" {
			src += "(" + v.issue + ")"
		}
		if v.pages != "" {
			src += ", " + strings.ReplaceAll(v.pages, "-", "–")
		}
		return src
	case kindChapter:
		return "In " + v.name
	}
	if len(s.Authors) == 1 && s.Authors[0] == v.name {
		return ""
	}
	return v.name
}

// apaAuthors lists authors as APA 7th does: all of up to 20, joined with commas and a final
// "&"; of more, the first 19, an ellipsis and the last.
func apaAuthors(authors []string) string {
	names := make([]string, len(authors))
	for i, n := range parseNames(authors) {
		if n.isPerson() {
			names[i] = n.family + ", " + spacedInitials(n.given)
		} else {
			names[i] = n.literal
		}
	}
	var list string
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		list = names[0]
	case n <= 20:
		list = strings.Join(names[:n-1], ", ") + ", & " + names[n-1]
	default:
		list = strings.Join(names[:19], ", ") + ", . . . " + names[n-1]
	}
	return sentence(list)
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}
