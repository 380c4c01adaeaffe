package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/models"
)

// A study page says what it cites in the two forms programs read: Highwire Press
// citation_* meta tags, which Zotero's Embedded Metadata translator, Google Scholar and
// most reference managers read, and schema.org JSON-LD, which search engines read. Both are
// made from the study's CSL-JSON item as package export writes it, so the page, the
// downloads and /unapi classify a study (journal article, report, chapter, other) and
// split its venue (journal, volume, issue, pages) the same way. Nothing is added that the
// record lacks: a missing venue, volume, issue, page or DOI leaves its tag out.

// metaTag is one <meta name="…" content="…"> of a page's head.
type metaTag struct {
	Name, Content string
}

// citationHead is what a study page puts in its head for programs that cite it.
type citationHead struct {
	Highwire []metaTag
	JSONLD   map[string]any // html/template escapes it as JSON inside its script element
}

// cslItem is the study's CSL-JSON item, as the csl-json export writes it.
func cslItem(st models.Study) (export.CSLItem, error) {
	var b bytes.Buffer
	enc := export.NewCSLJSON(&b, nil) // the key is not used here
	if err := enc.Encode(st); err != nil {
		return export.CSLItem{}, err
	}
	if err := enc.Close(); err != nil {
		return export.CSLItem{}, err
	}
	var items []export.CSLItem
	if err := json.Unmarshal(b.Bytes(), &items); err != nil || len(items) != 1 {
		return export.CSLItem{}, fmt.Errorf("read back the CSL-JSON of %s: %v", st.ID, err)
	}
	return items[0], nil
}

// newCitationHead makes the citation tags of a study whose page is at canonical.
func newCitationHead(d *catalog.StudyRecord, canonical string) (citationHead, error) {
	st := d.Study
	item, err := cslItem(st)
	if err != nil {
		return citationHead{}, err
	}
	return citationHead{Highwire: highwireTags(st, item, canonical), JSONLD: jsonLD(st, item, canonical)}, nil
}

// highwireTags are the study's citation_* tags. The tag of the venue follows the export's
// kind: a journal article's journal (with volume, issue and pages where the venue states
// them), a report's institution, a chapter's book. The report number Highwire also has is
// never given: the records hold none. A study of another kind (a thesis, a conference
// paper, a practice sheet) names no venue, for want of a tag that says what it is; readers
// then take it for a journal article, as they do any page with a title alone.
func highwireTags(st models.Study, item export.CSLItem, canonical string) []metaTag {
	tags := []metaTag{{"citation_title", oneLine(st.Title)}}
	for _, a := range citationAuthors(st.Authors) {
		tags = append(tags, metaTag{"citation_author", a})
	}
	tags = append(tags, metaTag{"citation_publication_date", strconv.Itoa(st.Year)})
	add := func(name, value string) {
		if value != "" {
			tags = append(tags, metaTag{name, value})
		}
	}
	switch item.Type {
	case "article-journal":
		first, last, _ := strings.Cut(item.Page, "-")
		add("citation_journal_title", item.ContainerTitle)
		add("citation_volume", item.Volume)
		add("citation_issue", item.Issue)
		add("citation_firstpage", first)
		add("citation_lastpage", last)
	case "report":
		add("citation_technical_report_institution", item.Publisher)
	case "chapter":
		add("citation_inbook_title", item.ContainerTitle)
	}
	add("citation_doi", item.DOI)
	add("citation_public_url", canonical)
	return tags
}

// citationAuthors are the study's authors, one citation_author each, as the record writes
// them: "Family, Given" for a person, an organisation's name whole. A reader that finds a
// single citation_author splits it at a comma when there are spaces on both sides ("Last
// Name, First Name; …" in one tag, Zotero's rule), which would make two authors of
// "Department for Children, Schools and Families"; such a lone author ends with the
// separator ";", which says it is a list of one.
func citationAuthors(authors []string) []string {
	out := make([]string, len(authors))
	for i, a := range authors {
		out[i] = oneLine(a)
	}
	if len(out) == 1 {
		before, after, ok := strings.Cut(out[0], ",")
		if ok && strings.Contains(strings.TrimSpace(before), " ") && strings.Contains(strings.TrimSpace(after), " ") {
			out[0] += ";"
		}
	}
	return out
}

// schemaTypes are the schema.org types of the export's kinds.
var schemaTypes = map[string]string{
	"article-journal": "ScholarlyArticle", "report": "Report", "chapter": "Chapter", "document": "CreativeWork",
}

// jsonLD is the study as schema.org JSON-LD: its type, name, authors (a Person with family
// and given names, or an Organization), year, venue as for the Highwire tags, DOI, and
// this page as its URL.
func jsonLD(st models.Study, item export.CSLItem, canonical string) map[string]any {
	typ, ok := schemaTypes[item.Type]
	if !ok {
		typ = "CreativeWork"
	}
	authors := make([]map[string]any, len(item.Author))
	for i, a := range item.Author {
		if a.Literal != "" {
			authors[i] = map[string]any{"@type": "Organization", "name": a.Literal}
		} else {
			authors[i] = map[string]any{"@type": "Person", "name": a.Given + " " + a.Family, "familyName": a.Family, "givenName": a.Given}
		}
	}
	ld := map[string]any{
		"@context":      "https://schema.org",
		"@type":         typ,
		"@id":           canonical,
		"url":           canonical,
		"name":          oneLine(st.Title),
		"author":        authors,
		"datePublished": strconv.Itoa(st.Year),
		"description":   oneLine(st.Summary),
	}
	switch item.Type {
	case "article-journal":
		if item.ContainerTitle != "" {
			// the article is part of an issue, of a volume, of the journal: as far as stated
			part := map[string]any{"@type": "Periodical", "name": item.ContainerTitle}
			if item.Volume != "" {
				part = map[string]any{"@type": "PublicationVolume", "volumeNumber": item.Volume, "isPartOf": part}
			}
			if item.Issue != "" {
				part = map[string]any{"@type": "PublicationIssue", "issueNumber": item.Issue, "isPartOf": part}
			}
			ld["isPartOf"] = part
		}
		if first, last, _ := strings.Cut(item.Page, "-"); first != "" {
			ld["pageStart"] = first
			if last != "" {
				ld["pageEnd"] = last
			}
		}
	case "report":
		if item.Publisher != "" {
			ld["publisher"] = map[string]any{"@type": "Organization", "name": item.Publisher}
		}
	case "chapter":
		if item.ContainerTitle != "" {
			ld["isPartOf"] = map[string]any{"@type": "Book", "name": item.ContainerTitle}
		}
	}
	if item.DOI != "" {
		ld["identifier"] = map[string]any{"@type": "PropertyValue", "propertyID": "DOI", "value": item.DOI}
		ld["sameAs"] = "https://doi.org/" + item.DOI
	}
	return ld
}

// oneLine collapses runs of white space, line breaks included, to one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
