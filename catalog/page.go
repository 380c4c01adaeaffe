package catalog

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evidence-kb/parental-engagement/models"
)

// Paging bounds. Offset paging stops at MaxOffset records, as OpenAlex and Crossref do;
// cursors go everywhere.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	MaxOffset      = 10000
	// MaxPage is the largest page number any list takes, the audit log's included (it has
	// no MaxOffset). It keeps page × per_page at 10⁹ at most, inside even a 32-bit int.
	MaxPage = 10_000_000
	// FirstCursor starts cursor paging.
	FirstCursor = "*"
)

// Facet modes.
const (
	FacetsFiltered    = "filtered"    // counts over the current result set
	FacetsDisjunctive = "disjunctive" // each facet counted with its own filter removed
)

// Query is what a list request asks of a collection: a filter in the grammar of
// parseFilter, a search, a sort, a page or a cursor, and facets.
//
// Context, when set, bounds the work: the engine checks it between steps of a query and
// every few thousand records in its loops, and gives up with the context's error.
type Query struct {
	Context   context.Context
	Filter    string
	Search    string
	Sort      string
	Page      int
	PerPage   int
	Cursor    string
	Facets    []string
	FacetMode string
	// capPrefixes: a broad prefix stands for its first words rather than being refused
	capPrefixes bool
	// noSuggestion: no did-you-mean (benchmarks measure the search without it)
	noSuggestion bool
}

// Paging is one page of an offset-paged list, its numbers checked. Every list pages
// through it (the engine's, the ones held in memory, the audit log's), so the arithmetic
// of a page, which a client's numbers could overflow, lives here only.
type Paging struct {
	Page    int // from 1 to MaxPage
	PerPage int // from 1 to MaxPerPage
}

// NewPaging checks a page and a page size as a client sent them, 0 standing for the
// default of each.
func NewPaging(page, perPage int) (Paging, error) {
	p := Paging{Page: cmp.Or(page, 1), PerPage: cmp.Or(perPage, DefaultPerPage)}
	if p.PerPage < 1 || p.PerPage > MaxPerPage {
		return Paging{}, models.Invalid(PartPageSize, fmt.Sprintf("must be between 1 and %d", MaxPerPage))
	}
	if p.Page < 1 || p.Page > MaxPage {
		return Paging{}, models.Invalid(PartPage, fmt.Sprintf("must be between 1 and %d", MaxPage))
	}
	return p, nil
}

// Offset is how many records come before the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.PerPage }

// End is how many records come before the next page.
func (p Paging) End() int { return p.Page * p.PerPage }

// Pages is how many pages total records fill: an empty list is one empty page.
func (p Paging) Pages(total int) int {
	// not (total+PerPage-1)/PerPage, which a total near the largest int would overflow
	return max(1, total/p.PerPage+min(1, total%p.PerPage))
}

// Within refuses a page past the last of a list of total records, as a client's mistake:
// every list answers it alike.
func (p Paging) Within(total int) error {
	if last := p.Pages(total); p.Page > last {
		return models.Invalid(PartPage, fmt.Sprintf("page %d is past the last page, %d", p.Page, last))
	}
	return nil
}

// Bounds are the indexes of the page's first record and of the one after its last, in a
// list of total records; both total for a page past the end.
func (p Paging) Bounds(total int) (from, to int) {
	from = min(total, p.Offset())
	return from, from + min(p.PerPage, total-from)
}

// result is one page of ordinals and what goes with it.
type result struct {
	ordinals   []int32
	total      int
	nextCursor string
	facets     []models.Facet
	search     *searchResult
	filtered   bitmap // the records the filter matches, before the search
}

type permutation struct {
	terms []sortTerm
	order seq[int32] // live records in sort order
}

// permCache keeps the canonical sorted orders: each single sort key in each direction, and
// the collection's default sort. Those are a fixed, small set, so a client cannot thrash
// the cache; any other multi-key sort is answered from its first key's order (see
// walkGrouped), so no request costs a full sort after the first of its first key.
type permCache struct {
	mu sync.Mutex
	m  map[string]*permutation
}

// apply returns the cache for c, the collection after a write to prev: each cached order
// with the touched records taken out (found where prev's values put them) and the live
// ones put back in their place, so a write costs no full sort, and copies only the
// chunks of each order it changes.
func (pc *permCache) apply(prev, c *collection, touched []int) *permCache {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	out := &permCache{m: make(map[string]*permutation, len(pc.m))}
	for key, p := range pc.m {
		order := p.order
		was, compare := prev.comparator(p.terms, nil), c.comparator(p.terms, nil)
		for _, o := range touched {
			if prev.live.has(o) {
				order = removeOrdinal(order, int32(o), was)
			}
		}
		for _, o := range touched {
			if c.live.has(o) {
				at := order.search(func(x int32) bool { return compare(x, int32(o)) > 0 })
				order = order.insert(at, int32(o))
			}
		}
		out.m[key] = &permutation{terms: p.terms, order: order}
	}
	return out
}

// removeOrdinal returns order without o, which is in it, where compare (a total order)
// puts it.
func removeOrdinal(order seq[int32], o int32, compare func(a, b int32) int) seq[int32] {
	at := order.search(func(x int32) bool { return compare(x, o) >= 0 })
	if at < order.len() && order.at(at) == o {
		return order.remove(at)
	}
	for i, x := range order.from(0) { // not where its values put it: cannot happen
		if x == o {
			return order.remove(i)
		}
	}
	return order
}

// position is the index of o in the permutation's order, o being a live record.
func (p *permutation) position(c *collection, o int32) int {
	compare := c.comparator(p.terms, nil)
	return p.order.search(func(x int32) bool { return compare(x, o) >= 0 })
}

// permutation is the cached order of a canonical sort (see permCache).
func (c *collection) permutation(terms []sortTerm) *permutation {
	key := sortSpec(terms)
	c.perms.mu.Lock()
	defer c.perms.mu.Unlock()
	if p, ok := c.perms.m[key]; ok {
		return p
	}
	order := make([]int32, 0, c.live.count())
	c.live.each(func(o int) bool { order = append(order, int32(o)); return true })
	slices.SortFunc(order, c.comparator(terms, nil))
	p := &permutation{terms: terms, order: seqOf(order)}
	if c.perms.m == nil {
		c.perms.m = map[string]*permutation{}
	}
	c.perms.m[key] = p
	return p
}

// canonical reports whether a sort's order is kept whole in the cache.
func canonical(terms []sortTerm, defaultSort string) bool {
	return len(terms) == 1 || sortSpec(terms) == defaultSort
}

// expired is the context's error once it is done; nil for no context.
func expired(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("query stopped: %w", err)
	}
	return nil
}

// checkEvery is how many records a loop goes through between two looks at the deadline.
const checkEvery = 4096

// run answers a query: the records of the requested page, in order, with totals and facets.
func (c *collection) run(q Query, defaultSort, version string) (*result, error) {
	clauses, err := parseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	sets, err := c.clauseSets(q.Context, clauses)
	if err != nil {
		return nil, err
	}
	filtered := c.combine(clauses, sets, "")
	sr, matched, terms, err := c.searchAndOrder(q, filtered, defaultSort, q.capPrefixes)
	if err != nil {
		return nil, err
	}
	paging, err := NewPaging(q.Page, q.PerPage)
	if err != nil {
		return nil, err
	}
	perPage := paging.PerPage
	res := &result{total: matched.count(), search: sr, filtered: filtered}
	queryKey := c.queryKey(q, terms, version)

	var after int32 = -1 // cursor paging: the last record already seen
	skip := 0
	if q.Cursor != "" {
		if q.Page != 0 {
			return nil, models.Invalid(PartCursor, "use either cursor or page, not both")
		}
		if q.Cursor != FirstCursor {
			if after, err = decodeCursor(q.Cursor, queryKey, c.n); err != nil {
				return nil, err
			}
		}
	} else {
		if paging.End() > MaxOffset {
			return nil, models.Invalid(PartPage, fmt.Sprintf("offset paging stops at record %d; use cursor=* to go further", MaxOffset))
		}
		if err := paging.Within(res.total); err != nil {
			return nil, err
		}
		skip = paging.Offset()
	}

	if err := expired(q.Context); err != nil {
		return nil, err
	}
	switch {
	case usesRelevance(terms):
		res.ordinals, err = c.topByScore(q.Context, matched, terms, sr.scores, after, skip, perPage+1)
	case canonical(terms, defaultSort):
		res.ordinals, err = c.walkOrder(q.Context, matched, c.permutation(terms), after, skip, perPage+1)
	default:
		res.ordinals, err = c.walkGrouped(q.Context, matched, terms, after, skip, perPage+1)
	}
	if err != nil {
		return nil, err
	}
	more := len(res.ordinals) > perPage
	if more {
		res.ordinals = res.ordinals[:perPage]
	}
	if q.Cursor != "" && more {
		res.nextCursor = encodeCursor(queryKey, res.ordinals[len(res.ordinals)-1])
	}
	if res.facets, err = c.facets(q, clauses, sets, sr, matched); err != nil {
		return nil, err
	}
	return res, nil
}

// searchAndOrder narrows matched to the query's search, if it has one, and resolves its
// sort: as given, or the list's default, or relevance when searching.
func (c *collection) searchAndOrder(q Query, matched bitmap, defaultSort string, capPrefixes bool) (*searchResult, bitmap, []sortTerm, error) {
	var sr *searchResult
	if strings.TrimSpace(q.Search) != "" {
		var err error
		if sr, err = c.text.search(q.Search, matched, capPrefixes); err != nil {
			return nil, nil, nil, err
		}
		matched = sr.matched
	}
	sortParam := q.Sort
	if sortParam == "" {
		sortParam = defaultSort
		if sr != nil {
			sortParam = relevanceKey
		}
	}
	terms, err := c.parseSort(sortParam, sr != nil)
	if err != nil {
		sr.release(c.text)
		return nil, nil, nil, err
	}
	return sr, matched, terms, nil
}

// all answers a query with the ordinals of every matching record, in order.
func (c *collection) all(q Query, defaultSort string) ([]int32, error) {
	clauses, err := parseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	matched, err := c.evaluate(q.Context, clauses)
	if err != nil {
		return nil, err
	}
	sr, matched, terms, err := c.searchAndOrder(q, matched, defaultSort, false)
	if err != nil {
		return nil, err
	}
	defer sr.release(c.text)
	n := matched.count()
	switch {
	case usesRelevance(terms):
		ords := make([]int32, 0, n)
		matched.each(func(o int) bool { ords = append(ords, int32(o)); return true })
		slices.SortFunc(ords, c.comparator(terms, sr.scores))
		return ords, expired(q.Context)
	case canonical(terms, defaultSort):
		return c.walkOrder(q.Context, matched, c.permutation(terms), -1, 0, n)
	default:
		return c.walkGrouped(q.Context, matched, terms, -1, 0, n)
	}
}

func usesRelevance(terms []sortTerm) bool {
	for _, t := range terms {
		if t.key == relevanceKey {
			return true
		}
	}
	return false
}

// walkOrder takes up to limit matched records in a precomputed order, starting after the
// cursor record (or at the start) and skipping skip matches.
func (c *collection) walkOrder(ctx context.Context, matched bitmap, p *permutation, after int32, skip, limit int) ([]int32, error) {
	start := 0
	if after >= 0 {
		start = p.position(c, after) + 1
	}
	out := make([]int32, 0, min(limit, 1024))
	for i, o := range p.order.from(start) {
		if (i-start)%checkEvery == checkEvery-1 {
			if err := expired(ctx); err != nil {
				return nil, err
			}
		}
		if !matched.has(int(o)) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, o)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// walkGrouped is walkOrder for a sort that is not kept whole: it walks the cached order
// of the sort's first key, a run of records with equal first keys at a time, and sorts
// only the matched records of the runs it takes from (runs wholly skipped are counted,
// not sorted). A page costs the sorting of a few runs, never of the whole collection.
func (c *collection) walkGrouped(ctx context.Context, matched bitmap, terms []sortTerm, after int32, skip, limit int) ([]int32, error) {
	first := c.permutation(terms[:1])
	key, compare := c.sorts[terms[0].key], c.comparator(terms, nil)
	same := func(a, b int32) bool {
		pa, pb := key.present(a), key.present(b)
		return pa == pb && (!pa || key.compare(a, b) == 0)
	}
	order := first.order
	start := 0
	if after >= 0 {
		start = first.position(c, after)
		for start > 0 && same(order.at(start-1), after) {
			start--
		}
	}
	out := make([]int32, 0, min(limit, 1024))
	var group, run []int32 // a run of records with equal first keys, and its matches
	seen := 0
	// take uses up one group: firstGroup is the cursor record's own
	take := func(firstGroup bool) error {
		if seen += len(group); seen >= checkEvery {
			if err := expired(ctx); err != nil {
				return err
			}
			seen = 0
		}
		run = run[:0]
		for _, o := range group {
			if matched.has(int(o)) && (after < 0 || !firstGroup || compare(o, after) > 0) {
				run = append(run, o)
			}
		}
		group = group[:0]
		if skip >= len(run) {
			skip -= len(run)
			return nil
		}
		slices.SortFunc(run, compare)
		for _, o := range run[skip:] {
			out = append(out, o)
			if len(out) == limit {
				break
			}
		}
		skip = 0
		return nil
	}
	firstGroup := true
	for _, o := range order.from(start) {
		if len(group) > 0 && !same(o, group[0]) {
			if err := take(firstGroup); err != nil {
				return nil, err
			}
			firstGroup = false
			if len(out) >= limit {
				return out, nil
			}
		}
		group = append(group, o)
	}
	if len(group) > 0 {
		if err := take(firstGroup); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topByScore orders matched records by a sort that involves relevance, which differs for
// every search, so it keeps only the best skip+limit in a heap instead of sorting them all.
func (c *collection) topByScore(ctx context.Context, matched bitmap, terms []sortTerm, scores []float64, after int32, skip, limit int) ([]int32, error) {
	cmp := c.comparator(terms, scores)
	relevance := len(terms) == 1 && terms[0].key == relevanceKey && !terms[0].desc
	if relevance {
		cmp = byScore(scores, c.byIDOrder) // the common case, without the general comparator's loop
	}
	h := &worstFirst{cmp: cmp}
	k := skip + limit
	// by relevance, a record scoring below the k-th best so far is turned away without
	// the comparator: most of a broad search's matches are
	floor := math.Inf(-1)
	// the bitmap's words are walked here rather than through each: this loop visits every
	// match of a broad search
	for wi, w := range matched {
		if wi%(checkEvery/64) == 0 {
			if err := expired(ctx); err != nil {
				return nil, err
			}
		}
		for ; w != 0; w &= w - 1 {
			o := int32(wi<<6 + bits.TrailingZeros64(w))
			if relevance && scores[o] < floor {
				continue
			}
			if after >= 0 && cmp(o, after) <= 0 {
				continue
			}
			switch {
			case h.Len() < k:
				heap.Push(h, o)
			case cmp(o, h.items[0]) < 0:
				h.items[0] = o
				heap.Fix(h, 0)
			default:
				continue
			}
			if relevance && h.Len() == k {
				floor = scores[h.items[0]]
			}
		}
	}
	out := make([]int32, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(int32)
	}
	if skip >= len(out) {
		return nil, nil
	}
	return out[skip:], nil
}

// byScore orders by descending score, then by id: what relevance alone means.
func byScore(scores []float64, byID func(a, b int32) int) func(a, b int32) int {
	return func(a, b int32) int {
		// the hottest comparison of a search: compare ids only on a tie (cmp.Or would
		// evaluate both comparisons every time)
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return byID(a, b)
	}
}

// worstFirst is a heap whose root is the record that sorts last.
type worstFirst struct {
	items []int32
	cmp   func(a, b int32) int
}

func (h *worstFirst) Len() int           { return len(h.items) }
func (h *worstFirst) Less(i, j int) bool { return h.cmp(h.items[i], h.items[j]) > 0 }
func (h *worstFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *worstFirst) Push(x any)         { h.items = append(h.items, x.(int32)) }
func (h *worstFirst) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// queryKey identifies a query's result order, so a cursor cannot be replayed against a
// different query or dataset.
func (c *collection) queryKey(q Query, terms []sortTerm, version string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s", c.kind, version, q.Filter, strings.TrimSpace(q.Search), sortSpec(terms))
	return h.Sum64()
}

func encodeCursor(key uint64, last int32) string {
	raw := strconv.FormatUint(key, 36) + "." + strconv.FormatInt(int64(last), 36)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string, key uint64, n int) (int32, error) {
	bad := models.Invalid(PartCursor, "is not a cursor of this query; start again with cursor=*")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	k, last, ok := strings.Cut(string(raw), ".")
	if !ok {
		return 0, bad
	}
	gotKey, err1 := strconv.ParseUint(k, 36, 64)
	o, err2 := strconv.ParseInt(last, 36, 32)
	if err1 != nil || err2 != nil || gotKey != key || o < 0 || int(o) >= n {
		return 0, bad
	}
	return int32(o), nil
}
