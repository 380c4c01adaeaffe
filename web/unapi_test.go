package web_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// get answers a request without the API's contract check: pages and /unapi are not in it.
func get(srv http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// unapiFormats is the formats document of the unAPI spec.
type unapiFormats struct {
	XMLName xml.Name `xml:"formats"`
	ID      string   `xml:"id,attr"`
	Formats []struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"format"`
}

func readFormats(t *testing.T, rec *httptest.ResponseRecorder, status int, id string) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("formats of %q: %d %q; want %d, XML", id, rec.Code, rec.Header().Get("Content-Type"), status)
	}
	var f unapiFormats
	if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatalf("formats of %q do not parse: %v\n%s", id, err, rec.Body)
	}
	var names []string
	for _, x := range f.Formats {
		names = append(names, x.Name)
	}
	if f.ID != id || !slices.Equal(names, []string{"ris", "bibtex", "csl-json"}) {
		t.Errorf("formats of %q: id %q, %v; want ris, bibtex and csl-json", id, f.ID, names)
	}
}

// unapiIDs checks a page that lists studies names the unAPI server in its head and marks
// each study it lists, once, with its id; it returns the ids.
func unapiIDs(t *testing.T, target string, doc *html.Node, listed []string) []string {
	t.Helper()
	var servers []string
	for _, n := range findAll(find(doc, byAtom(atom.Head)), byAtom(atom.Link)) {
		if attr(n, "rel") == "unapi-server" {
			if attr(n, "type") != "application/xml" || attr(n, "title") != "unAPI" {
				t.Errorf("%s: unapi-server link %v", target, n.Attr)
			}
			servers = append(servers, attr(n, "href"))
		}
	}
	if !slices.Equal(servers, []string{"/unapi"}) {
		t.Errorf("%s names unAPI servers %v; want /unapi", target, servers)
	}
	var ids []string
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Abbr && attr(n, "class") == "unapi-id" }) {
		ids = append(ids, attr(n, "title"))
	}
	if !slices.Equal(ids, listed) {
		t.Errorf("%s marks %v for unAPI; want the studies it lists, %v", target, ids, listed)
	}
	return ids
}

// studyLinks are the ids of the studies links matching match lead to.
func studyLinks(doc *html.Node, match func(*html.Node) bool) []string {
	var ids []string
	for _, h := range hrefs(doc, match) {
		if id, ok := strings.CutPrefix(h, "/studies/"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func inside(class string, tag atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for p := n.Parent; p != nil; p = p.Parent {
			if p.DataAtom == tag && byClass(class)(p) {
				return true
			}
		}
		return false
	}
}

// Every study on a page that lists studies (the study search, page by page; a gap-map
// cell's list; an intervention's studies) is marked for unAPI, and resolves there: its
// formats, then the record in each, written as the API writes it; the RIS of them all
// parses (bibutils' ris2xml) into the records' titles.
func TestUnAPIRoundTrip(t *testing.T) {
	srv := apitest.NewServer(t)
	d := shippedDataset(t)
	studies := map[string]models.Study{}
	for _, st := range d.Studies {
		studies[st.ID] = st
	}
	readFormats(t, get(srv, "/unapi"), http.StatusOK, "")

	seen := map[string]bool{}
	var ids []string
	collect := func(target string, match func(*html.Node) bool) *html.Node {
		doc := pageOK(t, srv, target)
		for _, id := range unapiIDs(t, target, doc, studyLinks(doc, match)) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return doc
	}
	result := func(n *html.Node) bool { return inside("result", atom.Li)(n) && n.Parent.DataAtom == atom.H3 }
	for target := "/studies"; target != ""; {
		doc := collect(target, result)
		target = ""
		if next := hrefs(doc, func(n *html.Node) bool { return attr(n, "rel") == "next" }); len(next) > 0 {
			target = next[0]
		}
	}
	if len(ids) != len(d.Studies) {
		t.Errorf("the study search marks %d studies; want all %d", len(ids), len(d.Studies))
	}
	cells := hrefs(pageOK(t, srv, "/evidence-map"), inside("heat", atom.Td))
	if len(cells) == 0 {
		t.Fatal("the gap map has no cell links")
	}
	collect(cells[len(cells)/2], result)
	withStudies := 0
	for _, iv := range d.Interventions {
		doc := pageOK(t, srv, "/interventions/"+iv.ID)
		listed := studyLinks(doc, inside("study-list", atom.Ol))
		if len(listed) == 0 {
			if n := findAll(doc, byClass("unapi-id")); len(n) > 0 {
				t.Errorf("/interventions/%s lists no study but marks %d", iv.ID, len(n))
			}
			continue
		}
		withStudies++
		unapiIDs(t, "/interventions/"+iv.ID, doc, listed)
	}
	if withStudies == 0 {
		t.Error("no intervention page lists studies")
	}

	var allRIS bytes.Buffer
	for _, id := range ids {
		readFormats(t, get(srv, "/unapi?id="+url.QueryEscape(id)), http.StatusMultipleChoices, id)
		for _, f := range []struct{ name, contentType string }{
			{"ris", "application/x-research-info-systems; charset=utf-8"},
			{"bibtex", "application/x-bibtex; charset=utf-8"},
			{"csl-json", "application/vnd.citationstyles.csl+json"},
		} {
			rec := get(srv, "/unapi?id="+url.QueryEscape(id)+"&format="+f.name)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != f.contentType {
				t.Fatalf("/unapi %s as %s: %d %q", id, f.name, rec.Code, rec.Header().Get("Content-Type"))
			}
			api := apitest.Get(t, srv, "/api/v1/studies/"+url.PathEscape(id)+"?format="+f.name)
			if api.Code != http.StatusOK || api.Body.String() != rec.Body.String() {
				t.Errorf("/unapi %s as %s differs from the API's:\n%s\nAPI:\n%s", id, f.name, rec.Body, api.Body)
			}
			if f.name == "ris" {
				allRIS.Write(rec.Body.Bytes())
			}
			if f.name == "csl-json" {
				var items []struct{ Title string }
				if err := json.Unmarshal(rec.Body.Bytes(), &items); err != nil || len(items) != 1 || items[0].Title != studies[id].Title {
					t.Errorf("/unapi %s as CSL-JSON: %v %+v", id, err, items)
				}
			}
		}
	}

	path, err := exec.LookPath("ris2xml")
	if err != nil {
		t.Skip("ris2xml is not installed, so the RIS is not read back with a parser; it comes with Debian's bibutils: apt-get install bibutils")
	}
	cmd := exec.Command(path, "-i", "utf8", "-un", "-nt")
	cmd.Stdin = &allRIS
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ris2xml: %v\n%s", err, stderr.String())
	}
	var doc struct {
		Records []struct {
			Title  string `xml:"titleInfo>title"`
			Issued string `xml:"originInfo>dateIssued"`
			Part   string `xml:"part>date"`
		} `xml:"mods"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("ris2xml output is not MODS: %v", err)
	}
	if len(doc.Records) != len(ids) {
		t.Fatalf("ris2xml reads %d records; want %d", len(doc.Records), len(ids))
	}
	for i, r := range doc.Records {
		st := studies[ids[i]]
		year := r.Issued + r.Part
		if words(r.Title) != words(st.Title) || !strings.Contains(year, strconv.Itoa(st.Year)) {
			t.Errorf("ris2xml reads %s as %q (%s); want %q (%d)", st.ID, r.Title, year, st.Title, st.Year)
		}
	}
}

// unAPI's answers to what it cannot serve: an unknown id is 404, a format it does not
// offer 406, a format without an id or an unknown parameter 400; each a problem.
func TestUnAPIRefusals(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, tc := range []struct {
		target string
		status int
		field  string
	}{
		{"/unapi?id=no-such-study", http.StatusNotFound, ""},
		{"/unapi?id=no-such-study&format=ris", http.StatusNotFound, ""},
		{"/unapi?id=mol-2008&format=marc", http.StatusNotAcceptable, "format"},
		{"/unapi?id=mol-2008&format=", http.StatusNotAcceptable, "format"},
		{"/unapi?format=ris", http.StatusBadRequest, "id"},
		{"/unapi?id=", http.StatusBadRequest, "id"},
		{"/unapi?id=mol-2008&style=apa", http.StatusBadRequest, "style"},
		{"/unapi?id=mol-2008&id=lindsay-2011", http.StatusBadRequest, "id"},
	} {
		rec := get(srv, tc.target)
		apitest.WantProblem(t, rec, tc.status, tc.field)
		if rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: a refusal has ETag %q, Cache-Control %q", tc.target, rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
		}
	}
}
