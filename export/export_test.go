package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

func ptr[T any](v T) *T { return &v }

// fixture is a study with what trips exporters up: a non-ASCII author, an organisation
// with a comma in its name, and every character LaTeX treats specially.
func fixture() models.Study {
	return models.Study{
		ID:      "senechal-2008",
		Title:   `Parents & teachers: 50% of $costs, #1 {"hard-to-reach"} ideas_now ~ a^2 \ Sénéchal–Łódź?`,
		Authors: []string{"Sénéchal, M.", "Young, J.-L.", "Department for Children, Schools and Families"},
		Year:    2008,
		Type:    "meta-analysis",
		Venue:   ptr("Child & Youth Care Forum, 78(4), 880-907"),
		DOI:     ptr("10.3102/0034654308320319"),
		URL:     ptr("https://example.org/a_b%20c?x={y}"),
		Summary: "Pooled 16 studies;\nparents tutoring skills helped.",
	}
}

func encode(tb testing.TB, enc Encoder[models.Study], studies ...models.Study) {
	tb.Helper()
	for _, s := range studies {
		if err := enc.Encode(s); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
}

func TestEntryTypes(t *testing.T) {
	journal, report := ptr("Educational Review, 66(3), 377-397"), ptr("Joseph Rowntree Foundation")
	cases := []struct {
		typ           string
		venue, doi    *string
		bib, ris, csl string
	}{
		{"journal-article", journal, nil, "article", "JOUR", "article-journal"},
		{"government-report", report, nil, "techreport", "RPRT", "report"},
		{"evaluation-report", report, nil, "techreport", "RPRT", "report"},
		{"book-chapter", ptr("Handbook of Family Literacy (Routledge, 2nd ed.)"), ptr("10.4324/9780203841495.ch9"), "incollection", "CHAP", "chapter"},
		{"systematic-review", journal, nil, "article", "JOUR", "article-journal"},                         // a journal by its volume
		{"meta-analysis", ptr("Urban Education"), ptr("10.1177/1"), "article", "JOUR", "article-journal"}, // by its DOI
		{"systematic-review", report, nil, "techreport", "RPRT", "report"},
		{"meta-analysis", nil, nil, "techreport", "RPRT", "report"},
		{"other", ptr("PhD thesis, University of Colorado Denver"), nil, "misc", "GEN", "document"},
	}
	for _, tc := range cases {
		s := models.Study{ID: "x-2010", Title: "T", Authors: []string{"A, B."}, Year: 2010, Type: tc.typ, Venue: tc.venue, DOI: tc.doi}
		k := kindOf(s)
		if got := [3]string{bibtexTypes[k], risTypes[k], cslTypes[k]}; got != [3]string{tc.bib, tc.ris, tc.csl} {
			t.Errorf("%s (venue %v, doi %v) = %v; want %s %s %s", tc.typ, deref(tc.venue), deref(tc.doi), got, tc.bib, tc.ris, tc.csl)
		}
	}
}

func TestParseName(t *testing.T) {
	cases := []struct {
		in   string
		want name
	}{
		{"Sénéchal, M.", name{family: "Sénéchal", given: "M."}},
		{"Cullen, M.A.", name{family: "Cullen", given: "M.A."}},
		{"van Steensel, R.", name{family: "van Steensel", given: "R."}},
		{"Lewis-Moss, R.K.", name{family: "Lewis-Moss", given: "R.K."}},
		{"Young, J.-L.", name{family: "Young", given: "J.-L."}},
		{"Fatherhood Institute", name{literal: "Fatherhood Institute"}},
		{"National Evaluation of Sure Start (NESS) Team", name{literal: "National Evaluation of Sure Start (NESS) Team"}},
		{"Department for Children, Schools and Families", name{literal: "Department for Children, Schools and Families"}},
		{"European Centre for Reading Recovery, Institute of Education", name{literal: "European Centre for Reading Recovery, Institute of Education"}},
		{"NIACE (Inquiry into Family Learning, chair: Baroness Howarth of Breckland)", name{literal: "NIACE (Inquiry into Family Learning, chair: Baroness Howarth of Breckland)"}},
	}
	for _, tc := range cases {
		if got := parseName(tc.in); got != tc.want {
			t.Errorf("parseName(%q) = %+v; want %+v", tc.in, got, tc.want)
		}
	}
}

func TestKeys(t *testing.T) {
	study := func(id string, year int, title string, authors ...string) models.Study {
		return models.Study{ID: id, Year: year, Title: title, Authors: authors}
	}
	studies := []models.Study{
		study("senechal-2008", 2008, "The effect of family literacy", "Sénéchal, M.", "Young, J."),
		study("ness-2010", 2010, "The impact of Sure Start", "National Evaluation of Sure Start (NESS) Team"),
		study("van-steensel-2012", 2012, "How effective are family literacy programs?", "van Steensel, R."),
		study("garvey-2010", 2010, "'When' not 'if'", "Garvey, O."),
		study("day-2009-b", 2009, "Supporting parents: a guide", "Day, L."),
		study("day-2009-a", 2009, "Supporting parents", "Day, L."),
	}
	want := Keys{
		"senechal-2008":     "senechal2008effect",
		"ness-2010":         "national2010impact",
		"van-steensel-2012": "vansteensel2012how",
		"garvey-2010":       "garvey2010when",
		"day-2009-a":        "day2009supporting-a",
		"day-2009-b":        "day2009supporting-b",
	}
	if got := NewKeys(studies); !reflect.DeepEqual(got, want) {
		t.Errorf("NewKeys = %v; want %v", got, want)
	}
	slices.Reverse(studies)
	if got := NewKeys(studies); !reflect.DeepEqual(got, want) {
		t.Errorf("keys depend on the order of the studies: %v", got)
	}
	if got := NewKeys(nil).Of(studies[0]); got != "day2009supporting" {
		t.Errorf("key of a study outside the keyed set = %q", got)
	}
	if got := letters(27); got != "ab" {
		t.Errorf("letters(27) = %q; want ab", got)
	}
}

func TestLatex(t *testing.T) {
	cases := map[string]string{
		"Tom & Jerry's 50%":    `Tom \& Jerry's 50\%`,
		"$5 #1 a_b":            `\$5 \#1 a\_b`,
		"{x} ~ ^ \\":           `\textbraceleft{}x\textbraceright{} \textasciitilde{} \textasciicircum{} \textbackslash{}`,
		"Sénéchal":             `S{\'e}n{\'e}chal`,
		"Łódź Çelik Dvořák ß":  `{\L}{\'o}d{\'z} {\c C}elik Dvo{\v r}{\'a}k {\ss}`,
		"Müller–Groß — ‘a’":    `M{\"u}ller--Gro{\ss} --- ` + "`a'",
		"two\nlines":           "two lines",
		"Ελληνικά stays UTF-8": "Ελληνικά stays UTF-8",
	}
	for in, want := range cases {
		if got := latex(in); got != want {
			t.Errorf("latex(%q) = %q; want %q", in, got, want)
		}
	}
	if got := fold("Sénéchal-Łódź ß"); got != "senechallodzss" {
		t.Errorf("fold = %q", got)
	}
}

func TestBibTeX(t *testing.T) {
	var b bytes.Buffer
	encode(t, NewBibTeX(&b, Keys{"senechal-2008": "senechal2008parents"}), fixture())
	want := `@article{senechal2008parents,
  author = {S{\'e}n{\'e}chal, M. and Young, J.-L. and {Department for Children, Schools and Families}},
  title = {Parents \& teachers: 50\% of \$costs, \#1 \textbraceleft{}"hard-to-reach"\textbraceright{} ideas\_now \textasciitilde{} a\textasciicircum{}2 \textbackslash{} S{\'e}n{\'e}chal--{\L}{\'o}d{\'z}?},
  year = {2008},
  journal = {Child \& Youth Care Forum},
  volume = {78},
  number = {4},
  pages = {880--907},
  doi = {10.3102/0034654308320319},
  url = {https://example.org/a_b%20c?x=%7By%7D},
  abstract = {Pooled 16 studies; parents tutoring skills helped.},
}
`
	if b.String() != want {
		t.Errorf("BibTeX =\n%s\nwant\n%s", b.String(), want)
	}
	if strings.Count(b.String(), "{") != strings.Count(b.String(), "}") {
		t.Error("unbalanced braces")
	}
}

func TestRIS(t *testing.T) {
	var b bytes.Buffer
	s := fixture()
	encode(t, NewRIS(&b, NewKeys([]models.Study{s})), s, s)
	record := strings.Join([]string{
		"TY  - JOUR",
		"ID  - senechal2008parents",
		"AU  - Sénéchal, M.",
		"AU  - Young, J.-L.",
		"AU  - Department for Children, Schools and Families",
		"TI  - " + s.Title,
		"PY  - 2008",
		"JO  - Child & Youth Care Forum",
		"VL  - 78",
		"IS  - 4",
		"SP  - 880",
		"EP  - 907",
		"DO  - 10.3102/0034654308320319",
		"UR  - https://example.org/a_b%20c?x={y}",
		"AB  - Pooled 16 studies; parents tutoring skills helped.",
		"ER  - ",
	}, "\r\n") + "\r\n"
	if want := record + "\r\n" + record; b.String() != want {
		t.Errorf("RIS =\n%q\nwant\n%q", b.String(), want)
	}
}

func TestCSLJSON(t *testing.T) {
	var b bytes.Buffer
	s := fixture()
	encode(t, NewCSLJSON(&b, Keys{s.ID: "k"}), s, s)
	var items []CSLItem
	if err := json.Unmarshal(b.Bytes(), &items); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	want := CSLItem{
		ID: "k", Type: "article-journal", Title: s.Title,
		Author:         []CSLName{{Family: "Sénéchal", Given: "M."}, {Family: "Young", Given: "J.-L."}, {Literal: "Department for Children, Schools and Families"}},
		Issued:         CSLDate{DateParts: [][]int{{2008}}},
		ContainerTitle: "Child & Youth Care Forum", Volume: "78", Issue: "4", Page: "880-907",
		DOI: *s.DOI, URL: *s.URL, Abstract: s.Summary,
	}
	if len(items) != 2 || !reflect.DeepEqual(items[0], want) {
		t.Errorf("CSL-JSON = %+v; want two of %+v", items, want)
	}
}

func TestAPA(t *testing.T) {
	many := make([]string, 22)
	for i := range many {
		many[i] = string(rune('A'+i)) + "son, Q."
	}
	cases := []struct {
		study models.Study
		want  string
	}{
		{fixture(), `Sénéchal, M., Young, J.-L., & Department for Children, Schools and Families. (2008). ` + fixture().Title +
			` Child & Youth Care Forum, 78(4), 880–907. https://doi.org/10.3102/0034654308320319`},
		{models.Study{Title: "The role of parent expectations", Authors: []string{"Kirk, C.M."}, Year: 2011, Type: "journal-article", Venue: ptr("Educational Studies, 37(1), 89-99")},
			"Kirk, C. M. (2011). The role of parent expectations. Educational Studies, 37(1), 89–99."},
		{models.Study{Title: "Fathers matter", Authors: []string{"Fatherhood Institute"}, Year: 2010, Type: "systematic-review", Venue: ptr("Fatherhood Institute"), URL: ptr("https://example.org/f")},
			"Fatherhood Institute. (2010). Fathers matter. https://example.org/f"},
		{models.Study{Title: "How effective are family literacy programs?", Authors: []string{"van Steensel, R.", "Kurvers, J."}, Year: 2012, Type: "book-chapter", Venue: ptr("Handbook of Family Literacy (Routledge, 2nd ed.)")},
			"van Steensel, R., & Kurvers, J. (2012). How effective are family literacy programs? In Handbook of Family Literacy (Routledge, 2nd ed.)."},
		{models.Study{Title: "Many hands", Authors: many, Year: 2013, Type: "government-report", Venue: ptr("Scottish Government")},
			strings.Join(many[:19], ", ") + ", . . . Vson, Q. (2013). Many hands. Scottish Government."},
	}
	for _, tc := range cases {
		if got := apaReference(tc.study); got != tc.want {
			t.Errorf("APA =\n%s\nwant\n%s", got, tc.want)
		}
	}
}

func TestDefuse(t *testing.T) {
	cases := map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1+2":                     "'+1+2",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tx":                      "'\tx",
		"＝1":                       "'＝1",
		"-0.12":                    "-0.12",
		"42":                       "42",
		"plain = text":             "plain = text",
		"":                         "",
	}
	for in, want := range cases {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestCSV(t *testing.T) {
	s := fixture()
	s.Title = "=cmd|' /C calc'!A0"
	s.EffectSize, s.KeyFindings, s.Themes = ptr(-0.25), []string{"a; b", "c"}, []string{"family-learning", "parenting-support"}
	var b bytes.Buffer
	encode(t, NewCSV(&b, StudyColumns, true), s)
	body, ok := bytes.CutPrefix(b.Bytes(), []byte("\ufeff"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Error("rows do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if want := jsonNames(reflect.TypeFor[models.Study]()); !slices.Equal(rows[0], want) {
		t.Errorf("header = %v; want the JSON field names %v", rows[0], want)
	}
	cell := map[string]string{}
	for i, h := range rows[0] {
		cell[h] = rows[1][i]
	}
	want := map[string]string{
		"title": "'" + s.Title, "authors": "Sénéchal, M.; Young, J.-L.; Department for Children, Schools and Families",
		"effect_size": "-0.25", "sample_size": "", "key_findings": "a; b | c", "themes": "family-learning; parenting-support",
	}
	for k, v := range want {
		if cell[k] != v {
			t.Errorf("%s = %q; want %q", k, cell[k], v)
		}
	}
}

func TestInterventionCSV(t *testing.T) {
	iv := models.Intervention{ID: "peep", Name: "Peep", Evidence: []models.Evidence{
		{Finding: "Helped; a lot", StudyID: ptr("evangelou-2008"), Kind: "impact", Result: ptr("positive"), Window: "in"},
		{Finding: "Older", Kind: "process", Window: "before"},
	}}
	var b bytes.Buffer
	enc := NewCSV(&b, InterventionColumns, false)
	if err := enc.Encode(iv); err != nil || enc.Close() != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	want := map[string]string{"evidence": "Helped; a lot | Older", "evidence_study_ids": "evangelou-2008",
		"evidence_kind": "impact | process", "evidence_result": "positive | ", "evidence_window": "in | before"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q; want %q", k, got[k], v)
		}
	}
}

func TestEmptyDocuments(t *testing.T) {
	cases := map[string]struct {
		enc  func(io.Writer) Encoder[models.Study]
		want string
	}{
		"csv":      {func(w io.Writer) Encoder[models.Study] { return NewCSV(w, StudyColumns[:2], false) }, "id,title\r\n"},
		"ndjson":   {NewNDJSON[models.Study], ""},
		"bibtex":   {func(w io.Writer) Encoder[models.Study] { return NewBibTeX(w, nil) }, ""},
		"ris":      {func(w io.Writer) Encoder[models.Study] { return NewRIS(w, nil) }, ""},
		"csl-json": {func(w io.Writer) Encoder[models.Study] { return NewCSLJSON(w, nil) }, "[]\n"},
		"apa":      {NewAPA, ""},
	}
	for name, tc := range cases {
		var b bytes.Buffer
		encode(t, tc.enc(&b))
		if b.String() != tc.want {
			t.Errorf("empty %s = %q; want %q", name, b.String(), tc.want)
		}
	}
}

func TestNDJSON(t *testing.T) {
	s := fixture()
	var b bytes.Buffer
	encode(t, NewNDJSON[models.Study](&b), s, s)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || strings.Contains(lines[0], `\u0026`) {
		t.Fatalf("NDJSON = %q", b.String())
	}
	var got models.Study
	if err := json.Unmarshal([]byte(lines[1]), &got); err != nil || !reflect.DeepEqual(got, s) {
		t.Errorf("round trip = %+v, %v", got, err)
	}
}

func jsonNames(t reflect.Type) []string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// dataset is the embedded dataset, for benchmarks and whole-dataset checks.
func dataset(tb testing.TB) *models.Dataset {
	tb.Helper()
	d, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestWholeDatasetKeysAreUnique(t *testing.T) {
	d := dataset(t)
	keys := NewKeys(d.Studies)
	seen := map[string]string{}
	for _, s := range d.Studies {
		k := keys.Of(s)
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share the key %s", s.ID, other, k)
		}
		seen[k] = s.ID
	}
}

func BenchmarkExportCSV(b *testing.B) {
	studies := dataset(b).Studies
	b.ReportAllocs()
	for b.Loop() {
		encode(b, NewCSV(io.Discard, StudyColumns, false), studies...)
	}
}

func BenchmarkExportBibTeX(b *testing.B) {
	studies := dataset(b).Studies
	b.ReportAllocs()
	for b.Loop() {
		encode(b, NewBibTeX(io.Discard, NewKeys(studies)), studies...)
	}
}
