package export

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evidence-kb/parental-engagement/models"
)

var bibtexTypes = map[kind]string{kindArticle: "article", kindReport: "techreport", kindChapter: "incollection", kindOther: "misc"}

// NewBibTeX writes studies as BibTeX entries, keyed by keys. Text is LaTeX-escaped, and
// accented Latin letters are written as LaTeX accents, so classic BibTeX and biber read the
// file alike; organisations are braced, so BibTeX keeps "National Evaluation of Sure Start
// (NESS) Team" whole instead of reading a surname "Team".
func NewBibTeX(w io.Writer, keys Keys) Encoder[models.Study] {
	return newCitations(w, keys, bibtexEntry, "\n")
}

func bibtexEntry(s models.Study, key string) string {
	k, v := kindOf(s), parseVenue(s.Venue)
	var b strings.Builder
	b.WriteString("@" + bibtexTypes[k] + "{" + key + ",\n")
	field := func(name, value string) {
		if value != "" {
			b.WriteString("  " + name + " = {" + value + "},\n")
		}
	}
	field("author", bibtexAuthors(s.Authors))
	field("title", latex(s.Title))
	field("year", strconv.Itoa(s.Year))
	switch k {
	case kindArticle:
		field("journal", latex(v.name))
		field("volume", v.volume)
		field("number", v.issue)
		field("pages", strings.ReplaceAll(v.pages, "-", "--"))
	case kindReport:
		field("institution", latex(v.name))
	case kindChapter:
		field("booktitle", latex(v.name))
	default:
		field("howpublished", latex(v.name))
	}
	field("doi", verbatim(deref(s.DOI)))
	field("url", verbatim(deref(s.URL)))
	field("abstract", latex(s.Summary))
	b.WriteString("}\n")
	return b.String()
}

func bibtexAuthors(authors []string) string {
	out := make([]string, len(authors))
	for i, n := range parseNames(authors) {
		if n.isPerson() {
			out[i] = latex(n.family) + ", " + latex(n.given)
		} else {
			out[i] = "{" + latex(n.literal) + "}"
		}
	}
	return strings.Join(out, " and ")
}

// latexSpecial spells the characters LaTeX gives a meaning to, and the typographic
// punctuation it writes with ASCII ligatures. Braces become commands rather than \{ and \},
// because BibTeX counts every brace in a value, escaped or not.
var latexSpecial = map[rune]string{
	'\\': `\textbackslash{}`, '{': `\textbraceleft{}`, '}': `\textbraceright{}`,
	'&': `\&`, '%': `\%`, '$': `\$`, '#': `\#`, '_': `\_`,
	'~': `\textasciitilde{}`, '^': `\textasciicircum{}`,
	'–': "--", '—': "---", '‘': "`", '’': "'", '“': "``", '”': "''", '\u00a0': "~",
}

// latexASCII lists the ASCII characters latexSpecial spells.
const latexASCII = `\{}&%$#_~^`

// latex escapes text for a BibTeX value. Characters beyond Latin are left in UTF-8, which
// biber and BibTeX with inputenc read.
func latex(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range oneLine(s) {
		if r < utf8.RuneSelf && strings.IndexByte(latexASCII, byte(r)) < 0 { // most of the text
			b.WriteByte(byte(r))
		} else if esc, ok := latexSpecial[r]; ok {
			b.WriteString(esc)
		} else if l, ok := latin[r]; ok {
			b.WriteString(l.latex)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var verbatimEscaper = strings.NewReplacer("{", "%7B", "}", "%7D", `\`, "%5C")

// verbatim readies a DOI or URL, which BibTeX styles print as they are: only what would
// break the entry itself (braces, backslashes) is percent-encoded.
func verbatim(s string) string { return verbatimEscaper.Replace(oneLine(s)) }
