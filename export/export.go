// Package export writes studies and interventions in the formats researchers take them
// away in: CSV and NDJSON tables of any list, and citations of studies in BibTeX, RIS,
// CSL-JSON and an APA 7th reference list. It is pure formatting over the models, with no
// HTTP and no store, so every format is tested here on its own.
//
// Each format is an Encoder that writes one record at a time, so an export of any size
// streams in constant memory.
package export

import (
	"regexp"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// Encoder writes records of one kind in one format, one at a time.
type Encoder[T any] interface {
	// Encode writes one record.
	Encode(T) error
	// Close writes whatever ends the document and flushes. A document with no records is
	// still a valid (empty) file, so Close is always called.
	Close() error
}

// kind is what a study is as a citation: each format has its own name for each kind.
type kind int

const (
	kindArticle kind = iota // in a journal
	kindReport              // a report of a government, funder or research body
	kindChapter             // a chapter of an edited book
	kindOther               // anything else: theses, conference papers, practice sheets
)

// kindOf classifies a study by its publication type. Reviews and meta-analyses are
// published either in journals or as reports, so their venue decides.
func kindOf(s models.Study) kind {
	switch s.Type {
	case "journal-article":
		return kindArticle
	case "government-report", "evaluation-report":
		return kindReport
	case "book-chapter":
		return kindChapter
	case "systematic-review", "meta-analysis":
		if s.DOI != nil || parseVenue(s.Venue).volume != "" {
			return kindArticle
		}
		return kindReport
	}
	return kindOther
}

// venue is a study's venue split into the parts a citation needs.
type venue struct {
	name, volume, issue, pages string
}

// venuePattern reads the curated form of a journal venue: "Name, 33(1), 74-89", where the
// issue and the pages may be missing.
var venuePattern = regexp.MustCompile(`^(.+?), (\d+)(?:\((\d+)\))?(?:, (\d+(?:[-–]\d+)?))?$`)

// parseVenue splits a journal venue into name, volume, issue and pages; any other venue is
// a name alone.
func parseVenue(v *string) venue {
	if v == nil {
		return venue{}
	}
	m := venuePattern.FindStringSubmatch(*v)
	if m == nil {
		return venue{name: *v}
	}
	return venue{name: m[1], volume: m[2], issue: m[3], pages: strings.ReplaceAll(m[4], "–", "-")}
}

// firstPage and lastPage split a page range "74-89"; a single page is its own first page.
func (v venue) firstPage() string {
	first, _, _ := strings.Cut(v.pages, "-")
	return first
}

func (v venue) lastPage() string {
	_, last, _ := strings.Cut(v.pages, "-")
	return last
}

// deref returns the string p points to, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// oneLine collapses line breaks and tabs, which line-based formats cannot hold in a value.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
