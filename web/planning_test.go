package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
)

// The planning pages: compare, the shortlist and the evidence pack (planning.go), and the
// gap map as a list on a phone.

// planningIDs are four interventions of the shipped dataset: two with impact evaluations,
// one whose only impact evaluation found no effect, one with none in the review.
var planningIDs = []string{"incredible-years", "triple-p", "mind-the-gap", "dialogic-reading"}

// Compare shows each of 2–4 interventions as a card holding the same facts, its evidence
// summary as the API computes it, and cost as not reported.
func TestComparePage(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	cat := apitest.SharedStore(t).Catalog()
	for n := 2; n <= 4; n++ {
		ids := planningIDs[:n]
		target := "/compare?ids=" + strings.Join(ids, ",")
		doc := r.read(t, target, http.StatusOK)
		cards := findAll(doc, byClass("compare-card"))
		if len(cards) != n {
			t.Fatalf("%s shows %d cards; want %d", target, len(cards), n)
		}
		var facts []string
		for i, card := range cards {
			d, err := cat.Intervention(ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if got := text(find(card, byAtom(atom.H2))); got != d.Intervention.Name {
				t.Errorf("%s: card %d is %q; want %q, in the order asked", target, i+1, got, d.Intervention.Name)
			}
			if got, want := text(find(card, byClass("evidence-statement"))), words(cat.EvidenceSummary(&d.Intervention).Statement); got != want {
				t.Errorf("%s: %s states %q; want the evidence summary %q", target, ids[i], got, want)
			}
			var these []string
			for _, h := range findAll(card, byAtom(atom.H3)) {
				these = append(these, text(h))
			}
			if facts == nil {
				facts = these
			} else if !slices.Equal(these, facts) {
				t.Errorf("%s: %s lists facts %v; the first card %v", target, ids[i], these, facts)
			}
			if cost := findAll(card, byClass("compare-fact")); len(cost) == 0 || text(cost[len(cost)-1]) != "CostNot reported in this review." {
				t.Errorf("%s: %s does not say its cost is not reported", target, ids[i])
			}
			for _, link := range hrefs(card, anyLink) {
				if u, _ := url.Parse(link); strings.HasPrefix(u.Path, "/interventions/") && u.Query().Get("shortlist") != strings.Join(ids, ",") {
					t.Errorf("%s: link %s drops the shortlist", target, link)
				}
			}
		}
		for _, want := range []string{"School stage", "Where it happens", "Country of origin", "Families it was aimed at", "Themes",
			"Strands of activity", "What the evidence says", "Studies in the review", "What the review says", "Cost"} {
			if !slices.Contains(facts, want) {
				t.Errorf("%s: the cards have no %q", target, want)
			}
		}
		if data := dataLink(t, doc); data != "/api/v1/interventions/compare?ids="+strings.Join(ids, ",") {
			t.Errorf("%s: data link %s", target, data)
		} else if rec := apitest.Get(t, r.srv, data); rec.Code != http.StatusOK {
			t.Errorf("%s = %d", data, rec.Code)
		}
	}
}

// A comparison that cannot be made says why, with the status the API gives the same ids.
func TestComparePageRefuses(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	for _, tc := range []struct {
		query  string
		status int
		says   string
	}{
		{"", http.StatusBadRequest, "names no intervention"},
		{"ids=", http.StatusBadRequest, "names no intervention"},
		{"ids=triple-p", http.StatusBadRequest, "names 1; this page takes 2 to 4"},
		{"ids=triple-p,peep,fast,sfsc,peip", http.StatusBadRequest, "names 5; this page takes 2 to 4"},
		{"ids=triple-p,triple-p", http.StatusBadRequest, `"triple-p" is given more than once`},
		{"ids=triple-p,Not_An_Id", http.StatusBadRequest, `"Not_An_Id" is not an intervention id`},
		{"ids=triple-p,peep&colour=red", http.StatusBadRequest, "Colour: is not an option of this page"},
		{"ids=triple-p,no-such-programme", http.StatusNotFound, `No intervention has the id "no-such-programme"`},
	} {
		target := "/compare?" + tc.query
		if got := text(r.read(t, target, tc.status)); !strings.Contains(got, tc.says) {
			t.Errorf("%s says %.300q; want %q", target, got, tc.says)
		}
	}
}

// The shortlist lives in the address: the finder's boxes, the intervention page's button,
// and every link between the finder, intervention pages, compare and the pack carry it.
func TestShortlistTravelsInTheAddress(t *testing.T) {
	srv := apitest.NewServer(t)
	// the finder, filtered to early years: Triple P (all stages) shows, Mind the Gap does not
	doc := pageOK(t, srv, "/?stage=early-years&shortlist=triple-p,mind-the-gap")
	panel := find(doc, byID("shortlist"))
	if got := attr(panel, "data-shortlist"); got != "triple-p,mind-the-gap" {
		t.Fatalf("the panel holds %q", got)
	}
	if links := hrefs(panel, byClass("button")); !slices.Equal(links, []string{"/compare?ids=triple-p,mind-the-gap", "/pack?ids=triple-p,mind-the-gap"}) {
		t.Errorf("the panel leads to %v; want compare and the pack", links)
	}
	if box := find(doc, byID("pick-triple-p")); box == nil || !hasAttr(box, "checked") || attr(box, "name") != "shortlist" {
		t.Error("Triple P's box is not ticked")
	}
	if box := find(doc, byID("pick-peep")); box == nil || hasAttr(box, "checked") {
		t.Error("PEEP's box is missing or ticked")
	}
	hidden := findAll(doc, func(n *html.Node) bool { return attr(n, "type") == "hidden" && attr(n, "name") == "shortlist" })
	if len(hidden) != 1 || attr(hidden[0], "value") != "mind-the-gap" {
		t.Errorf("the form carries %d hidden shortlist fields; want Mind the Gap's, which this page does not show", len(hidden))
	}
	outside := func(n *html.Node) bool {
		for p := n; p != nil; p = p.Parent {
			if attr(p, "id") == "shortlist" {
				return false
			}
		}
		return true
	}
	for _, link := range hrefs(find(doc, byClass("results")), outside) {
		u, _ := url.Parse(link)
		if u.Path == "/" || strings.HasPrefix(u.Path, "/interventions/") {
			if got := strings.Join(u.Query()["shortlist"], ","); got != "triple-p,mind-the-gap" {
				t.Errorf("finder link %s carries shortlist %q", link, got)
			}
		}
	}
	// a form sends ticked boxes as repeated fields: the page reads them as one list
	doc = pageOK(t, srv, "/?shortlist=mind-the-gap&shortlist=peep&shortlist=triple-p")
	if got := attr(find(doc, byID("shortlist")), "data-shortlist"); got != "mind-the-gap,peep,triple-p" {
		t.Errorf("repeated shortlist fields read as %q", got)
	}
	if n := len(findAll(find(doc, byID("shortlist")), byClass("shortlist-remove"))); n != 3 {
		t.Errorf("the panel offers %d removals; want 3", n)
	}

	// the intervention page: its button adds or removes it; its links keep the list
	doc = pageOK(t, srv, "/interventions/peep?shortlist=triple-p")
	form := find(doc, byClass("pick-form"))
	if got := attr(find(form, byAtom(atom.Input)), "value"); got != "triple-p,peep" || !strings.Contains(text(form), "Add to shortlist") {
		t.Errorf("PEEP's button sends %q (%q); want triple-p,peep", got, text(form))
	}
	if crumb := hrefs(find(doc, byClass("breadcrumb")), anyLink); len(crumb) != 1 || crumb[0] != "/?shortlist=triple-p" {
		t.Errorf("breadcrumb %v drops the shortlist", crumb)
	}
	for _, link := range hrefs(find(doc, byClass("tag-list")), anyLink) {
		if u, _ := url.Parse(link); u.Path == "/" && u.Query().Get("shortlist") != "triple-p" {
			t.Errorf("tag link %s drops the shortlist", link)
		}
	}
	doc = pageOK(t, srv, "/interventions/peep?shortlist=triple-p,peep")
	form = find(doc, byClass("pick-form"))
	if got := attr(find(form, byAtom(atom.Input)), "value"); got != "triple-p" || !strings.Contains(text(form), "Remove from shortlist") {
		t.Errorf("on the list, PEEP's button sends %q (%q); want triple-p", got, text(form))
	}
	// a shortlist naming a record since deleted keeps the rest, and says so
	doc = pageOK(t, srv, "/?shortlist=triple-p,gone-programme")
	if got := attr(find(doc, byID("shortlist")), "data-shortlist"); got != "triple-p" || !strings.Contains(text(find(doc, byID("shortlist"))), "gone-programme") {
		t.Errorf("a shortlist with an unknown id reads %q and does not say what it left off", got)
	}
	// compare and the pack lead back with the same list
	for _, target := range []string{"/compare?ids=triple-p,peep", "/pack?ids=triple-p,peep"} {
		doc := pageOK(t, srv, target)
		if got := attr(find(doc, byID("shortlist")), "data-shortlist"); got != "triple-p,peep" {
			t.Errorf("%s: shortlist %q", target, got)
		}
		if crumb := hrefs(find(doc, byClass("breadcrumb")), anyLink); len(crumb) != 1 || crumb[0] != "/?shortlist=triple-p,peep" {
			t.Errorf("%s: breadcrumb %v", target, crumb)
		}
	}
	// a malformed shortlist is refused as any bad option is
	for _, target := range []string{"/?shortlist=Not_An_Id", "/interventions/peep?shortlist=a,,B"} {
		if rec, _ := page(t, srv, target); rec.Code != http.StatusBadRequest {
			t.Errorf("%s = %d; want 400", target, rec.Code)
		}
	}
}

// manyIDs is n well-formed ids, all different.
func manyIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "programme-" + strconv.Itoa(i)
	}
	return strings.Join(ids, ",")
}

func hasAttr(n *html.Node, name string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == name })
}

// allInterventions are the ids of every intervention in the shipped dataset.
func allInterventions(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, iv := range apitest.SharedStore(t).Catalog().Dataset().Interventions {
		ids = append(ids, iv.ID)
	}
	return ids
}

// packRow is a row of a pack as a download holds it.
type packRow struct{ activity, evidence, challenges string }

// The pack of every intervention builds in every format with the same rows, each stating
// the dataset version and the day it was made: the page (a printed page each), CSV that
// Excel reads (BOM) and a CSV parser reads, Markdown that pandoc builds, and a Word
// document whose text pandoc reads back. Every citation links to a study page that exists.
func TestPackOfEveryIntervention(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	cat := apitest.SharedStore(t).Catalog()
	ids := allInterventions(t)
	if len(ids) < 33 {
		t.Fatalf("the dataset has %d interventions; want at least 33", len(ids))
	}
	challenges := make([]string, len(ids))
	challenges[0], challenges[2] = "1, 3", "2"
	query := "ids=" + strings.Join(ids, ",") + "&challenges=" + url.QueryEscape(strings.Join(challenges, "|"))
	made := time.Now().UTC().Format(time.DateOnly)
	version := cat.Version()

	var names []string
	for _, id := range ids {
		d, err := cat.Intervention(id)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, d.Intervention.Name)
	}

	// the page: a printed page per intervention, its citations all study pages that exist
	doc := r.read(t, "/pack?"+query, http.StatusOK)
	pages := findAll(doc, byClass("pack-page"))
	if len(pages) != len(ids) {
		t.Fatalf("the pack shows %d pages; want %d", len(pages), len(ids))
	}
	cited := map[string]bool{}
	for i, pg := range pages {
		if got := text(find(pg, byAtom(atom.H2))); got != names[i] {
			t.Errorf("page %d is %q; want %q", i+1, got, names[i])
		}
		foot := text(find(pg, byClass("pack-footer")))
		if !strings.Contains(foot, "dataset version "+version) || !strings.Contains(foot, "made on "+made) {
			t.Errorf("page %d does not state the version and the day: %q", i+1, foot)
		}
		iv, _ := cat.Intervention(ids[i])
		statement := cat.EvidenceSummary(&iv.Intervention).Statement
		if !strings.Contains(text(pg), words(statement)) {
			t.Errorf("page %d lacks the evidence summary %q", i+1, statement)
		}
		n := 0
		for _, link := range hrefs(pg, anyLink) {
			if strings.HasPrefix(link, "/studies/") {
				cited[link] = true
				n++
			}
		}
		if n > 5 || n == 0 && len(iv.Studies) > 0 {
			t.Errorf("%s cites %d studies of its %d; want 1 to 5", ids[i], n, len(iv.Studies))
		}
		if !strings.Contains(text(pg), "+4 months") || !strings.Contains(text(pg), "2026-11-28") ||
			len(findAll(find(pg, byClass("checklist")), byAtom(atom.Li))) != 4 {
			t.Errorf("%s: the EEF context or the four recommendations are missing", ids[i])
		}
	}
	for link := range cited {
		if rec, _ := page(t, r.srv, link); rec.Code != http.StatusOK {
			t.Errorf("citation %s = %d", link, rec.Code)
		}
	}
	if len(cited) < 20 {
		t.Errorf("the whole pack cites only %d studies", len(cited))
	}

	// CSV: Excel's byte order mark, then rows a parser reads
	body := download(t, r.srv, "/pack?"+query+"&format=csv", "text/csv", "csv")
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Error("the CSV has no UTF-8 byte order mark")
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if want := []string{"Activity", "Evidence that supports this approach", "Challenge number(s) addressed", "Tier", "Page", "Dataset version", "Made on"}; !slices.Equal(records[0], want) {
		t.Errorf("CSV header %q; want %q", records[0], want)
	}
	var csvRows []packRow
	for _, rec := range records[1:] {
		csvRows = append(csvRows, packRow{rec[0], rec[1], rec[2]})
		if rec[3] != "Wider strategies" || rec[5] != version || rec[6] != made {
			t.Errorf("CSV row %q: tier, version or day wrong: %q", rec[0], rec[3:])
		}
	}
	checkRows(t, "CSV", csvRows, names, challenges)
	// the downloads cite the same studies, by absolute address
	for _, row := range csvRows {
		for _, m := range regexp.MustCompile(`<(https?://[^>]+)>`).FindAllStringSubmatch(row.evidence, -1) {
			if u, _ := url.Parse(m[1]); strings.HasPrefix(u.Path, "/studies/") && !cited[u.Path] {
				t.Errorf("the CSV cites %s, which the page does not", m[1])
			}
		}
	}

	// Markdown: pandoc builds it into a table with the same rows
	md := download(t, r.srv, "/pack?"+query+"&format=md", "text/markdown", "md")
	for _, want := range []string{"dataset version " + version, "Made on " + made} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("the Markdown does not state %q", want)
		}
	}
	pandoc := pandocPath(t)
	checkRows(t, "Markdown", pandocTable(t, pandoc, "markdown-smart", md), names, challenges) // quotes as written

	// Word: pandoc reads its text back, the same rows in its table
	docx := download(t, r.srv, "/pack?"+query+"&format=docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
	checkRows(t, "Word", pandocTable(t, pandoc, "docx", docx), names, challenges)
	plain := pandocRun(t, pandoc, docx, "-f", "docx", "-t", "plain", "--wrap=none")
	for _, want := range append([]string{"dataset version " + version, "Made on " + made, "Challenge number(s) addressed"}, names...) {
		if !strings.Contains(plain, want) {
			t.Errorf("the Word document's text lacks %q", want)
		}
	}
}

// download GETs a pack download and checks its type and file name.
func download(t *testing.T, srv http.Handler, target, contentType, ext string) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), contentType) {
		t.Fatalf("%.80s… = %d %q; want %s\n%.300s", target, rec.Code, rec.Header().Get("Content-Type"), contentType, rec.Body)
	}
	if cd := rec.Header().Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="evidence-pack-[0-9a-f]+-\d{4}-\d{2}-\d{2}\.` + ext + `"$`).MatchString(cd) {
		t.Errorf("%s download is named %q", ext, cd)
	}
	return rec.Body.Bytes()
}

// checkRows holds a download's rows to the pack: an intervention each, in order, with the
// challenges entered and an evidence cell that cites, states the window and checks.
func checkRows(t *testing.T, format string, rows []packRow, names, challenges []string) {
	t.Helper()
	if len(rows) != len(names) {
		t.Fatalf("%s: %d rows; want %d", format, len(rows), len(names))
	}
	for i, row := range rows {
		if row.activity != names[i] {
			t.Errorf("%s row %d: activity %q; want %q", format, i+1, row.activity, names[i])
		}
		if row.challenges != challenges[i] {
			t.Errorf("%s row %d: challenges %q; want %q", format, i+1, row.challenges, challenges[i])
		}
		for _, want := range []string{"The review covers studies published 2008–2014", "+4 months", "as read on 2026-11-28", "☐ Critically review how the school works with parents."} {
			if !strings.Contains(words(row.evidence), want) {
				t.Errorf("%s row %d (%s): the evidence cell lacks %q:\n%s", format, i+1, names[i], want, row.evidence)
				break
			}
		}
	}
}

// pandocPath finds pandoc, or skips: CI installs it.
func pandocPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("pandoc")
	if err != nil {
		t.Skip("skipping the pack's read-back: no pandoc (apt-get install pandoc)")
	}
	return path
}

func pandocRun(t *testing.T, pandoc string, in []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(pandoc, args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("pandoc %v: %v\n%s", args, err, errs.String())
	}
	return out.String()
}

// pandocTable reads a document's one table through pandoc, as HTML: its body rows.
func pandocTable(t *testing.T, pandoc, from string, in []byte) []packRow {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(pandocRun(t, pandoc, in, "-f", from, "-t", "html")))
	if err != nil {
		t.Fatal(err)
	}
	tables := findAll(doc, byAtom(atom.Table))
	if len(tables) != 1 {
		t.Fatalf("%s: pandoc finds %d tables; want 1", from, len(tables))
	}
	var rows []packRow
	for i, tr := range findAll(tables[0], byAtom(atom.Tr)) {
		cells := findAll(tr, func(n *html.Node) bool { return n.DataAtom == atom.Td || n.DataAtom == atom.Th })
		if len(cells) != 3 {
			t.Fatalf("%s: table row %d has %d cells", from, i, len(cells))
		}
		if i == 0 {
			if got := text(cells[1]); got != "Evidence that supports this approach" {
				t.Fatalf("%s: the table's head reads %q", from, got)
			}
			continue
		}
		rows = append(rows, packRow{text(cells[0]), text(cells[1]), text(cells[2])})
	}
	return rows
}

// The pack takes challenge numbers per intervention and the Scottish plan's layout, and
// refuses what it cannot use.
func TestPackOptions(t *testing.T) {
	r := newPageReader(t, edge.Config{})
	doc := r.read(t, "/pack?ids=triple-p,peep,fast&challenges=1,3||2a&variant=scotland", http.StatusOK)
	var entered []string
	for _, in := range findAll(doc, func(n *html.Node) bool { return attr(n, "name") == "challenges" }) {
		entered = append(entered, attr(in, "value"))
	}
	if !slices.Equal(entered, []string{"1, 3", "", "2a"}) {
		t.Errorf("the challenge fields hold %q", entered)
	}
	if got := text(find(doc, byClass("pack-plan"))); !strings.Contains(got, "Pupil Equity Funding") || !strings.Contains(got, "Families and communities") {
		t.Errorf("the Scottish pack's pages say %q", got)
	}
	if box := find(doc, byID("variant-scotland")); !hasAttr(box, "checked") {
		t.Error("the Scottish plan is not the one chosen")
	}
	downloads := hrefs(find(doc, byClass("pack-downloads")), anyLink)
	if len(downloads) != 3 || slices.ContainsFunc(downloads, func(d string) bool {
		u, _ := url.Parse(d)
		return u.Query().Get("variant") != "scotland" || u.Query().Get("challenges") != "1,3||2a"
	}) {
		t.Errorf("downloads %v do not keep the options", downloads)
	}
	// the form's fields: one challenges field per intervention
	rec := httptest.NewRecorder()
	r.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pack?ids=triple-p,peep&variant=scotland&challenges=4&challenges=1+2&format=csv", nil))
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV of the form's fields: %v, %d rows", err, len(rows))
	}
	if rows[0][3] != "PEF organiser" || rows[1][3] != "Families and communities" || rows[1][2] != "4" || rows[2][2] != "1, 2" {
		t.Errorf("the Scottish CSV reads %q", rows)
	}
	for _, tc := range []struct{ query, says string }{
		{"ids=triple-p&variant=wales", `"wales" is not a plan this page lays out`},
		{"ids=triple-p&format=pdf", `"pdf" is not a download of the pack`},
		{"ids=triple-p&challenges=1|2", "gives 2 entries for 1 interventions"},
		{"ids=triple-p&challenges=1;2", "is not a well-formed URL query"},
		{"ids=triple-p&challenges=%3Dcmd()", "is not a challenge number"},
		{"ids=triple-p&variant=england&variant=scotland", "is given more than once"},
		{"ids=" + manyIDs(41), "names 41; this page takes 1 to 40"},
	} {
		if got := text(r.read(t, "/pack?"+tc.query, http.StatusBadRequest)); !strings.Contains(got, tc.says) {
			t.Errorf("/pack?%s says %.300q; want %q", tc.query, got, tc.says)
		}
	}
	if got := text(r.read(t, "/pack?ids=triple-p,no-such-programme", http.StatusNotFound)); !strings.Contains(got, `"no-such-programme"`) {
		t.Errorf("a pack of an unknown id says %q", got)
	}
	// a pack states the day it was made: no cache may keep it past that day
	rec = httptest.NewRecorder()
	r.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pack?ids=triple-p", nil))
	if rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("the pack is cacheable: ETag %q, Cache-Control %q", rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
	}
}

// On a phone the gap map is a list of the table's rows: the same cells, counts and links.
func TestGapMapListIsTheTable(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, target := range []string{"/evidence-map", "/evidence-map?rows=disadvantage&cols=design", "/evidence-map?rows=year&cols=theme&stage=primary"} {
		doc := pageOK(t, srv, target)
		type cell struct{ href, count string }
		var table, list []cell
		for _, td := range findAll(find(doc, byClass("heatmap")), byClass("heat")) {
			a := find(td, byAtom(atom.A))
			table = append(table, cell{attr(a, "href"), text(find(a, byClass("n")))})
		}
		blocks := findAll(find(doc, byClass("map-list")), byClass("map-block"))
		rows := findAll(find(find(doc, byClass("heatmap")), byAtom(atom.Tbody)), byAtom(atom.Tr))
		if len(blocks) != len(rows) || len(blocks) == 0 {
			t.Fatalf("%s: %d blocks for %d rows", target, len(blocks), len(rows))
		}
		for i, b := range blocks {
			if got, want := text(find(b, byAtom(atom.H3))), text(find(rows[i], byAtom(atom.Th))); got != want {
				t.Errorf("%s: block %d is %q; its row %q", target, i+1, got, want)
			}
			for _, a := range findAll(b, byAtom(atom.A)) {
				count, _, _ := strings.Cut(text(find(a, byClass("map-count"))), " ")
				list = append(list, cell{attr(a, "href"), count})
				if text(find(a, byClass("map-col"))) == "" {
					t.Errorf("%s: a cell of block %d names no column", target, i+1)
				}
			}
		}
		if !slices.Equal(table, list) {
			t.Errorf("%s: the list's cells differ from the table's\n table %v\n list  %v", target, table, list)
		}
	}
}

// The planning pages' option names agree with the API's, so a reader's error page and a
// program's problem name the same parameter.
func TestPlanningPagesNameTheAPIsParameter(t *testing.T) {
	srv := apitest.NewServer(t)
	for _, ids := range []string{"triple-p", "triple-p,triple-p"} {
		p := apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/interventions/compare?ids="+ids), http.StatusBadRequest, "ids")
		if rec, _ := page(t, srv, "/compare?ids="+ids); rec.Code != http.StatusBadRequest {
			t.Errorf("/compare?ids=%s = %d; the API says %d (%s)", ids, rec.Code, p.Status, p.Detail)
		}
	}
}
