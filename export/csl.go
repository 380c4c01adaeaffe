package export

import (
	"io"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// CSLItem is one reference in CSL-JSON, the input of citeproc processors (Zotero, Mendeley,
// pandoc, citeproc-js), per the CSL 1.0.2 schema. ID is the citation key, so pandoc's
// [@key] cites it.
type CSLItem struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	Title          string    `json:"title"`
	Author         []CSLName `json:"author"`
	Issued         CSLDate   `json:"issued"`
	ContainerTitle string    `json:"container-title,omitempty"`
	Publisher      string    `json:"publisher,omitempty"`
	Volume         string    `json:"volume,omitempty"`
	Issue          string    `json:"issue,omitempty"`
	Page           string    `json:"page,omitempty"`
	DOI            string    `json:"DOI,omitempty"`
	URL            string    `json:"URL,omitempty"`
	Abstract       string    `json:"abstract,omitempty"`
}

// CSLName is a person (family and given names) or an organisation (literal).
type CSLName struct {
	Family  string `json:"family,omitempty"`
	Given   string `json:"given,omitempty"`
	Literal string `json:"literal,omitempty"`
}

// CSLDate is a CSL date; the review records years only.
type CSLDate struct {
	DateParts [][]int `json:"date-parts"`
}

var cslTypes = map[kind]string{kindArticle: "article-journal", kindReport: "report", kindChapter: "chapter", kindOther: "document"}

// NewCSLJSON writes studies as a CSL-JSON array, one item per line. Even one study is an
// array, the form citeproc processors and pandoc read as a bibliography file.
func NewCSLJSON(w io.Writer, keys Keys) Encoder[models.Study] {
	s := newStream(w, func(st models.Study) (string, error) {
		line, err := marshal(cslItem(st, keys.Of(st)))
		return strings.TrimSuffix(line, "\n"), err
	})
	s.open, s.sep, s.close = "[", ",\n", "]\n"
	return s
}

// cslItem converts a study to a CSL-JSON item with the given citation key.
func cslItem(s models.Study, key string) CSLItem {
	k, v := kindOf(s), parseVenue(s.Venue)
	item := CSLItem{
		ID:       key,
		Type:     cslTypes[k],
		Title:    s.Title,
		Author:   make([]CSLName, len(s.Authors)),
		Issued:   CSLDate{DateParts: [][]int{{s.Year}}},
		DOI:      deref(s.DOI),
		URL:      deref(s.URL),
		Abstract: s.Summary,
	}
	for i, n := range parseNames(s.Authors) {
		item.Author[i] = CSLName{Family: n.family, Given: n.given, Literal: n.literal}
	}
	switch k {
	case kindArticle:
		item.ContainerTitle, item.Volume, item.Issue, item.Page = v.name, v.volume, v.issue, v.pages
	case kindChapter:
		item.ContainerTitle = v.name
	default:
		item.Publisher = v.name
	}
	return item
}
