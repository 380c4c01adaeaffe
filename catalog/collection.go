package catalog

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// A collection is the in-memory query index of one record kind (studies or interventions).
// SQLite is the store of record; the collection is rebuilt from it at start-up and is
// immutable afterwards, so every read is lock-free.
type collection struct {
	kind   string // "study" or "intervention", for messages
	plural string
	n      int
	ids    []string
	byID   map[string]int
	fields map[string]*field
	names  []string // filterable field names, for error messages
	sorts  map[string]sortKey
	text   *textIndex
	perms  permCache
}

type fieldKind int

const (
	kindTag      fieldKind = iota // one or more values from a vocabulary
	kindNumber                    // a nullable number: equality, ranges, presence
	kindBool                      // true or false
	kindRelation                  // links to records of another collection
	kindKey                       // a high-cardinality exact value (id, author, DOI)
)

// field is one filterable attribute. A number may also carry a tag index (its distinct
// values) so it can be faceted; a relation knows, for each target record, its sources.
type field struct {
	name   string
	kind   fieldKind
	facet  bool
	tags   *tagIndex
	num    *numColumn
	rel    *relation
	keys   map[string][]int32 // kindKey: lower-cased value → records
	labels map[string]string  // value → display label, for facets
}

// tagIndex maps each value of a field to the bitmap of records carrying it.
type tagIndex struct {
	order     []string          // canonical values, in vocabulary order
	canonical map[string]string // lower-cased value → canonical value
	sets      map[string]bitmap // canonical value → records
	nullable  bool              // single-valued fields may be missing: value "null"
}

func newTagIndex(vocabulary []string, nullable bool) *tagIndex {
	t := &tagIndex{canonical: map[string]string{}, sets: map[string]bitmap{}, nullable: nullable}
	for _, v := range vocabulary {
		t.declare(v)
	}
	if nullable {
		t.declare(nullValue)
	}
	return t
}

const nullValue = "null"

func (t *tagIndex) declare(v string) {
	if _, ok := t.canonical[strings.ToLower(v)]; ok {
		return
	}
	t.order = append(t.order, v)
	t.canonical[strings.ToLower(v)] = v
}

// build allocates the bitmaps once the collection size is known.
func (t *tagIndex) build(n int, valuesOf func(i int) []string) {
	for _, v := range t.order {
		t.sets[v] = newBitmap(n)
	}
	for i := 0; i < n; i++ {
		vs := valuesOf(i)
		if len(vs) == 0 && t.nullable {
			t.sets[nullValue].set(i)
		}
		for _, v := range vs {
			if _, ok := t.sets[v]; !ok {
				t.declare(v)
				t.sets[v] = newBitmap(n)
			}
			t.sets[v].set(i)
		}
	}
}

// numColumn holds a nullable number per record, and the non-null records sorted by value
// so that a range is two binary searches.
type numColumn struct {
	values []float64 // NaN is null
	sorted []int32
}

func newNumColumn(values []float64) *numColumn {
	c := &numColumn{values: values}
	for i, v := range values {
		if !math.IsNaN(v) {
			c.sorted = append(c.sorted, int32(i))
		}
	}
	sort.SliceStable(c.sorted, func(a, b int) bool { return values[c.sorted[a]] < values[c.sorted[b]] })
	return c
}

// rangeSet returns the records whose value lies in [lo, hi].
func (c *numColumn) rangeSet(n int, lo, hi float64) bitmap {
	b := newBitmap(n)
	start := sort.Search(len(c.sorted), func(i int) bool { return c.values[c.sorted[i]] >= lo })
	for _, o := range c.sorted[start:] {
		if c.values[o] > hi {
			break
		}
		b.set(int(o))
	}
	return b
}

func (c *numColumn) present(n int) bitmap {
	b := newBitmap(n)
	for _, o := range c.sorted {
		b.set(int(o))
	}
	return b
}

// relation links each record of a collection to records of another. bySource lists, per
// record here, its targets; byTarget lists, per target, the records here linked to it.
type relation struct {
	target   func() *collection // resolved lazily: the two collections refer to each other
	bySource [][]int32
	byTarget [][]int32
}

func newRelation(n, targetN int, target func() *collection, linksOf func(i int) []int32) *relation {
	r := &relation{target: target, bySource: make([][]int32, n), byTarget: make([][]int32, targetN)}
	for i := 0; i < n; i++ {
		r.bySource[i] = linksOf(i)
		for _, t := range r.bySource[i] {
			r.byTarget[t] = append(r.byTarget[t], int32(i))
		}
	}
	return r
}

// sources returns the records here linked to any target in targets.
func (r *relation) sources(n int, targets bitmap) bitmap {
	b := newBitmap(n)
	targets.each(func(t int) bool {
		for _, s := range r.byTarget[t] {
			b.set(int(s))
		}
		return true
	})
	return b
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
