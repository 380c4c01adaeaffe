package api_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
)

// atomDoc reads the parts of an Atom feed RFC 4287 requires, and those a reader shows.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Authors []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links   []atomLink `xml:"link"`
	Entries []struct {
		ID         string     `xml:"id"`
		Title      string     `xml:"title"`
		Updated    string     `xml:"updated"`
		Published  string     `xml:"published"`
		Summary    string     `xml:"summary"`
		Content    string     `xml:"content"`
		Links      []atomLink `xml:"link"`
		Categories []struct {
			Scheme string `xml:"scheme,attr"`
			Term   string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

// feedEntry is what the tests compare across both formats: a record, its date and what
// dated it.
type feedEntry struct {
	id, change string
	at         time.Time
}

// readAtom checks an Atom feed against RFC 4287's required elements (atom:id, atom:title,
// atom:updated in RFC 3339 on the feed and each entry; an author on the feed, which its
// entries inherit; an alternate link on each entry, which has no content by reference)
// and returns its entries.
func readAtom(t *testing.T, body []byte) (atomDoc, []feedEntry) {
	t.Helper()
	var doc atomDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not an Atom document: %v\n%.300s", err, body)
	}
	rfc3339 := func(what, s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Errorf("%s: %q is not an RFC 3339 date: %v", what, s, err)
		}
		return at
	}
	if doc.ID == "" || doc.Title == "" || len(doc.Authors) == 0 || doc.Authors[0].Name == "" {
		t.Errorf("feed lacks id, title or author: %+v", doc)
	}
	rfc3339("feed updated", doc.Updated)
	if !slices.ContainsFunc(doc.Links, func(l atomLink) bool { return l.Rel == "self" && l.Href == doc.ID }) {
		t.Errorf("feed has no rel=self link to itself: %+v", doc.Links)
	}
	var out []feedEntry
	for _, e := range doc.Entries {
		if e.ID == "" || e.Title == "" || e.Summary == "" {
			t.Errorf("entry lacks id, title or summary: %+v", e)
		}
		if len(e.Links) != 1 || e.Links[0].Rel != "alternate" || e.Links[0].Href != e.ID {
			t.Errorf("entry %s: links %+v; want one alternate link to its page", e.ID, e.Links)
		}
		change := ""
		for _, c := range e.Categories {
			if c.Scheme == "urn:evidence-kb:change" {
				change = c.Term
			}
		}
		at := rfc3339("entry updated", e.Updated)
		if change == export.ChangeCreated && e.Published != e.Updated {
			t.Errorf("entry %s created at %s but published %q", e.ID, e.Updated, e.Published)
		}
		out = append(out, feedEntry{id: e.ID, change: change, at: at})
	}
	return doc, out
}

// readJSONFeed reads a JSON feed (the contract check has held it to the spec's JSON Feed
// 1.1 schema) and returns its entries.
func readJSONFeed(t *testing.T, body []byte) (export.JSONFeed, []feedEntry) {
	t.Helper()
	var doc export.JSONFeed
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" || doc.Title == "" || len(doc.Items) == 0 && doc.FeedURL == "" {
		t.Errorf("feed: version %q, title %q, feed_url %q", doc.Version, doc.Title, doc.FeedURL)
	}
	var out []feedEntry
	for _, it := range doc.Items {
		at, err := time.Parse(time.RFC3339, it.DateModified)
		if err != nil || it.Change.At != it.DateModified {
			t.Errorf("item %s: date_modified %q, _change.at %q", it.ID, it.DateModified, it.Change.At)
		}
		out = append(out, feedEntry{id: it.ID, change: it.Change.Type, at: at})
	}
	return doc, out
}

// feed fetches a list's feed in both formats, checks each, and returns the entries, which
// must be the same in both.
func feed(t *testing.T, srv http.Handler, list, filter, q string) []feedEntry {
	t.Helper()
	var entries [2][]feedEntry
	for i, format := range []string{"atom", "jsonfeed"} {
		v := url.Values{"format": {format}}
		if filter != "" {
			v.Set("filter", filter)
		}
		if q != "" {
			v.Set("q", q)
		}
		rec := apitest.Get(t, srv, list+"?"+v.Encode())
		if rec.Code != http.StatusOK {
			t.Fatalf("%s?%s: %d %s", list, v.Encode(), rec.Code, rec.Body)
		}
		if _, err := http.ParseTime(rec.Header().Get("Last-Modified")); err != nil || rec.Header().Get("ETag") == "" {
			t.Errorf("%s: Last-Modified %q, ETag %q", format, rec.Header().Get("Last-Modified"), rec.Header().Get("ETag"))
		}
		if format == "atom" {
			if ct := rec.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
				t.Errorf("atom Content-Type %q", ct)
			}
			_, entries[i] = readAtom(t, rec.Body.Bytes())
		} else {
			if ct := rec.Header().Get("Content-Type"); ct != "application/feed+json" {
				t.Errorf("jsonfeed Content-Type %q", ct)
			}
			_, entries[i] = readJSONFeed(t, rec.Body.Bytes())
		}
	}
	if !slices.Equal(entries[0], entries[1]) {
		t.Errorf("atom and jsonfeed differ:\n%v\n%v", entries[0], entries[1])
	}
	for i := 1; i < len(entries[0]); i++ {
		if entries[0][i].at.After(entries[0][i-1].at) {
			t.Errorf("entries not newest first: %v before %v", entries[0][i-1], entries[0][i])
		}
	}
	return entries[0]
}

func ids(entries []feedEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.id[strings.LastIndex(e.id, "/")+1:]
	}
	return out
}

// A feed lists the records its query matches, as many as the list has up to 50, each
// linking to its page; on a store no one has written to, each is dated by the seed.
func TestFeedsFollowAListsQuery(t *testing.T) {
	srv := apitest.NewServer(t)
	list := apitest.Decode[anyList](t, apitest.Get(t, srv, "/api/v1/studies?filter=disadvantage:eal&per_page=100"))
	entries := feed(t, srv, "/api/v1/studies", "disadvantage:eal", "")
	if len(entries) != min(*list.Meta.Total, 50) || len(entries) == 0 {
		t.Fatalf("feed has %d entries; the list %d records", len(entries), *list.Meta.Total)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.id, "http://example.com/studies/") || e.change != export.ChangeCreated {
			t.Errorf("entry %+v: want a study page, created", e)
		}
	}
	all := feed(t, srv, "/api/v1/interventions", "", "")
	if len(all) != 33 {
		t.Errorf("the interventions' feed has %d entries; want all 33", len(all))
	}
	if got := feed(t, srv, "/api/v1/interventions", "", "Tripple P"); len(got) != 0 {
		t.Errorf("a search that finds nothing has a feed of %d entries", len(got))
	}
	// a feed has its own order and no pages
	for _, param := range []string{"page=2", "sort=title", "per_page=10", "facets=theme", "fields=id", "cursor=*"} {
		name := param[:strings.Index(param, "=")]
		apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies?format=atom&"+param), http.StatusBadRequest, name)
	}
	apitest.WantProblem(t, apitest.Get(t, srv, "/api/v1/studies?format=jsonfeed&filter=nonsense:1"), http.StatusBadRequest, "filter")
	// a feed reader asks by media type
	req := httptest.NewRequest(http.MethodGet, "/api/v1/interventions", nil)
	req.Header.Set("Accept", "application/atom+xml, application/rss+xml;q=0.9")
	if rec := apitest.Do(t, srv, req); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/atom+xml") {
		t.Errorf("Accept: application/atom+xml answered %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// A curator's change shows at once, first, in every feed whose query it matches, saying
// whether it created or changed the record, and in no feed it does not match.
func TestFeedsShowAWriteWhereItMatches(t *testing.T) {
	k := newCuration(t)
	s := newStudy("okafor-2012") // on engaging fathers, low-income families
	code, _, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, s)
	wantStatus(t, code, body, http.StatusCreated, "")
	got := feed(t, k.srv, "/api/v1/studies", "disadvantage:low-income", "")
	if len(got) == 0 || ids(got)[0] != "okafor-2012" || got[0].change != export.ChangeCreated {
		t.Fatalf("low-income feed after the create starts %v; want okafor-2012, created", got[:min(3, len(got))])
	}
	if got := feed(t, k.srv, "/api/v1/studies", "", "zebrafinch"); !slices.Equal(ids(got), []string{"okafor-2012"}) {
		t.Errorf("a search for the new study's word has %v", ids(got))
	}
	if got := feed(t, k.srv, "/api/v1/studies", "disadvantage:eal", ""); slices.Contains(ids(got), "okafor-2012") {
		t.Errorf("the EAL feed has the new study, which is not about EAL")
	}

	_, etag := k.intervention("triple-p")
	code, _, body = k.do(http.MethodPatch, "/api/v1/interventions/triple-p", k.curator, patchType, `{"aliases": ["Triple P", "Positive Parenting Program"]}`, "If-Match", etag)
	wantStatus(t, code, body, http.StatusOK, "")
	got = feed(t, k.srv, "/api/v1/interventions", "", "")
	if ids(got)[0] != "triple-p" || got[0].change != export.ChangeChanged || got[0].at.Before(got[1].at) {
		t.Errorf("interventions' feed after the patch starts %v", got[:2])
	}
	rec := apitest.Get(t, k.srv, "/api/v1/interventions?format=jsonfeed")
	doc, _ := readJSONFeed(t, rec.Body.Bytes())
	if !strings.Contains(doc.Items[0].ContentText, "What the studies found: ") {
		t.Errorf("an intervention's item has no evidence summary: %q", doc.Items[0].ContentText)
	}
	// a deleted study leaves every feed
	_, etag = k.study("okafor-2012")
	code, _, body = k.do(http.MethodDelete, "/api/v1/studies/okafor-2012", k.curator, "", nil, "If-Match", etag)
	wantStatus(t, code, body, http.StatusNoContent, "")
	if got := feed(t, k.srv, "/api/v1/studies", "disadvantage:low-income", ""); slices.Contains(ids(got), "okafor-2012") {
		t.Errorf("the deleted study is still in the feed")
	}
}

// An unchanged feed is 304 to a reader that has it, by ETag or by date; a write changes it.
func TestFeedsAnswerConditionalGets(t *testing.T) {
	k := newCuration(t)
	const target = "/api/v1/studies?format=atom&filter=theme:engaging-with-fathers"
	first := apitest.Get(t, k.srv, target)
	etag, modified := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	conditional := func(header, value string) int {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set(header, value)
		return apitest.Do(t, k.srv, req).Code
	}
	if code := conditional("If-None-Match", etag); code != http.StatusNotModified {
		t.Errorf("If-None-Match with the feed's ETag: %d", code)
	}
	if code := conditional("If-Modified-Since", modified); code != http.StatusNotModified {
		t.Errorf("If-Modified-Since its Last-Modified: %d", code)
	}
	if code := conditional("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"); code != http.StatusOK {
		t.Errorf("If-Modified-Since long ago: %d", code)
	}
	time.Sleep(1100 * time.Millisecond) // Last-Modified has whole seconds
	code, _, body := k.do(http.MethodPost, "/api/v1/studies", k.curator, jsonType, newStudy("okafor-2012"))
	wantStatus(t, code, body, http.StatusCreated, "")
	if code := conditional("If-None-Match", etag); code != http.StatusOK {
		t.Errorf("If-None-Match after a write to the feed: %d", code)
	}
	if code := conditional("If-Modified-Since", modified); code != http.StatusOK {
		t.Errorf("If-Modified-Since after a write to the feed: %d", code)
	}
}
