package web

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// unAPI (unapi.info, version 1.0) lets a reference manager save the studies a page lists,
// several at once: the page names the server in its head (<link rel="unapi-server">) and
// marks each study with <abbr class="unapi-id" title="ID">; the server says which formats
// it has and serves each record in them. Zotero reads it before a page's meta tags, and
// offers a choice when a page marks two or more studies. The records are written by the
// API's own exporters (package export), with the same citation keys.
//
//	GET /unapi                       the formats (200, application/xml)
//	GET /unapi?id=ID                 the formats of that study (300 Multiple Choices)
//	GET /unapi?id=ID&format=F        the study in F (200); 404 for an unknown id, 406 for
//	                                 a format not offered
//
// The study pages themselves carry citation_* tags instead (citation.go), so there Zotero
// reads the page.

// unapiFormat is one format /unapi serves a study in.
type unapiFormat struct {
	Name      string `xml:"name,attr"`
	MediaType string `xml:"type,attr"`
	encoder   func(io.Writer, export.Keys) export.Encoder[models.Study]
}

// unapiFormats are the formats offered, by the names the API's format parameter uses, and
// its media types. Zotero takes RIS ("ris…") or BibTeX ("bibtex") by name.
var unapiFormats = []unapiFormat{
	{"ris", "application/x-research-info-systems", export.NewRIS},
	{"bibtex", "application/x-bibtex", export.NewBibTeX},
	{"csl-json", "application/vnd.citationstyles.csl+json", export.NewCSLJSON},
}

// unapiFormatList is the XML formats document; ID is set for one record's formats.
type unapiFormatList struct {
	XMLName xml.Name      `xml:"formats"`
	ID      string        `xml:"id,attr,omitempty"`
	Formats []unapiFormat `xml:"format"`
}

// unapiPath is the unAPI server's address, which list pages name in their head.
const unapiPath = "/unapi"

func (s *Site) unapi(c *gin.Context) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "id", "format")
	if err != nil {
		httpio.WriteError(c, s.log, err)
		return
	}
	id, name := p.Str("id"), p.Str("format")
	if id == "" {
		if p.Has("format") || p.Has("id") {
			httpio.WriteError(c, s.log, models.Invalid("id", "names the study to serve; without id, /unapi lists its formats and takes no format"))
			return
		}
		s.writeFormats(c, http.StatusOK, "")
		return
	}
	cat := s.snapshot(c)
	d, err := cat.Study(id)
	if err != nil {
		httpio.WriteError(c, s.log, err)
		return
	}
	if !p.Has("format") {
		s.writeFormats(c, http.StatusMultipleChoices, id)
		return
	}
	for _, f := range unapiFormats {
		if f.Name == name {
			s.writeRecord(c, f, d.Study, citationKeys(cat))
			return
		}
	}
	httpio.WriteProblem(c, http.StatusNotAcceptable, "/unapi does not serve the format "+strconv.Quote(name)+"; it serves "+strings.Join(formatNames(), ", "),
		[]models.FieldError{{Field: "format", Reason: "is not a format of /unapi", Valid: formatNames()}})
}

// writeRecord answers one study in format f, written by the API's exporter of f.
func (s *Site) writeRecord(c *gin.Context, f unapiFormat, st models.Study, keys export.Keys) {
	var b bytes.Buffer
	enc := f.encoder(&b, keys)
	err := enc.Encode(st)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		httpio.WriteError(c, s.log, err)
		return
	}
	contentType := f.MediaType
	if !strings.HasSuffix(contentType, "json") { // text formats say they are UTF-8, as the API's do
		contentType += "; charset=utf-8"
	}
	c.Data(http.StatusOK, contentType, b.Bytes())
}

// writeFormats answers the formats document, of the server or of one record.
func (s *Site) writeFormats(c *gin.Context, status int, id string) {
	body, err := xml.MarshalIndent(unapiFormatList{ID: id, Formats: unapiFormats}, "", "  ")
	if err != nil {
		httpio.WriteError(c, s.log, err)
		return
	}
	c.Data(status, "application/xml; charset=utf-8", append([]byte(xml.Header), append(body, '\n')...))
}

func formatNames() []string {
	out := make([]string, len(unapiFormats))
	for i, f := range unapiFormats {
		out[i] = f.Name
	}
	return out
}

// citationKeys are the citation keys of the snapshot cat, made once per snapshot and shared
// with the API's exports: a study has the same key in a download from either.
func citationKeys(cat *catalog.Catalog) export.Keys {
	return catalog.Derived(cat, export.KeysName, func() export.Keys { return export.NewKeys(cat.Dataset().Studies) })
}
