package export

import (
	"bufio"
	"encoding/csv"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evidence-kb/parental-engagement/models"
)

// Column is one column of a CSV export: its header and how a record fills it.
type Column[T any] struct {
	Name  string
	Value func(T) string
}

// Separators of multi-valued cells. Free text (findings) uses a bar because curators write
// semicolons inside findings; names, tags, ids and URLs never hold either.
const (
	listSep = "; "
	textSep = " | "
)

// StudyColumns are the columns of a studies CSV: every field of a study, under its JSON name
// and in the same order, one row per study.
var StudyColumns = []Column[models.Study]{
	{"id", func(s models.Study) string { return s.ID }},
	{"title", func(s models.Study) string { return s.Title }},
	{"authors", func(s models.Study) string { return strings.Join(s.Authors, listSep) }},
	{"year", func(s models.Study) string { return strconv.Itoa(s.Year) }},
	{"type", func(s models.Study) string { return s.Type }},
	{"venue", func(s models.Study) string { return deref(s.Venue) }},
	{"doi", func(s models.Study) string { return deref(s.DOI) }},
	{"url", func(s models.Study) string { return deref(s.URL) }},
	{"country", func(s models.Study) string { return deref(s.Country) }},
	{"design", func(s models.Study) string { return deref(s.Design) }},
	{"stage", func(s models.Study) string { return deref(s.Stage) }},
	{"sample_size", func(s models.Study) string { return optInt(s.SampleSize) }},
	{"effect_size", func(s models.Study) string { return optFloat(s.EffectSize) }},
	{"effect_size_measure", func(s models.Study) string { return deref(s.EffectSizeMeasure) }},
	{"summary", func(s models.Study) string { return s.Summary }},
	{"key_findings", func(s models.Study) string { return strings.Join(s.KeyFindings, textSep) }},
	{"themes", func(s models.Study) string { return strings.Join(s.Themes, listSep) }},
	{"strands", func(s models.Study) string { return strings.Join(s.Strands, listSep) }},
	{"disadvantage_focus", func(s models.Study) string { return strings.Join(s.DisadvantageFocus, listSep) }},
	{"interventions", func(s models.Study) string { return strings.Join(s.Interventions, listSep) }},
	{"verified_in", func(s models.Study) string { return strings.Join(s.VerifiedIn, listSep) }},
}

// InterventionColumns are the columns of an interventions CSV. The evidence, a list of
// records, becomes five cells: its findings, the studies it cites, and each item's kind,
// result and window, one entry per item in the findings' order (an item without a result
// leaves its entry empty).
var InterventionColumns = []Column[models.Intervention]{
	{"id", func(iv models.Intervention) string { return iv.ID }},
	{"name", func(iv models.Intervention) string { return iv.Name }},
	{"aliases", func(iv models.Intervention) string { return strings.Join(iv.Aliases, listSep) }},
	{"origin", func(iv models.Intervention) string { return deref(iv.Origin) }},
	{"country_of_origin", func(iv models.Intervention) string { return deref(iv.CountryOfOrigin) }},
	{"summary", func(iv models.Intervention) string { return iv.Summary }},
	{"stage", func(iv models.Intervention) string { return deref(iv.Stage) }},
	{"setting", func(iv models.Intervention) string { return deref(iv.Setting) }},
	{"themes", func(iv models.Intervention) string { return strings.Join(iv.Themes, listSep) }},
	{"strands", func(iv models.Intervention) string { return strings.Join(iv.Strands, listSep) }},
	{"disadvantage_focus", func(iv models.Intervention) string { return strings.Join(iv.DisadvantageFocus, listSep) }},
	{"evidence", evidenceFindings},
	{"evidence_study_ids", evidenceStudies},
	{"evidence_kind", evidenceItems(func(e models.Evidence) string { return e.Kind })},
	{"evidence_result", evidenceItems(func(e models.Evidence) string { return deref(e.Result) })},
	{"evidence_window", evidenceItems(func(e models.Evidence) string { return e.Window })},
	{"url", func(iv models.Intervention) string { return deref(iv.URL) }},
	{"verified_in", func(iv models.Intervention) string { return strings.Join(iv.VerifiedIn, listSep) }},
}

func evidenceFindings(iv models.Intervention) string {
	findings := make([]string, len(iv.Evidence))
	for i, e := range iv.Evidence {
		findings[i] = e.Finding
	}
	return strings.Join(findings, textSep)
}

func evidenceStudies(iv models.Intervention) string {
	var ids []string
	for _, e := range iv.Evidence {
		if e.StudyID != nil {
			ids = append(ids, *e.StudyID)
		}
	}
	return strings.Join(ids, listSep)
}

// evidenceItems is a cell with one entry per evidence item, aligned with evidenceFindings.
func evidenceItems(value func(models.Evidence) string) func(models.Intervention) string {
	return func(iv models.Intervention) string {
		parts := make([]string, len(iv.Evidence))
		for i, e := range iv.Evidence {
			parts[i] = value(e)
		}
		return strings.Join(parts, textSep)
	}
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64) // never an exponent, which Excel misreads
}

type csvEncoder[T any] struct {
	w    *csv.Writer
	cols []Column[T]
	row  []string
}

// NewCSV writes records as RFC 4180 CSV (CRLF line ends, quotes where needed) with a header
// row of column names, so an export that matches nothing is a header alone. With bom, the
// file starts with a UTF-8 byte order mark, without which Excel reads it as ANSI.
func NewCSV[T any](w io.Writer, cols []Column[T], bom bool) Encoder[T] {
	bw := bufio.NewWriter(w)
	if bom {
		bw.WriteString("\ufeff")
	}
	e := &csvEncoder[T]{w: csv.NewWriter(bw), cols: cols, row: make([]string, len(cols))}
	e.w.UseCRLF = true
	for i, c := range cols {
		e.row[i] = c.Name
	}
	e.w.Write(e.row) // the writer keeps any error for Close
	return e
}

func (e *csvEncoder[T]) Encode(v T) error {
	for i, c := range e.cols {
		e.row[i] = defuse(c.Value(v))
	}
	return e.w.Write(e.row)
}

func (e *csvEncoder[T]) Close() error {
	e.w.Flush()
	return e.w.Error()
}

// number matches a cell that is a plain decimal number, which a spreadsheet cannot run.
var number = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// defuse neutralises spreadsheet formula injection (OWASP "CSV Injection"): a cell that
// starts with a character that makes Excel, LibreOffice or Sheets evaluate it as a formula
// is prefixed with an apostrophe, which shows the text as text. Numbers are left alone, so a
// negative effect size stays a number.
func defuse(cell string) string {
	if cell == "" {
		return cell
	}
	switch r, _ := utf8.DecodeRuneInString(cell); r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		if number.MatchString(cell) { // the pattern only for the few cells that need it
			return cell
		}
		return "'" + cell
	}
	return cell
}
