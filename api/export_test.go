package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/store/storetest"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// trickyTitle has every character BibTeX must escape that bibutils reads back (not ^ or \),
// and letters beyond ASCII.
const trickyTitle = `Family literacy & reading: 50% of $costs, #1 {hard_to_reach} ~ Sénéchal–Łódź?`

var (
	exportOnce  sync.Once
	exportStore *store.Store
	exportErr   error
)

// exportServer serves the embedded dataset with what trips exporters up written into two
// studies: authors with accents, a title full of LaTeX's special characters, and a title a
// spreadsheet would run as a formula. The real data already has organisations for authors,
// commas and "and" in their names included.
func exportServer(tb testing.TB) (http.Handler, *store.Store) {
	tb.Helper()
	exportOnce.Do(func() {
		var d *models.Dataset
		if d, exportErr = models.ParseDataset(store.EmbeddedDataset()); exportErr != nil {
			return
		}
		for i := range d.Studies {
			switch s := &d.Studies[i]; s.ID {
			case "senechal-2008":
				s.Authors, s.Title = []string{"Sénéchal, M.", "Young, J.-L.", "Łukasiewicz, J."}, trickyTitle
			case "kirk-2011":
				s.Title = "@home: " + s.Title
			}
		}
		raw, _ := json.Marshal(d)
		loc, err := storetest.SharedLocation()
		if err != nil {
			exportErr = err
			return
		}
		exportStore, exportErr = store.Open(context.Background(), store.Options{DB: loc, Seed: store.DocumentSeed("synthetic", raw)})
	})
	if exportErr != nil {
		tb.Fatalf("open export store: %v", exportErr)
	}
	return apitest.Serve(tb, exportStore, apitest.Setup{}), exportStore
}

// listPage is a page of a JSON list of T.
type listPage[T any] struct {
	Data []T          `json:"data"`
	Meta api.ListMeta `json:"meta"`
}

// everyRecord reads a whole JSON list by following its cursors.
func everyRecord[T any](tb testing.TB, srv http.Handler, path, query string) []T {
	tb.Helper()
	var all []T
	for cursor := "*"; cursor != ""; {
		page := apitest.Decode[listPage[T]](tb, apitest.Get(tb, srv, path+"?per_page=100&cursor="+url.QueryEscape(cursor)+"&"+query))
		all = append(all, page.Data...)
		cursor = ""
		if page.Meta.NextCursor != nil {
			cursor = *page.Meta.NextCursor
		}
	}
	return all
}

// wantDownload checks an export's status, media type and file name.
func wantDownload(tb testing.TB, rec *httptest.ResponseRecorder, mediaType, disposition, filename string) {
	tb.Helper()
	if rec.Code != http.StatusOK {
		tb.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != mediaType {
		tb.Errorf("Content-Type = %q; want %s", rec.Header().Get("Content-Type"), mediaType)
	}
	d, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
	if err != nil || d != disposition || params["filename"] != filename {
		tb.Errorf("Content-Disposition = %q; want %s with filename %q", rec.Header().Get("Content-Disposition"), disposition, filename)
	}
}

// The queries every export is compared on: all studies (more than one page), a filter, a
// search (relevance order), a sort, and a query that matches nothing.
var studyQueries = []string{"", "filter=theme:family-learning", "q=literacy", "sort=author,-year", "filter=type:book-chapter,year:2008"}

func TestStudyExportsMatchTheList(t *testing.T) {
	srv, st := exportServer(t)
	keys := export.NewKeys(st.Catalog().Dataset().Studies)
	checks := []struct {
		format, mediaType, ext string
		check                  func(t *testing.T, body []byte, want []models.Study, keys export.Keys)
	}{
		{"csv", "text/csv", "csv", checkStudyCSV},
		{"ndjson", "application/x-ndjson", "ndjson", checkNDJSON[models.Study]},
		{"bibtex", "application/x-bibtex", "bib", checkBibTeX},
		{"ris", "application/x-research-info-systems", "ris", checkRIS},
		{"csl-json", "application/vnd.citationstyles.csl+json", "csl.json", checkCSLJSON},
		{"apa", "text/x-bibliography", "txt", checkAPA},
	}
	for _, q := range studyQueries {
		want := everyRecord[models.Study](t, srv, "/api/v1/studies", q)
		if (len(want) == 0) != strings.Contains(q, "book-chapter") {
			t.Fatalf("%q matches %d studies", q, len(want))
		}
		for _, c := range checks {
			t.Run(c.format+"?"+q, func(t *testing.T) {
				rec := apitest.Get(t, srv, "/api/v1/studies?format="+c.format+"&"+q)
				wantDownload(t, rec, c.mediaType, "attachment", "studies-"+st.DatasetVersion()+"."+c.ext)
				c.check(t, rec.Body.Bytes(), want, keys)
			})
		}
	}
}

func checkStudyCSV(t *testing.T, body []byte, want []models.Study, _ export.Keys) {
	rows := readCSV(t, body, len(export.StudyColumns))
	if len(rows) != len(want) {
		t.Fatalf("%d rows; want %d", len(rows), len(want))
	}
	for i, s := range want {
		title := s.Title
		if strings.HasPrefix(title, "@") { // a formula to a spreadsheet, so defused
			title = "'" + title
		}
		got := rows[i]
		if got["id"] != s.ID || got["title"] != title || got["authors"] != strings.Join(s.Authors, "; ") ||
			got["year"] != strconv.Itoa(s.Year) || got["doi"] != deref(s.DOI) || got["themes"] != strings.Join(s.Themes, "; ") {
			t.Errorf("row %d = %v; want %s %q by %v", i, got, s.ID, title, s.Authors)
		}
	}
}

// readCSV parses a CSV export with encoding/csv and returns its rows keyed by the header.
func readCSV(t *testing.T, body []byte, columns int) []map[string]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = columns
	records, err := r.ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("not CSV with a header: %v\n%.300s", err, body)
	}
	rows := make([]map[string]string, len(records)-1)
	for i, rec := range records[1:] {
		rows[i] = map[string]string{}
		for j, h := range records[0] {
			rows[i][h] = rec[j]
		}
	}
	return rows
}

func checkNDJSON[T any](t *testing.T, body []byte, want []T, _ export.Keys) {
	var got []T
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %d is not a record: %v", len(got)+1, err)
		}
		got = append(got, v)
	}
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Errorf("NDJSON holds %d records that differ from the %d of the JSON list", len(got), len(want))
	}
}

// citation is what a citation format must carry of a study, as its parser read it back.
type citation struct {
	key, title, year, doi, url string
	authors                    []string // family names of people, whole names of organisations
}

func wantCitation(s models.Study, keys export.Keys) citation {
	c := citation{key: keys.Of(s), title: s.Title, year: strconv.Itoa(s.Year), doi: deref(s.DOI), url: deref(s.URL)}
	for _, a := range s.Authors {
		family, _, _ := strings.Cut(a, ", ")
		if strings.Contains(a, " and ") || !strings.HasSuffix(a, ".") { // an organisation
			family = a
		}
		c.authors = append(c.authors, family)
	}
	return c
}

// typographic undoes what LaTeX, and so bibutils, makes of ASCII quotes.
var typographic = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`)

// compareCitations checks references read back against the JSON list's studies. With
// bibutils' RIS reader, which is weaker than the format, people's names and no DOIs are
// compared (see checkRIS).
func compareCitations(t *testing.T, got []citation, want []models.Study, keys export.Keys, risReader bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d references; want %d", len(got), len(want))
	}
	for i, s := range want {
		w, g := wantCitation(s, keys), got[i]
		g.title = typographic.Replace(g.title)
		if risReader {
			w.doi, g.doi = "", ""
			w.authors = slices.DeleteFunc(w.authors, func(a string) bool { return strings.Contains(a, " ") })
			g.authors = slices.DeleteFunc(g.authors, func(a string) bool { return !slices.Contains(w.authors, a) })
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("reference %d = %+v\nwant %+v", i, g, w)
		}
	}
}

// mods is the part of a MODS document (bibutils' output) the checks read.
type mods struct {
	Records []struct {
		ID    string `xml:"ID,attr"`
		Title string `xml:"titleInfo>title"`
		Names []struct {
			Parts []struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"namePart"`
		} `xml:"name"`
		Issued      string `xml:"originInfo>dateIssued"`
		PartDate    string `xml:"part>date"`
		Identifiers []struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"identifier"`
		URLs []string `xml:"location>url"`
	} `xml:"mods"`
}

// readWithBibutils converts an export to MODS XML with a bibutils tool (bib2xml or ris2xml:
// Debian's bibutils package) and reads the references back. Without the tool the test is
// skipped, saying so.
func readWithBibutils(t *testing.T, tool string, body []byte, args ...string) []citation {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s is not installed, so this export is not read back with a parser; it comes with Debian's bibutils: apt-get install bibutils", tool)
	}
	cmd := exec.Command(path, append(args, "-i", "utf8", "-un", "-nt")...) // UTF-8, no BOM, titles whole
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, stderr.String())
	}
	var doc mods
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%s output is not MODS: %v", tool, err)
	}
	got := make([]citation, len(doc.Records))
	for i, r := range doc.Records {
		c := citation{key: r.ID, title: r.Title, year: r.Issued}
		if c.year == "" {
			c.year = r.PartDate
		}
		for _, id := range r.Identifiers {
			if id.Type == "doi" {
				c.doi = id.Value
			}
		}
		if i := slices.IndexFunc(r.URLs, func(u string) bool { return !strings.HasPrefix(u, "https://doi.org/") }); i >= 0 {
			c.url = r.URLs[i]
		}
		for _, n := range r.Names {
			c.authors = append(c.authors, familyOf(n.Parts))
		}
		got[i] = c
	}
	return got
}

// familyOf is a MODS name's family part, or its one untyped part (an organisation).
func familyOf(parts []struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}) string {
	for _, p := range parts {
		if p.Type == "family" || p.Type == "" {
			return p.Text
		}
	}
	return ""
}

func checkBibTeX(t *testing.T, body []byte, want []models.Study, keys export.Keys) {
	compareCitations(t, readWithBibutils(t, "bib2xml", body), want, keys, false)
}

// checkRIS parses the RIS with ris2xml, which splits organisations' names at commas and at
// "and" (as its own RIS output would), and drops DOIs whose registrant code is longer than
// four digits (10.13189/…). So there only people are compared, and the AU and DO lines are
// checked to hold every author and DOI whole.
func checkRIS(t *testing.T, body []byte, want []models.Study, keys export.Keys) {
	compareCitations(t, readWithBibutils(t, "ris2xml", body, "-nl"), want, keys, true)
	var authors, dois []string
	for _, s := range want {
		authors = append(authors, s.Authors...)
		if s.DOI != nil {
			dois = append(dois, *s.DOI)
		}
	}
	if got := risTag(body, "AU"); !slices.Equal(got, authors) {
		t.Errorf("AU lines %v; want %v", got, authors)
	}
	if got := risTag(body, "DO"); !slices.Equal(got, dois) {
		t.Errorf("DO lines %v; want %v", got, dois)
	}
}

// risTag returns the values of one tag's lines in a RIS document.
func risTag(body []byte, tag string) []string {
	var values []string
	for _, line := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(line, tag+"  - "); ok {
			values = append(values, v)
		}
	}
	return values
}

func checkCSLJSON(t *testing.T, body []byte, want []models.Study, keys export.Keys) {
	var items []export.CSLItem
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("not CSL-JSON: %v", err)
	}
	got := make([]citation, len(items))
	for i, it := range items {
		got[i] = citation{key: it.ID, title: it.Title, doi: it.DOI, url: it.URL}
		if len(it.Issued.DateParts) == 1 && len(it.Issued.DateParts[0]) == 1 {
			got[i].year = strconv.Itoa(it.Issued.DateParts[0][0])
		}
		for _, a := range it.Author {
			got[i].authors = append(got[i].authors, a.Family+a.Literal)
		}
	}
	compareCitations(t, got, want, keys, false)
}

func checkAPA(t *testing.T, body []byte, want []models.Study, _ export.Keys) {
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(want) == 0 {
		lines = nil
		if len(body) != 0 {
			t.Errorf("empty reference list = %q", body)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("%d references; want %d", len(lines), len(want))
	}
	for i, s := range want {
		family, _, _ := strings.Cut(s.Authors[0], ",")
		if !strings.HasPrefix(lines[i], family) || !strings.Contains(lines[i], "("+strconv.Itoa(s.Year)+"). "+s.Title) {
			t.Errorf("reference %d = %q; want %s (%d). %s", i, lines[i], family, s.Year, s.Title)
		}
	}
}

func TestInterventionExportsMatchTheList(t *testing.T) {
	srv, st := exportServer(t)
	for _, q := range []string{"", "filter=stage:primary", "q=reading", "filter=stage:primary,stage:secondary"} {
		want := everyRecord[models.Intervention](t, srv, "/api/v1/interventions", q)
		t.Run("csv?"+q, func(t *testing.T) {
			rec := apitest.Get(t, srv, "/api/v1/interventions?format=csv&"+q)
			wantDownload(t, rec, "text/csv", "attachment", "interventions-"+st.DatasetVersion()+".csv")
			rows := readCSV(t, rec.Body.Bytes(), len(export.InterventionColumns))
			if len(rows) != len(want) {
				t.Fatalf("%d rows; want %d", len(rows), len(want))
			}
			for i, iv := range want {
				if rows[i]["id"] != iv.ID || rows[i]["name"] != iv.Name || rows[i]["themes"] != strings.Join(iv.Themes, "; ") {
					t.Errorf("row %d = %v; want %s", i, rows[i], iv.ID)
				}
			}
		})
		t.Run("ndjson?"+q, func(t *testing.T) {
			rec := apitest.Get(t, srv, "/api/v1/interventions?format=ndjson&"+q)
			wantDownload(t, rec, "application/x-ndjson", "attachment", "interventions-"+st.DatasetVersion()+".ndjson")
			checkNDJSON(t, rec.Body.Bytes(), want, nil)
		})
	}
}

func TestStudyCitation(t *testing.T) {
	srv, st := exportServer(t)
	keys := export.NewKeys(st.Catalog().Dataset().Studies)
	d, err := st.Catalog().Study("senechal-2008")
	if err != nil {
		t.Fatal(err)
	}
	want := []models.Study{d.Study}
	cases := []struct {
		format, mediaType, ext string
		check                  func(t *testing.T, body []byte, want []models.Study, keys export.Keys)
	}{
		{"bibtex", "application/x-bibtex", "bib", checkBibTeX},
		{"ris", "application/x-research-info-systems", "ris", checkRIS},
		{"csl-json", "application/vnd.citationstyles.csl+json", "csl.json", checkCSLJSON},
		{"apa", "text/x-bibliography", "txt", checkAPA},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			rec := apitest.Get(t, srv, "/api/v1/studies/senechal-2008?format="+c.format)
			wantDownload(t, rec, c.mediaType, "inline", "senechal-2008."+c.ext)
			c.check(t, rec.Body.Bytes(), want, keys)

			req := httptest.NewRequest(http.MethodGet, "/api/v1/studies/senechal-2008", nil)
			req.Header.Set("Accept", c.mediaType)
			if byAccept := apitest.Do(t, srv, req); byAccept.Body.String() != rec.Body.String() {
				t.Errorf("Accept: %s answers differently from format=%s:\n%s", c.mediaType, c.format, byAccept.Body)
			}
		})
	}
	apa := apitest.Get(t, srv, "/api/v1/studies/senechal-2008?format=apa").Body.String()
	if !strings.HasPrefix(apa, "Sénéchal, M., Young, J.-L., & Łukasiewicz, J. (2008). "+trickyTitle) {
		t.Errorf("APA reference = %q", apa)
	}
}

func TestExportNegotiation(t *testing.T) {
	srv, _ := exportServer(t)
	cases := []struct {
		target, accept string
		want           string // a media type, or a status
	}{
		{"/api/v1/studies?per_page=1", "", "application/json"},
		{"/api/v1/studies?per_page=1", "*/*", "application/json"},
		{"/api/v1/studies?per_page=1", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"},
		{"/api/v1/studies", "text/csv", "text/csv"},
		{"/api/v1/studies", "application/json;q=0.5, text/csv", "text/csv"},
		{"/api/v1/studies", "text/*", "text/csv"},
		{"/api/v1/studies", "application/x-ndjson", "application/x-ndjson"},
		{"/api/v1/studies", "application/x-bibtex", "application/x-bibtex"},
		{"/api/v1/studies", "application/x-research-info-systems", "application/x-research-info-systems"},
		{"/api/v1/studies", "application/vnd.citationstyles.csl+json", "application/vnd.citationstyles.csl+json"},
		{"/api/v1/studies", "text/x-bibliography; style=apa; locale=en-GB", "text/x-bibliography"},
		{"/api/v1/studies", "text/x-bibliography; style=chicago", "406"},
		{"/api/v1/studies", "application/xml", "406"},
		{"/api/v1/studies", "text/csv;q=0", "406"},
		{"/api/v1/studies?format=json&per_page=1", "text/csv", "application/json"},
		{"/api/v1/studies?format=ris", "application/json", "application/x-research-info-systems"},
		{"/api/v1/interventions", "text/csv", "text/csv"},
		{"/api/v1/interventions", "application/x-bibtex", "406"},
		{"/api/v1/studies/senechal-2008", "application/x-research-info-systems", "application/x-research-info-systems"},
		{"/api/v1/studies/senechal-2008", "text/csv", "406"},
	}
	for _, tc := range cases {
		t.Run(tc.target+" "+tc.accept, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			req.Header.Set("Accept", tc.accept)
			rec := apitest.Do(t, srv, req)
			if tc.want == "406" {
				apitest.WantProblem(t, rec, http.StatusNotAcceptable, "")
				return
			}
			if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); rec.Code != 200 || mt != tc.want {
				t.Errorf("%d %s; want %s", rec.Code, rec.Header().Get("Content-Type"), tc.want)
			}
		})
	}
}

func TestExportBadInputIsProblem(t *testing.T) {
	srv, _ := exportServer(t)
	cases := []struct{ target, field string }{
		{"/api/v1/studies?format=xml", "format"},
		{"/api/v1/studies?format=csv&format=json", "format"},
		{"/api/v1/studies?format=csv&page=2", "page"},
		{"/api/v1/studies?format=csv&per_page=5", "per_page"},
		{"/api/v1/studies?format=bibtex&cursor=*", "cursor"},
		{"/api/v1/studies?format=ndjson&facets=theme", "facets"},
		{"/api/v1/studies?format=ris&fields=id", "fields"},
		{"/api/v1/studies?format=apa&total=false", "total"},
		{"/api/v1/studies?format=csv&filter=colour:red", "filter"},
		{"/api/v1/studies?format=csl-json&sort=colour", "sort"},
		{"/api/v1/studies?format=csv&colour=red", "colour"},
		{"/api/v1/studies?bom=true", "bom"},
		{"/api/v1/studies?format=ris&bom=true", "bom"},
		{"/api/v1/studies?format=csv&bom=maybe", "bom"},
		{"/api/v1/interventions?format=bibtex", "format"},
		{"/api/v1/interventions?format=csv&per_page=5", "per_page"},
		{"/api/v1/studies/senechal-2008?format=csv", "format"},
		{"/api/v1/studies/senechal-2008?format=ris&x=1", "x"},
		{"/api/v1/dataset?x=1", "x"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			apitest.WantProblem(t, apitest.Get(t, srv, tc.target), http.StatusBadRequest, tc.field)
		})
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies/no-such-study?format=ris"), http.StatusNotFound, "")

	req := httptest.NewRequest(http.MethodGet, "/api/v1/studies?filter=colour:red", nil)
	req.Header.Set("Accept", "text/csv")
	apitest.WantProblem(t, apitest.Do(t, srv, req), http.StatusBadRequest, "filter")
}

func TestCSVByteOrderMark(t *testing.T) {
	srv, _ := exportServer(t)
	with := apitest.Get(t, srv, "/api/v1/studies?format=csv&bom=true&filter=year:2014").Body.Bytes()
	without := apitest.Get(t, srv, "/api/v1/studies?format=csv&filter=year:2014").Body.Bytes()
	if !bytes.Equal(with, append([]byte("\ufeff"), without...)) {
		t.Errorf("bom=true does not prefix the same CSV with a byte order mark: %.20q vs %.20q", with, without)
	}
	if bytes.HasPrefix(without, []byte("\ufeff")) {
		t.Error("a byte order mark without bom=true")
	}
}

func TestDatasetDownload(t *testing.T) {
	srv := apitest.NewServer(t)
	rec := apitest.Get(t, srv, "/api/v1/dataset")
	version := apitest.SharedStore(t).DatasetVersion()
	wantDownload(t, rec, "application/json", "attachment", "dataset-"+version+".json")
	if got := rec.Header().Get("X-Dataset-Version"); got != version {
		t.Errorf("X-Dataset-Version = %q; want %q", got, version)
	}
	d, err := models.ParseDataset(rec.Body.Bytes()) // strict, as validate reads it
	if err != nil {
		t.Fatal(err)
	}
	if errs := d.Validate(); errs != nil {
		t.Errorf("the download does not validate: %v", errs)
	}
	if len(d.Studies) != 110 || len(d.Interventions) != 33 || len(d.Themes) != 6 || len(d.Strands) != 4 || len(d.Disadvantages) != 15 {
		t.Errorf("download holds %d studies, %d interventions, %d themes, %d strands, %d disadvantages",
			len(d.Studies), len(d.Interventions), len(d.Themes), len(d.Strands), len(d.Disadvantages))
	}

	// Importing the download into the store it came from changes nothing: it is the store.
	report, err := apitest.SharedStore(t).Import(context.Background(), store.Actor{Name: "test", Role: models.RoleAdmin}, rec.Body.Bytes(), true)
	if err != nil || len(report.Added)+len(report.Changed)+len(report.Removed)+len(report.Errors) > 0 {
		t.Errorf("a dry-run import of the download reports changes: %+v, %v", report, err)
	}

	// A store seeded with another dataset serves its records.
	other, _ := exportServer(t)
	served, err := models.ParseDataset(apitest.Get(t, other, "/api/v1/dataset").Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(served.Studies, func(s models.Study) bool { return s.ID == "kirk-2011" }); i < 0 || !strings.HasPrefix(served.Studies[i].Title, "@home: ") {
		t.Error("the download is not the served dataset")
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
