package export

import (
	"io"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

var risTypes = map[kind]string{kindArticle: "JOUR", kindReport: "RPRT", kindChapter: "CHAP", kindOther: "GEN"}

// NewRIS writes studies as RIS records, each starting with TY and ending with ER, in lines
// of the form "XX  - value" ended by CRLF, as the RIS specification has them. RIS has no
// escaping, so a value only loses its line breaks; text is UTF-8.
func NewRIS(w io.Writer, keys Keys) Encoder[models.Study] {
	return newCitations(w, keys, risRecord, "\r\n")
}

func risRecord(s models.Study, key string) string {
	k, v := kindOf(s), parseVenue(s.Venue)
	var b strings.Builder
	tag := func(t, value string) {
		if value != "" {
			b.WriteString(t + "  - " + oneLine(value) + "\r\n")
		}
	}
	tag("TY", risTypes[k])
	tag("ID", key)
	for _, a := range s.Authors {
		tag("AU", a)
	}
	tag("TI", s.Title)
	tag("PY", strconv.Itoa(s.Year))
	switch k {
	case kindArticle: // JO is the full journal name; JA and J2 would be abbreviations
		tag("JO", v.name)
		tag("VL", v.volume)
		tag("IS", v.issue)
		tag("SP", v.firstPage())
		tag("EP", v.lastPage())
	case kindChapter:
		tag("T2", v.name) // the book's title
	default:
		tag("PB", v.name)
	}
	tag("DO", deref(s.DOI))
	tag("UR", deref(s.URL))
	tag("AB", s.Summary)
	b.WriteString("ER  - \r\n")
	return b.String()
}
