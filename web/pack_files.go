package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/gomutex/godocx"
	"github.com/gomutex/godocx/docx"
	"github.com/gomutex/godocx/wml/ctypes"

	"github.com/evidence-kb/parental-engagement/export"
)

// The pack's downloads. Each writes the same rows, in the strategy statement's columns,
// and states the dataset version and the day the pack was made.

// intro is what a download says before its rows: where it comes from, when, and what plan
// it is laid out for.
func (p *pack) intro() []string {
	return []string{
		fmt.Sprintf("Made on %s from Parental engagement: what works, dataset version %s.", p.Made, p.Version),
		fmt.Sprintf("Laid out for the %s, under %s.", p.Variant.Plan, p.Variant.Under),
		p.Variant.Note,
		"Cost: not reported in this review. Challenge numbers are those entered for the pack, if any.",
	}
}

func (p *pack) title() string {
	return "Evidence pack: " + plural(len(p.Rows), "intervention", "interventions")
}

// markdown is the pack as a Markdown document: its rows as one pipe table, each cell on
// one line, the evidence cell's paragraphs separated by <br>.
func (p *pack) markdown() string {
	var b strings.Builder
	b.WriteString("# " + mdText(p.title()) + "\n\n")
	for _, line := range p.intro() {
		b.WriteString(guardStart(mdText(line)) + "\n\n")
	}
	b.WriteString("This pack online: " + mdURL(p.URL) + "\n\n")
	b.WriteString("## " + mdText(p.Variant.GroupKind+": "+p.Variant.Group) + "\n\n")
	b.WriteString("| " + strings.Join(packColumns[:], " | ") + " |\n| --- | --- | --- |\n")
	for _, r := range p.Rows {
		var cell []string
		for _, pa := range p.evidence(r) {
			var s strings.Builder
			if pa.Check {
				s.WriteString(checkBox + " ")
			}
			for _, sp := range pa.Spans {
				if sp.URL != "" {
					s.WriteString(mdLink(sp.Text, sp.URL))
				} else {
					s.WriteString(mdRun(sp.Text))
				}
			}
			cell = append(cell, s.String())
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(mdLink(r.Activity, r.Page)), mdCell(strings.Join(cell, "<br>")), mdCell(mdText(r.Challenges)))
	}
	return b.String()
}

// mdRun is a run of plain text within a line of Markdown: as mdText, but the spaces
// that join it to the runs beside it are kept.
func mdRun(s string) string { return mdEscaper.Replace(strings.Join(strings.Split(s, "\n"), " ")) }

// mdCell keeps a table cell's text from ending the cell.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// packCSVColumns are the CSV's columns: the statement's three, then what the plan groups
// the row under and where it came from, on every row so that a sheet sorted or filtered
// keeps them.
func (p *pack) csvColumns() []export.Column[packRow] {
	return []export.Column[packRow]{
		{Name: packColumns[0], Value: func(r packRow) string { return r.Activity }},
		{Name: packColumns[1], Value: p.evidenceText},
		{Name: packColumns[2], Value: func(r packRow) string { return r.Challenges }},
		{Name: p.Variant.GroupKind, Value: func(packRow) string { return p.Variant.Group }},
		{Name: "Page", Value: func(r packRow) string { return r.Page }},
		{Name: "Dataset version", Value: func(packRow) string { return p.Version }},
		{Name: "Made on", Value: func(packRow) string { return p.Made }},
	}
}

// csv is the pack as CSV for a spreadsheet: a UTF-8 byte order mark (Excel needs it to
// read UTF-8), a header row, a row per intervention, the evidence cell's paragraphs on
// lines of their own within it.
func (p *pack) csv() ([]byte, error) {
	var b bytes.Buffer
	enc := export.NewCSV(&b, p.csvColumns(), true)
	for _, r := range p.Rows {
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// A4 in twentieths of a point, and margins of 2 cm.
const (
	a4Width, a4Height = 11906, 16838
	docxMargin        = 1134
)

// docx is the pack as a Word document, written with github.com/gomutex/godocx: a title,
// where it comes from, and the rows as one table in the statement's columns, on A4.
func (p *pack) docx() ([]byte, error) {
	doc, err := godocx.NewDocument()
	if err != nil {
		return nil, err
	}
	if _, err := doc.AddHeading(p.title(), 1); err != nil {
		return nil, err
	}
	for _, line := range p.intro() {
		doc.AddParagraph(line)
	}
	online := doc.AddParagraph("This pack online: ")
	online.AddLink(p.URL, p.URL)
	if _, err := doc.AddHeading(p.Variant.GroupKind+": "+p.Variant.Group, 2); err != nil {
		return nil, err
	}
	table := doc.AddTable()
	table.Style("TableGrid")
	table.Grid(2200, 5538, 1900) // the page's width between its margins
	head := table.AddRow()
	for _, name := range packColumns {
		head.AddCell().AddEmptyPara().AddText(name).Bold(true)
	}
	for _, r := range p.Rows {
		row := table.AddRow()
		row.AddCell().AddEmptyPara().AddLink(r.Activity, r.Page)
		cell := row.AddCell()
		for _, pa := range p.evidence(r) {
			docxPara(cell.AddEmptyPara(), pa)
		}
		row.AddCell().AddParagraph(r.Challenges)
	}
	width, height := uint64(a4Width), uint64(a4Height)
	body := doc.Document.Body
	if body.SectPr == nil {
		body.SectPr = ctypes.NewSectionProper()
	}
	body.SectPr.PageSize = &ctypes.PageSize{Width: &width, Height: &height}
	margin, edge := docxMargin, 709
	body.SectPr.PageMargin = &ctypes.PageMargin{Top: &margin, Bottom: &margin, Left: &margin, Right: &margin, Header: &edge, Footer: &edge}
	p.docxProperties(doc)
	var b bytes.Buffer
	if err := doc.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// docxPara writes a paragraph of the evidence cell, its links as hyperlinks.
func docxPara(to *docx.Paragraph, pa para) {
	if pa.Check {
		to.AddText(checkBox + " ")
	}
	for _, s := range pa.Spans {
		if s.URL != "" {
			to.AddLink(s.Text, s.URL)
		} else {
			to.AddText(s.Text)
		}
	}
}

// docxProperties replaces the template's document properties (its author, a date of
// 2013, a thumbnail of another document) with the pack's own.
func (p *pack) docxProperties(doc *docx.RootDoc) {
	doc.FileMap.Delete("docProps/thumbnail.jpeg")
	rels := doc.RootRels.Relationships[:0]
	for _, r := range doc.RootRels.Relationships {
		if r.Target != "docProps/thumbnail.jpeg" {
			rels = append(rels, r)
		}
	}
	doc.RootRels.Relationships = rels
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	core := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(p.title()) + `</dc:title>` +
		`<dc:creator>Parental engagement: what works</dc:creator>` +
		`<dc:description>` + esc("Dataset version "+p.Version+". "+p.URL) + `</dc:description>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + p.Made + `T00:00:00Z</dcterms:created>` +
		`<dcterms:modified xsi:type="dcterms:W3CDTF">` + p.Made + `T00:00:00Z</dcterms:modified>` +
		`</cp:coreProperties>`
	doc.FileMap.Store("docProps/core.xml", []byte(core))
}
