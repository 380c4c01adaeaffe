package web_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
)

// The study pages are read here as Zotero's Embedded Metadata translator reads a page
// (zotero/translators, "Embedded Metadata.js", with Zotero.Utilities.cleanAuthor): the item
// type follows from which citation_* tag is present, the fields from the tags' contents,
// and the creators from citation_author as that translator splits and cleans names.

// zoteroItem is what the translator makes of a page.
type zoteroItem struct {
	itemType string
	fields   map[string]string // Zotero's field names
	creators []zoteroCreator
}

// zoteroCreator is one creator; comma says it was read as "Last, First".
type zoteroCreator struct {
	first, last string
	comma       bool
}

// highwireFields maps citation_* tags to Zotero fields (HIGHWIRE_MAPPINGS, in its order:
// a later tag that maps to the same field wins).
var highwireFields = []struct{ tag, field string }{
	{"citation_title", "title"}, {"citation_publication_date", "date"}, {"citation_cover_date", "date"}, {"citation_date", "date"},
	{"citation_journal_title", "publicationTitle"}, {"citation_journal_abbrev", "journalAbbreviation"},
	{"citation_inbook_title", "publicationTitle"}, {"citation_book_title", "bookTitle"},
	{"citation_volume", "volume"}, {"citation_issue", "issue"}, {"citation_series_title", "series"},
	{"citation_conference_title", "conferenceName"}, {"citation_conference", "conferenceName"},
	{"citation_dissertation_institution", "university"}, {"citation_technical_report_institution", "institution"},
	{"citation_technical_report_number", "number"}, {"citation_publisher", "publisher"}, {"citation_isbn", "ISBN"},
	{"citation_abstract", "abstractNote"}, {"citation_doi", "DOI"}, {"citation_public_url", "url"}, {"citation_language", "language"},
}

// headMetas are the <meta name content> elements directly in <head>, in order.
func headMetas(doc *html.Node) [][2]string {
	var out [][2]string
	head := find(doc, byAtom(atom.Head))
	for n := head.FirstChild; n != nil; n = n.NextSibling {
		if n.DataAtom == atom.Meta && attr(n, "name") != "" {
			out = append(out, [2]string{attr(n, "name"), attr(n, "content")})
		}
	}
	return out
}

// readEmbeddedMetadata reads a page as the Embedded Metadata translator does.
func readEmbeddedMetadata(doc *html.Node) zoteroItem {
	metas := headMetas(doc)
	// the item type: the last type tag seen, else a guess from citation_title
	var hwType, hwGuess string
	for _, m := range metas {
		if m[1] == "" {
			continue
		}
		for _, tag := range strings.Fields(m[0]) {
			i := strings.LastIndex(tag, "citation_")
			if i < 0 {
				i = len(tag) - 1 // JavaScript's slice(-1)
			}
			short := tag[i:]
			switch short {
			case "citation_journal_title":
				hwType = "journalArticle"
			case "citation_technical_report_institution":
				hwType = "report"
			case "citation_conference_title", "citation_conference":
				hwType = "conferencePaper"
			case "citation_book_title", "citation_inbook_title":
				hwType = "bookSection"
			case "citation_dissertation_institution":
				hwType = "thesis"
			case "citation_title", "citation_series_title":
				hwGuess = cmpOr(hwGuess, "journalArticle")
			case "citation_isbn":
				hwGuess = "book"
			}
		}
	}
	item := zoteroItem{itemType: cmpOr(hwType, hwGuess), fields: map[string]string{}}
	// getContentText: the first meta whose name ends with the tag
	content := func(tag string) string {
		for _, m := range metas {
			if strings.HasSuffix(m[0], tag) && m[1] != "" {
				return m[1]
			}
		}
		return ""
	}
	all := func(tag string) []string {
		var out []string
		for _, m := range metas {
			if strings.HasSuffix(m[0], tag) {
				out = append(out, m[1])
			}
		}
		return out
	}
	for _, hf := range highwireFields {
		if v := strings.TrimSpace(content(hf.tag)); v != "" {
			item.fields[hf.field] = strings.Join(strings.Fields(v), " ")
		}
	}
	nodes := all("citation_author")
	if len(nodes) == 0 {
		nodes = all("citation_authors")
	}
	last := ""
	for _, node := range nodes {
		names := regexp.MustCompile(`\s*;\s*`).Split(node, -1)
		if len(names) == 1 && len(nodes) == 1 {
			byComma := regexp.MustCompile(`\s*,\s*`).Split(names[0], -1)
			if len(byComma) > 1 && strings.Contains(byComma[0], " ") && strings.Contains(byComma[1], " ") {
				names = byComma
			}
		}
		for _, name := range names {
			name = strings.TrimSpace(name)
			if name == "" || !regexp.MustCompile(`[^\s,\-.;]`).MatchString(name) || name == last {
				continue
			}
			last = name
			cr := cleanAuthor(name, strings.Contains(name, ","))
			if cr.first != "" {
				cr.first, cr.last = fixCase(cr.first), fixCase(cr.last)
			}
			item.creators = append(item.creators, cr)
		}
	}
	first, lastPage := content("citation_firstpage"), content("citation_lastpage")
	if first = strings.TrimSpace(first); first != "" {
		item.fields["pages"] = first
		if lastPage = strings.TrimSpace(lastPage); lastPage != "" {
			item.fields["pages"] += "-" + lastPage
		}
	}
	return item
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var (
	cleanLead     = regexp.MustCompile(`^[\s\x{a0}.,/\[\]:]+`)
	cleanTrail    = regexp.MustCompile(`[\s\x{a0}.,/\[\]:]+$`)
	cleanSpace    = regexp.MustCompile(`[\s\x{a0}]+`)
	periodNoSpace = regexp.MustCompile(`\.([^ ])`)
	nameComma     = regexp.MustCompile(`[,،] ?`)
	allCaps       = regexp.MustCompile(`^[A-Z\x{400}-\x{42f}]+$`)
	initial       = regexp.MustCompile(`^-?[A-Z\x{400}-\x{42f}]$`)
	firstDash     = regexp.MustCompile(`\s*([\x{2d}\x{ad}\x{2010}-\x{2015}\x{2212}\x{2e3a}\x{2e3b}])\s*`)
)

// replaceFirst replaces the first match of re in s, as a JavaScript replace without the g
// flag does.
func replaceFirst(re *regexp.Regexp, s, repl string) string {
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return s
	}
	return s[:loc[0]] + string(re.ExpandString(nil, repl, s, loc)) + s[loc[1]:]
}

// cleanAuthor is Zotero.Utilities.cleanAuthor.
func cleanAuthor(author string, useComma bool) zoteroCreator {
	author = cleanLead.ReplaceAllString(author, "")
	author = cleanTrail.ReplaceAllString(author, "")
	author = replaceFirst(cleanSpace, author, " ")
	var first, last string
	if useComma {
		author = replaceFirst(periodNoSpace, author, ". $1")
		parts := nameComma.Split(author, -1)
		if len(parts) > 1 {
			last, first = parts[0], parts[1]
		} else {
			last = author
		}
	} else {
		i := len(author)
		for {
			i = strings.LastIndex(author[:max(i, 0)], " ")
			last, first = author[i+1:], author[:max(i, 0)]
			if r := []rune(last); (len(r) > 0 && unicode.IsLetter(r[0])) || i <= 0 {
				break
			}
		}
	}
	if first != "" && allCaps.MatchString(first) && len(first) < 4 && (len(first) == 1 || strings.ToUpper(last) != last) {
		var b []string
		for _, r := range first {
			b = append(b, string(r)+".")
		}
		first = strings.Join(b, " ")
	}
	if first != "" {
		f := strings.TrimLeft(first, " \t\n.")
		f = strings.TrimRight(f, " \t\n,")
		f = replaceFirst(firstDash, f, "-")
		names := splitGiven(f)
		var b strings.Builder
		for _, n := range names {
			b.WriteString(n)
			if initial.MatchString(n) {
				b.WriteString(".")
			}
			b.WriteString(" ")
		}
		first = strings.TrimSpace(strings.ReplaceAll(b.String(), " -", "-"))
	}
	return zoteroCreator{first: first, last: last, comma: useComma}
}

// splitGiven splits given names as JavaScript's split(/(?:[\s\.]+|(?=-))/) does: at runs of
// white space and full stops, and before a hyphen (an empty match where the last piece
// ended splits nothing).
func splitGiven(s string) []string {
	var out []string
	p := 0
	for q := 0; q < len(s); {
		switch {
		case s[q] == '.' || unicode.IsSpace(rune(s[q])):
			e := q
			for e < len(s) && (s[e] == '.' || unicode.IsSpace(rune(s[e]))) {
				e++
			}
			out = append(out, s[p:q])
			p, q = e, e
		case s[q] == '-' && q != p:
			out = append(out, s[p:q])
			p = q
			q++
		default:
			q++
		}
	}
	return append(out, s[p:])
}

// fixCase title-cases a name written all in capitals or all in lower case: a letter
// after anything but a letter is a capital ("J.-L." stays as it is).
func fixCase(name string) string {
	if strings.ToUpper(name) != name && strings.ToLower(name) != name {
		return name
	}
	r := []rune(strings.ToLower(name))
	for i := range r {
		if unicode.IsLetter(r[i]) && (i == 0 || !unicode.IsLetter(r[i-1])) {
			r[i] = unicode.ToUpper(r[i])
		}
	}
	return string(r)
}

// written is the creator as its name was written: "Last, First", or "First Last".
func (c zoteroCreator) written() string {
	if c.comma {
		if c.first == "" {
			return c.last
		}
		return c.last + ", " + c.first
	}
	return strings.TrimSpace(c.first + " " + c.last)
}

// sameName compares names as written, ignoring white space ("S.E." is "S. E.").
func sameName(a, b string) bool {
	strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strip(a) == strip(b)
}

// cslOf is the study as the csl-json export writes it.
func cslOf(t *testing.T, st models.Study) export.CSLItem {
	t.Helper()
	var b bytes.Buffer
	enc := export.NewCSLJSON(&b, export.NewKeys([]models.Study{st}))
	if err := enc.Encode(st); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	var items []export.CSLItem
	if err := json.Unmarshal(b.Bytes(), &items); err != nil || len(items) != 1 {
		t.Fatalf("csl-json of %s: %v", st.ID, err)
	}
	return items[0]
}

// Zotero reads every study page of the shipped dataset as the record it is: the item type
// the exports give the study (a journal article with its journal, a report with its
// institution, a chapter with its book; anything else only a title, which Zotero takes for
// a journal article), the title, every author whole and in order, the year, and only the
// venue parts and DOI the record has. The page names itself as the item's URL.
func TestStudyPagesReadAsZoteroReadsThem(t *testing.T) {
	srv := apitest.NewServer(t)
	d := shippedDataset(t)
	types := map[string]int{}
	for _, st := range d.Studies {
		target := "/studies/" + url.PathEscape(st.ID)
		doc := pageOK(t, srv, target)
		got := readEmbeddedMetadata(doc)
		csl := cslOf(t, st)

		want := map[string]string{"title": words(st.Title), "date": strconv.Itoa(st.Year), "url": "http://example.com" + target}
		wantType := "journalArticle" // what Zotero guesses from a title alone
		switch {
		case csl.Type == "article-journal" && csl.ContainerTitle != "":
			wantType, want["publicationTitle"], want["volume"], want["issue"], want["pages"] = "journalArticle", csl.ContainerTitle, csl.Volume, csl.Issue, csl.Page
		case csl.Type == "report" && csl.Publisher != "":
			wantType, want["institution"] = "report", csl.Publisher
		case csl.Type == "chapter" && csl.ContainerTitle != "":
			wantType, want["publicationTitle"] = "bookSection", csl.ContainerTitle
		}
		if st.DOI != nil {
			want["DOI"] = *st.DOI
		}
		for k, v := range want {
			if v == "" {
				delete(want, k) // nothing the record lacks
			}
		}
		types[got.itemType]++
		if got.itemType != wantType {
			t.Errorf("%s: Zotero saves a %q; want a %q (the exports' %s)", target, got.itemType, wantType, csl.Type)
		}
		for k, v := range want {
			if got.fields[k] != v {
				t.Errorf("%s: Zotero's %s = %q; want %q", target, k, got.fields[k], v)
			}
		}
		for k, v := range got.fields {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: Zotero's %s = %q, which the record does not give", target, k, v)
			}
		}
		if len(got.creators) != len(st.Authors) {
			t.Errorf("%s: Zotero reads %d authors %+v; want the record's %d: %q", target, len(got.creators), got.creators, len(st.Authors), st.Authors)
			continue
		}
		for i, a := range st.Authors {
			if cr := got.creators[i]; !sameName(cr.written(), a) {
				t.Errorf("%s: author %d reads as %q (last %q, first %q); want %q", target, i+1, cr.written(), cr.last, cr.first, a)
			}
		}
		checkJSONLD(t, target, doc, st, csl)
	}
	t.Logf("item types: %v", types)
	for _, typ := range []string{"journalArticle", "report", "bookSection"} {
		if types[typ] == 0 {
			t.Errorf("no study page reads as a %s", typ)
		}
	}
}

// checkJSONLD reads the page's schema.org JSON-LD: one script, the record's type, title,
// authors and year, and no venue part the export does not give.
func checkJSONLD(t *testing.T, target string, doc *html.Node, st models.Study, csl export.CSLItem) {
	t.Helper()
	scripts := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script && attr(n, "type") == "application/ld+json" })
	if len(scripts) != 1 {
		t.Fatalf("%s has %d JSON-LD scripts; want 1", target, len(scripts))
	}
	var ld struct {
		Context  string `json:"@context"`
		Type     string `json:"@type"`
		Name     string `json:"name"`
		Date     string `json:"datePublished"`
		URL      string `json:"url"`
		SameAs   string `json:"sameAs"`
		PageFrom string `json:"pageStart"`
		Author   []struct {
			Type       string `json:"@type"`
			Name       string `json:"name"`
			FamilyName string `json:"familyName"`
		} `json:"author"`
	}
	if err := json.Unmarshal([]byte(scripts[0].FirstChild.Data), &ld); err != nil {
		t.Fatalf("%s: JSON-LD does not parse: %v\n%s", target, err, scripts[0].FirstChild.Data)
	}
	wantType := map[string]string{"article-journal": "ScholarlyArticle", "report": "Report", "chapter": "Chapter", "document": "CreativeWork"}[csl.Type]
	if ld.Context != "https://schema.org" || ld.Type != wantType || ld.Name != words(st.Title) || ld.Date != strconv.Itoa(st.Year) || ld.URL != "http://example.com"+target {
		t.Errorf("%s: JSON-LD %+v; want a %s named %q of %d", target, ld, wantType, st.Title, st.Year)
	}
	if len(ld.Author) != len(st.Authors) {
		t.Errorf("%s: JSON-LD has %d authors; want %d", target, len(ld.Author), len(st.Authors))
	}
	for i, a := range csl.Author {
		if i < len(ld.Author) && (a.Literal != "" && (ld.Author[i].Type != "Organization" || ld.Author[i].Name != a.Literal) ||
			a.Literal == "" && (ld.Author[i].Type != "Person" || ld.Author[i].FamilyName != a.Family)) {
			t.Errorf("%s: JSON-LD author %d is %+v; want %+v", target, i+1, ld.Author[i], a)
		}
	}
	if (ld.SameAs != "") != (st.DOI != nil) || (ld.PageFrom != "") != (csl.Type == "article-journal" && csl.Page != "") {
		t.Errorf("%s: JSON-LD DOI %q, first page %q; the record's DOI %v, pages %q", target, ld.SameAs, ld.PageFrom, st.DOI, csl.Page)
	}
}

// The reader above splits names as Zotero does, so it would catch a page that lets Zotero
// split one author in two, lose part of a name, or read a venue into a study that has none.
func TestZoteroReaderReadsNamesAsZotero(t *testing.T) {
	for _, tc := range []struct {
		authors []string
		want    []zoteroCreator
	}{
		{[]string{"Mol, S. E.", "Bus, A. G."}, []zoteroCreator{{"S. E.", "Mol", true}, {"A. G.", "Bus", true}}},
		{[]string{"Young, J.-L."}, []zoteroCreator{{"J.-L.", "Young", true}}},
		{[]string{"Lindsay, G.", "Strand, S."}, []zoteroCreator{{"G.", "Lindsay", true}, {"S.", "Strand", true}}},
		{[]string{"Fatherhood Institute"}, []zoteroCreator{{"Fatherhood", "Institute", false}}},
		// a lone author with spaces on both sides of a comma is split in two…
		{[]string{"Department for Children, Schools and Families"}, []zoteroCreator{{"Department for", "Children", false}, {"Schools and", "Families", false}}},
		// …unless it ends with the list separator, as the pages write it
		{[]string{"Department for Children, Schools and Families;"}, []zoteroCreator{{"Schools and Families", "Department for Children", true}}},
	} {
		var b strings.Builder
		b.WriteString("<!doctype html><html><head>")
		for _, a := range tc.authors {
			b.WriteString(`<meta name="citation_author" content="` + html.EscapeString(a) + `">`)
		}
		b.WriteString("</head><body></body></html>")
		doc, err := html.Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if got := readEmbeddedMetadata(doc).creators; !slices.Equal(got, tc.want) {
			t.Errorf("%q reads as %+v; want %+v", tc.authors, got, tc.want)
		}
	}
}

// A study page's head names the page itself as canonical and links its Markdown twin; it
// names no unAPI server, so Zotero reads the page's own tags rather than a list.
func TestStudyPageHead(t *testing.T) {
	srv := apitest.NewServer(t)
	doc := pageOK(t, srv, "/studies/mol-2008")
	links := map[string]string{}
	for _, n := range findAll(doc, byAtom(atom.Link)) {
		links[attr(n, "rel")] = attr(n, "href")
	}
	if links["canonical"] != "http://example.com/studies/mol-2008" || links["alternate"] != "/studies/mol-2008.md" {
		t.Errorf("head links %v; want the canonical page and its Markdown twin", links)
	}
	if _, ok := links["unapi-server"]; ok {
		t.Error("a study page names an unAPI server, which Zotero would read instead of the page")
	}
}
