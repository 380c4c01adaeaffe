package export

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"time"
)

// Feed is a list query as a feed a reader subscribes to: its records, newest change first.
// It writes as Atom (RFC 4287) or JSON Feed 1.1.
type Feed struct {
	ID          string // the feed's own address, stable for the query: its atom:id
	Title       string
	Description string
	HomeURL     string // the site's home page
	Author      string // who publishes the feed
	Updated     time.Time
	Entries     []FeedEntry
}

// FeedEntry is one record in a feed.
type FeedEntry struct {
	ID      string // stable for the record across changes: its page's address
	URL     string // the record's page
	Title   string
	Summary string // a short summary of the record
	Content string // the record's summary in full, for interventions with the evidence summary
	// Change says what the entry's date is: ChangeCreated or ChangeChanged.
	Change  string
	Updated time.Time
	Tags    []string
}

// What a feed entry's date records: the record was created (added to the evidence base),
// or changed by a curator or an import.
const (
	ChangeCreated = "created"
	ChangeChanged = "changed"
)

// changeScheme names the categories that say which kind of change dated an entry.
const changeScheme = "urn:evidence-kb:change"

// atomFeed and atomEntry are the elements RFC 4287 requires (id, title, updated; an author
// for the feed, which every entry inherits; a link or content per entry) and those a
// reader shows.
type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    atomText    `xml:"title"`
	Subtitle *atomText   `xml:"subtitle"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Link       atomLink       `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
	Content    *atomText      `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Scheme string `xml:"scheme,attr,omitempty"`
	Term   string `xml:"term,attr"`
	Label  string `xml:"label,attr,omitempty"`
}

// atomTime is RFC 3339 as RFC 4287 §3.3 requires, in UTC.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// WriteAtom writes f as an Atom feed document.
func WriteAtom(w io.Writer, f Feed) error {
	doc := atomFeed{
		Lang: "en-GB", ID: f.ID, Title: atomText{Type: "text", Text: f.Title}, Updated: atomTime(f.Updated),
		Author: atomPerson{Name: f.Author, URI: f.HomeURL},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: f.ID},
			{Rel: "alternate", Type: "text/html", Href: f.HomeURL},
		},
		Entries: make([]atomEntry, len(f.Entries)),
	}
	if f.Description != "" {
		doc.Subtitle = &atomText{Type: "text", Text: f.Description}
	}
	for i, e := range f.Entries {
		entry := atomEntry{
			ID: e.ID, Title: atomText{Type: "text", Text: e.Title}, Updated: atomTime(e.Updated),
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: e.URL},
			Summary: atomText{Type: "text", Text: e.Summary},
		}
		if e.Change == ChangeCreated {
			entry.Published = entry.Updated
		}
		entry.Categories = append(entry.Categories, atomCategory{Scheme: changeScheme, Term: e.Change, Label: changeLabel(e.Change)})
		for _, t := range e.Tags {
			entry.Categories = append(entry.Categories, atomCategory{Term: t})
		}
		if e.Content != "" {
			entry.Content = &atomText{Type: "text", Text: e.Content}
		}
		doc.Entries[i] = entry
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func changeLabel(change string) string {
	if change == ChangeCreated {
		return "Added"
	}
	return "Changed"
}

// JSONFeed is a feed in JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type JSONFeed struct {
	Version     string           `json:"version"`
	Title       string           `json:"title"`
	HomePageURL string           `json:"home_page_url"`
	FeedURL     string           `json:"feed_url"`
	Description string           `json:"description,omitempty"`
	Language    string           `json:"language"`
	Authors     []JSONFeedAuthor `json:"authors"`
	Items       []JSONFeedItem   `json:"items"`
}

// JSONFeedAuthor is who publishes a JSON feed.
type JSONFeedAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// JSONFeedItem is one record of a JSON feed. Change is the feed's extension (JSON Feed
// extensions start with an underscore): what dated the item.
type JSONFeedItem struct {
	ID            string         `json:"id"`
	URL           string         `json:"url"`
	Title         string         `json:"title"`
	Summary       string         `json:"summary"`
	ContentText   string         `json:"content_text"`
	DatePublished string         `json:"date_published,omitempty"`
	DateModified  string         `json:"date_modified"`
	Tags          []string       `json:"tags,omitempty"`
	Change        JSONFeedChange `json:"_change"`
}

// JSONFeedChange says what dated a feed item: its creation or its last change, and when.
type JSONFeedChange struct {
	Type string `json:"type"`
	At   string `json:"at"`
}

// JSONFeedOf is f as a JSON Feed document.
func JSONFeedOf(f Feed) JSONFeed {
	doc := JSONFeed{
		Version: "https://jsonfeed.org/version/1.1", Title: f.Title, HomePageURL: f.HomeURL, FeedURL: f.ID,
		Description: f.Description, Language: "en-GB", Authors: []JSONFeedAuthor{{Name: f.Author, URL: f.HomeURL}},
		Items: make([]JSONFeedItem, len(f.Entries)),
	}
	for i, e := range f.Entries {
		at := atomTime(e.Updated)
		item := JSONFeedItem{ID: e.ID, URL: e.URL, Title: e.Title, Summary: e.Summary, ContentText: e.Content,
			DateModified: at, Tags: e.Tags, Change: JSONFeedChange{Type: e.Change, At: at}}
		if item.ContentText == "" {
			item.ContentText = e.Summary // JSON Feed: every item has content
		}
		if e.Change == ChangeCreated {
			item.DatePublished = at
		}
		doc.Items[i] = item
	}
	return doc
}

// WriteJSONFeed writes f as a JSON Feed document.
func WriteJSONFeed(w io.Writer, f Feed) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(JSONFeedOf(f))
}
