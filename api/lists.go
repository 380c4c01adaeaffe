package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// listParams are the query parameters every list endpoint takes.
var listParams = []string{"filter", "q", "sort", "page", "per_page", "cursor", "facets", "facet_mode", "total", "fields", "include"}

// serveList answers a JSON list endpoint: it parses the request, runs the query, turns each
// record into its list item and writes the page.
func serveList[R any, I listItem](s *Server, c *gin.Context, relations []string,
	query func(catalog.Query) (*catalog.Page[R], error), toItem func(listRequest, R, *Match) (I, error)) {
	r, err := parseList(c, reflect.TypeFor[I](), relations, "format", "bom")
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := edge.QueryContext(c)
	defer cancel()
	r.query.Context = ctx
	page, err := query(r.query)
	edge.QueryDone(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]I, len(page.Items))
	for i, rec := range page.Items {
		var m *Match
		if page.Matches != nil {
			m = toMatch(page.Matches[i])
		}
		if items[i], err = toItem(r, rec, m); err != nil {
			s.fail(c, err)
			return
		}
	}
	meta, links := pageMeta(c, r, page.Total, page.NextCursor, s.snapshot(c).Version())
	var dym *DidYouMean
	if d := page.DidYouMean; d != nil {
		dym = &DidYouMean{Q: d.Query, Total: d.Total}
	}
	if err := writeList(c, s.records.forSnapshot(s.snapshot(c), s.store.Catalog()), r, items, meta, links, dym, page.Facets); err != nil {
		s.fail(c, err)
	}
}

// listRequest is a parsed list request.
type listRequest struct {
	query   catalog.Query
	total   bool
	fields  []string
	include []string // related records to embed in each item
}

// parseList reads a list request; relations are the names include= accepts.
func parseList(c *gin.Context, itemType reflect.Type, relations []string, extra ...string) (listRequest, error) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), append(slices.Clone(listParams), extra...)...)
	if err != nil {
		return listRequest{}, err
	}
	var r listRequest
	r.query = catalog.Query{
		Filter: p.Str("filter"),
		Search: p.Str("q"),
		Sort:   p.Str("sort"),
		Cursor: p.Str("cursor"),
		Facets: p.List("facets"),
	}
	if r.query.FacetMode, err = p.Choice("facet_mode"); err != nil {
		return r, err
	}
	// checked here, not only where facets are counted: a mode without facets= is still a
	// value the spec does not allow
	if mode := r.query.FacetMode; mode != "" && mode != catalog.FacetsFiltered && mode != catalog.FacetsDisjunctive {
		return r, models.Invalid("facet_mode", fmt.Sprintf("%q is not a facet mode", mode), catalog.FacetsFiltered, catalog.FacetsDisjunctive)
	}
	if p.Has("cursor") && r.query.Cursor == "" {
		return r, models.Invalid("cursor", "must not be empty; start with cursor=*")
	}
	if r.query.Page, err = p.Int("page"); err != nil {
		return r, err
	}
	if r.query.PerPage, err = p.Int("per_page"); err != nil {
		return r, err
	}
	if r.total, err = p.Bool("total", true); err != nil {
		return r, err
	}
	r.include = p.List("include")
	for _, name := range r.include {
		if !slices.Contains(relations, name) {
			return r, models.Invalid("include", fmt.Sprintf("%q is not a relation of this record", name), relations...)
		}
	}
	r.fields = p.List("fields")
	if len(r.fields) > 0 {
		valid := jsonNames(itemType)
		for _, f := range r.fields {
			if !slices.Contains(valid, f) {
				return r, models.Invalid("fields", fmt.Sprintf("%q is not a field of this record", f), valid...)
			}
		}
	}
	return r, nil
}

// pageMeta builds the meta and links of a page and sets the Link header (RFC 8288). Every
// link is absolute, on the request's own scheme and host, and in one canonical form: the
// request's parameters in key order, with page (or cursor) always stated, so self is
// written as first, prev, next and last are.
func pageMeta(c *gin.Context, r listRequest, total int, nextCursor, version string) (ListMeta, Links) {
	// the page was checked when it was read (catalog.NewPaging); here only the defaults
	paging := catalog.Paging{Page: max(r.query.Page, 1), PerPage: cmp.Or(r.query.PerPage, catalog.DefaultPerPage)}
	meta := ListMeta{PerPage: paging.PerPage, DatasetVersion: version}
	if r.total {
		meta.Total = &total
	}
	req := c.Request
	with := func(key, value string) string {
		q := req.URL.Query()
		q.Set(key, value)
		return httpio.AbsoluteURL(req, req.URL.Path, q)
	}
	var links Links
	if r.query.Cursor != "" {
		links.Self = with("cursor", r.query.Cursor)
		links.First = with("cursor", catalog.FirstCursor)
		if nextCursor != "" {
			meta.NextCursor = &nextCursor
			links.Next = ptr(with("cursor", nextCursor))
		}
	} else {
		page := paging.Page
		meta.Page = &page
		links.Self = with("page", strconv.Itoa(page))
		links.First = with("page", "1")
		if page > 1 {
			links.Prev = ptr(with("page", strconv.Itoa(page-1)))
		}
		if paging.End()+paging.PerPage <= catalog.MaxOffset && paging.End() < total {
			links.Next = ptr(with("page", strconv.Itoa(page+1)))
		}
		if r.total {
			// an empty list is one empty page; offset paging reaches MaxOffset records only
			pages := paging.Pages(total)
			meta.Pages = &pages
			links.Last = ptr(with("page", strconv.Itoa(min(pages, max(1, catalog.MaxOffset/paging.PerPage)))))
		}
	}
	var header []string
	for rel, l := range map[string]*string{"first": &links.First, "prev": links.Prev, "next": links.Next, "last": links.Last} {
		if l != nil {
			header = append(header, fmt.Sprintf("<%s>; rel=%q", *l, rel))
		}
	}
	slices.Sort(header)
	c.Header("Link", strings.Join(header, ", "))
	return meta, links
}

func ptr[T any](v T) *T { return &v }

// pageParams reads page and per_page, with their defaults, for a list held in memory or
// read from the audit log. A page past MaxPage is refused here, before any offset is
// worked out from it.
func pageParams(p httpio.Params) (catalog.Paging, error) {
	page, err := p.Int("page")
	if err != nil {
		return catalog.Paging{}, err
	}
	perPage, err := p.Int("per_page")
	if err != nil {
		return catalog.Paging{}, err
	}
	return catalog.NewPaging(page, perPage)
}

// onlyPaging reads the parameters of a list that takes none but page and per_page.
func onlyPaging(c *gin.Context) (catalog.Paging, error) {
	p, err := httpio.ParseParams(c.Request.URL.Query(), "page", "per_page")
	if err != nil {
		return catalog.Paging{}, err
	}
	return pageParams(p)
}

// pageOf answers one page of a short list held in memory (a vocabulary, suggestions) in
// the list envelope: the page's items, its meta and its links. A page past the end is
// refused, as the engine's lists refuse it.
func pageOf[T any](s *Server, c *gin.Context, all []T, paging catalog.Paging) ([]T, ListMeta, Links, error) {
	if err := paging.Within(len(all)); err != nil {
		return nil, ListMeta{}, Links{}, err
	}
	meta, links := pageMeta(c, pagedRequest(paging), len(all), "", s.snapshot(c).Version())
	from, to := paging.Bounds(len(all))
	return slices.Clone(all[from:to]), meta, links, nil
}

// pagedRequest is the list request of an offset-paged list that takes no query.
func pagedRequest(paging catalog.Paging) listRequest {
	return listRequest{query: catalog.Query{Page: paging.Page, PerPage: paging.PerPage}, total: true}
}

// listBuffers keeps the buffers lists were written in for the next list: a list answer is
// tens of kilobytes, and a fresh buffer per request was most of what a list allocated, so
// most of the garbage collector's work. The response writer copies what it is given.
var listBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledList is the largest buffer kept: a rare large page is not held for ever.
const maxPooledList = 1 << 20

// writeList answers a list, keeping only the requested fields of each item when asked
// (sparse fieldsets). The body is assembled from each record's memoized encoding, since
// encoding long summaries anew is most of what a list page costs. did_you_mean is always
// there, null without a suggestion. It writes nothing when it fails.
func writeList[T listItem](c *gin.Context, cache *encodings, r listRequest, data []T, meta ListMeta, links Links, dym *DidYouMean, facets []models.Facet) error {
	buf := listBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledList {
			listBuffers.Put(buf)
		}
	}()
	buf.Reset()
	buf.WriteString(`{"data":[`)
	for i, item := range data {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeItem(buf, cache, item, r.fields); err != nil {
			return err
		}
	}
	buf.WriteString("]")
	for _, part := range []struct {
		name  string
		value any
	}{{"links", links}, {"meta", meta}, {"did_you_mean", dym}, {"facets", facets}} {
		if part.name == "facets" && facets == nil {
			continue
		}
		b, err := httpio.Marshal(part.value)
		if err != nil {
			return err
		}
		buf.WriteString(`,"` + part.name + `":`)
		buf.Write(b)
	}
	buf.WriteString("}\n")
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
	return nil
}

// keepFields reduces an encoded item to the named fields (in the encoder's key order).
func keepFields(encoded []byte, fields []string) ([]byte, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &all); err != nil {
		return nil, err
	}
	sparse := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := all[f]; ok {
			sparse[f] = v
		}
	}
	return httpio.Marshal(sparse)
}

// listItem is an entry of a list: a record, whose encoding never changes while the
// process runs, and what this request adds to it (a search match, embedded relations).
type listItem interface {
	recordKey() string
	record() any
	extras() []extra
}

// extra is a member a request adds to an encoded record.
type extra struct {
	name  string
	value any
}

// writeItem writes the record's memoized JSON object with the request's extras appended,
// only the named fields of it when fields is not empty (sparse fieldsets). It assembles the
// object in buf's spare room, so a page of search hits copies each record's encoding once.
func writeItem(buf *bytes.Buffer, cache *encodings, item listItem, fields []string) error {
	base, err := cache.encode(item.recordKey(), item.record())
	if err != nil {
		return err
	}
	out := base
	if extras := item.extras(); len(extras) > 0 {
		out = append(buf.AvailableBuffer(), base[:len(base)-1]...) // without the closing brace
		for _, e := range extras {
			out = append(out, `,"`+e.name+`":`...)
			if m, ok := e.value.(*Match); ok { // every search hit has one: encoded by hand
				out = m.appendJSON(out)
				continue
			}
			b, err := httpio.Marshal(e.value)
			if err != nil {
				return err
			}
			out = append(out, b...)
		}
		out = append(out, '}')
	}
	if len(fields) > 0 {
		if out, err = keepFields(out, fields); err != nil {
			return err
		}
	}
	buf.Write(out)
	return nil
}

// appendJSON appends m as httpio.Marshal encodes it (a test holds the two to the same
// bytes), without reflection: a page of search hits encodes twenty.
func (m *Match) appendJSON(b []byte) []byte {
	b = append(b, `{"score":`...)
	b = appendJSONFloat(b, m.Score)
	b = append(b, `,"highlights":`...)
	if m.Highlights == nil {
		return append(b, "null}"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m.Highlights)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m.Highlights[k])
	}
	return append(b, "}}"...)
}

// appendJSONFloat formats f as encoding/json does: the shortest form, in exponent form
// only below 1e-6 or from 1e21, with a one-digit exponent where that suffices.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-09 → e-9
		b = b[:n-1]
	}
	return b
}

// appendJSONString quotes s as encoding/json does without HTML escaping: quotes,
// backslashes and control characters escaped, U+2028 and U+2029 too, invalid UTF-8 as
// U+FFFD, everything else as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			}
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// recordCache memoizes the encodings of one snapshot's records, up to a bound that keeps
// its memory in check when the evidence base is large; past it, records are encoded per
// request. A write makes a new snapshot and, with it, a new memo: any record may have
// changed, and an encoding kept across snapshots would show a list the record as it was.
type recordCache struct{ gen atomic.Pointer[encodings] }

// encodings are one snapshot's memoized record encodings; a nil *encodings memoizes
// nothing.
type encodings struct {
	cat *catalog.Catalog
	m   sync.Map
	n   atomic.Int64
}

const maxCachedRecords = 50_000

// forSnapshot returns the memo of cat, starting a new one when cat is the store's current
// snapshot and the memo is of an older one; a request still reading an older snapshot
// gets none (nil), so it neither uses nor replaces the current memo.
func (rc *recordCache) forSnapshot(cat, current *catalog.Catalog) *encodings {
	for {
		g := rc.gen.Load()
		if g != nil && g.cat == cat {
			return g
		}
		if cat != current {
			return nil
		}
		if fresh := (&encodings{cat: cat}); rc.gen.CompareAndSwap(g, fresh) {
			return fresh
		}
	}
}

func (e *encodings) encode(key string, v any) ([]byte, error) {
	if e != nil {
		if b, ok := e.m.Load(key); ok {
			return b.([]byte), nil
		}
	}
	b, err := httpio.Marshal(v)
	if err != nil {
		return nil, err
	}
	if e != nil && e.n.Load() < maxCachedRecords {
		if _, loaded := e.m.LoadOrStore(key, b); !loaded {
			e.n.Add(1)
		}
	}
	return b, nil
}

// jsonNames lists the JSON field names of a struct type, embedded structs included.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// ifIncluded returns related records when the request asked to include them, else nil.
func ifIncluded[T any](r listRequest, name string, related *T) *T {
	if slices.Contains(r.include, name) {
		return related
	}
	return nil
}

func toMatch(m catalog.Hit) *Match {
	return &Match{Score: m.Score, Highlights: m.Highlights}
}
