package api

import (
	"bytes"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// The feed formats of the list endpoints: a list's query as a feed a reader subscribes to.
var (
	formatAtom     = format{"atom", "application/atom+xml", "atom"}
	formatJSONFeed = format{"jsonfeed", "application/feed+json", "json"}
)

// feedLength is how many records a feed carries: the most recently changed that match.
const feedLength = 50

// feedParams are the parameters a feed takes: the list's query, without its order (a feed
// is newest change first), paging, facets or fieldsets.
var feedParams = []string{"filter", "q", "format"}

// feedSource is one record kind as feeds show it.
type feedSource[T any] struct {
	kind       string // as the audit log names it
	collection string // as URLs name its records
	title      string // of a feed of all its records
	all        func(*catalog.Catalog, catalog.Query) (iter.Seq[T], int, error)
	id         func(*T) string
	entry      func(*catalog.Catalog, *T) export.FeedEntry // title, summary, content and tags
}

var (
	studyFeed = feedSource[models.Study]{
		kind: catalog.StudyKind.Name, collection: catalog.StudyKind.Collection, title: "Studies",
		all: (*catalog.Catalog).StudiesAll,
		id:  func(st *models.Study) string { return st.ID },
		entry: func(_ *catalog.Catalog, st *models.Study) export.FeedEntry {
			return export.FeedEntry{Title: st.Title, Summary: st.Summary, Tags: st.Themes}
		},
	}
	interventionFeed = feedSource[models.Intervention]{
		kind: catalog.InterventionKind.Name, collection: catalog.InterventionKind.Collection, title: "Interventions",
		all: (*catalog.Catalog).InterventionsAll,
		id:  func(iv *models.Intervention) string { return iv.ID },
		entry: func(cat *catalog.Catalog, iv *models.Intervention) export.FeedEntry {
			evidence := cat.EvidenceSummary(iv).Statement
			return export.FeedEntry{Title: iv.Name, Summary: iv.Summary,
				Content: iv.Summary + "\n\nWhat the studies found: " + evidence, Tags: iv.Themes}
		},
	}
)

// serveFeed answers a list request in a feed format: the records the list's filter and q
// match, the most recently changed first, each dated by its last entry in the audit log
// (or, never changed, by when the store was seeded) and saying which. The list's ETag
// makes an unchanged feed 304; Last-Modified, its newest entry's date, does too.
func serveFeed[T any](s *Server, c *gin.Context, f format, src feedSource[T]) {
	raw := c.Request.URL.Query()
	for _, name := range append(slices.Clone(listParams), "bom") {
		if raw.Has(name) && !slices.Contains(feedParams, name) {
			s.fail(c, models.Invalid(name, fmt.Sprintf("does not apply to format=%s: a feed takes filter and q, and lists the %d most recently changed records that match", f.name, feedLength)))
			return
		}
	}
	p, err := httpio.ParseParams(raw, feedParams...)
	if err != nil {
		s.fail(c, err)
		return
	}
	cat := s.snapshot(c)
	ctx, cancel := edge.QueryContext(c)
	defer cancel()
	records, total, err := src.all(cat, catalog.Query{Filter: p.Str("filter"), Search: p.Str("q"), Context: ctx})
	if err != nil {
		edge.QueryDone(c)
		s.fail(c, err)
		return
	}
	matched := make([]T, 0, total)
	position := make(map[string]int, total)
	for rec := range records {
		position[src.id(&rec)] = len(matched)
		matched = append(matched, rec)
	}
	edge.QueryDone(c)
	if err := ctx.Err(); err != nil {
		s.fail(c, err)
		return
	}
	changes, err := s.store.LatestChanges(ctx, src.kind, func(id string) bool { _, ok := position[id]; return ok }, feedLength)
	if err != nil {
		s.fail(c, err)
		return
	}
	seededAt, err := s.store.SeededAt(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}

	base := httpio.BaseURL(c.Request)
	entry := func(rec *T, at time.Time, change string) export.FeedEntry {
		e := src.entry(cat, rec)
		e.ID = base + httpio.RecordPagePath(src.collection, src.id(rec))
		e.URL, e.Updated, e.Change = e.ID, at, change
		return e
	}
	feed := export.Feed{
		ID: feedURL(c, p), Title: feedTitle(src.title, p), HomeURL: base + "/", Author: "Parental engagement: what works",
		Description: fmt.Sprintf("The %d most recently added or changed of the %d records that match, newest first, from the evidence base on parental engagement in children's learning (studies published 2008–2014).", min(feedLength, total), total),
		Updated:     seededAt,
	}
	changed := make(map[string]bool, len(changes))
	for _, ch := range changes {
		kind := export.ChangeChanged
		if ch.Created {
			kind = export.ChangeCreated
		}
		feed.Entries = append(feed.Entries, entry(&matched[position[ch.ID]], ch.At, kind))
		changed[ch.ID] = true
	}
	// then the records no write has touched, in the list's order, dated by the seed
	for i := 0; i < len(matched) && len(feed.Entries) < feedLength; i++ {
		if !changed[src.id(&matched[i])] {
			feed.Entries = append(feed.Entries, entry(&matched[i], seededAt, export.ChangeCreated))
		}
	}
	if len(feed.Entries) > 0 {
		feed.Updated = feed.Entries[0].Updated
	}
	writeFeed(c, f, feed)
}

// writeFeed sends feed in f, unless the client's copy is as new (If-Modified-Since, which
// If-None-Match overrides, RFC 9110 §13.1.3).
func writeFeed(c *gin.Context, f format, feed export.Feed) {
	modified := feed.Updated.UTC().Truncate(time.Second)
	c.Header("Last-Modified", modified.Format(http.TimeFormat))
	if since, err := http.ParseTime(c.GetHeader("If-Modified-Since")); err == nil && c.GetHeader("If-None-Match") == "" && !modified.After(since) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	var body bytes.Buffer
	var err error
	if f == formatAtom {
		err = export.WriteAtom(&body, feed)
	} else {
		err = export.WriteJSONFeed(&body, feed)
	}
	if err != nil {
		httpio.WriteProblem(c, http.StatusInternalServerError, "the feed could not be written: "+err.Error(), nil)
		return
	}
	c.Data(http.StatusOK, f.contentType(), body.Bytes())
}

// feedURL is the feed's own address, its parameters in canonical order: the feed's id.
func feedURL(c *gin.Context, p httpio.Params) string {
	q := url.Values{}
	for _, name := range feedParams {
		if v := p.Str(name); v != "" {
			q.Set(name, v)
		}
	}
	return httpio.AbsoluteURL(c.Request, c.Request.URL.Path, q)
}

// feedTitle names a feed by its query, as a reader's list of subscriptions shows it.
func feedTitle(records string, p httpio.Params) string {
	var parts []string
	if q := p.Str("q"); q != "" {
		parts = append(parts, "“"+q+"”")
	}
	if filter := p.Str("filter"); filter != "" {
		parts = append(parts, filter)
	}
	title := records
	if len(parts) > 0 {
		title += " matching " + strings.Join(parts, ", ")
	}
	return title + " · Parental engagement: what works"
}

// isFeed says whether f is a feed format.
func (f format) isFeed() bool { return f == formatAtom || f == formatJSONFeed }
