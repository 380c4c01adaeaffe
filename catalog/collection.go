package catalog

import (
	"cmp"
	"iter"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// A collection is the in-memory query index of one record kind (studies or interventions).
// It is immutable once built, so every read is lock-free; a write derives a new one that
// shares whatever the write did not touch.
type collection struct {
	schema   *schema
	kind     string // "study" or "intervention", for messages
	plural   string
	n        int    // ordinals in use, live or dead
	capacity int    // the size of every bitmap, in records: room to append without reallocating
	headroom int    // the room the full build left, in records and in search documents
	live     bitmap // ordinals that hold a record
	ids      vec[string]
	byID     pmap[int]  // live records only
	byRank   seq[int32] // every ordinal, in id order
	fields   map[string]*field
	names    []string // filterable field names, for error messages
	sorts    map[string]*sortKey
	text     *textIndex
	perms    *permCache
	clauses  *clauseCache    // this snapshot's recent clause sets
	scratch  *scratchBitmaps // bitmaps of ended queries, shared by the snapshots a build's writes derive
}

// schema describes a record kind: its id, its fields, its sort keys and its text.
type schema struct {
	kind, plural string
	fields       []fieldSpec
	sorts        []orderSpec
	text         textSpec
}

// fieldSpec defines one filterable attribute and how to read it from the record at an
// ordinal; the reader is only called for ordinals that hold a record.
type fieldSpec struct {
	name       string
	kind       fieldKind
	facet      bool
	nullable   bool                                             // a tag that may be missing: value "null"
	vocabulary func(cat *Catalog) ([]string, map[string]string) // tags: values in order, and labels
	strs       func(cat *Catalog, o int) []string               // tags and keys
	num        func(cat *Catalog, o int) float64                // numbers; NaN is null
	flag       func(cat *Catalog, o int) bool                   // booleans
	links      func(cat *Catalog) vec[[]int32]                  // relations: targets per record
	// implies widens a tag value in filters and facet counts: records carrying any of the
	// listed values match it too (an intervention for all stages matches stage:primary).
	implies map[string][]string
}

type orderSpec struct {
	name string
	num  func(cat *Catalog, o int) float64
	text func(cat *Catalog, o int) string
}

type textSpec struct {
	fields  []string
	weights []float64
	read    func(cat *Catalog, o, field int) string
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
	spec   *fieldSpec
	name   string
	kind   fieldKind
	facet  bool
	tags   *tagIndex
	num    *numColumn
	rel    *relation
	keys   pmap[[]int32]     // kindKey: lower-cased value → records
	labels map[string]string // value → display label, for facets
}

// headroom is how many records a collection of n can take in before it is built afresh.
func headroom(n int) int { return max(64, n/8) }

// record reports whether ordinal o of cat holds a record of this kind.
func (s *schema) record(cat *Catalog, o int) bool {
	if s == studySchema {
		return o < cat.studyRecs.len() && cat.studyRecs.at(o) != nil
	}
	return o < cat.ivRecs.len() && cat.ivRecs.at(o) != nil
}

// prebuilt is what a catalogue image keeps of a collection beyond its records: the
// indexes slowest to derive from them (collation keys, key lookups, the text index).
type prebuilt struct {
	sortTexts map[string][]string           // by sort name
	keys      map[string]map[string][]int32 // by field name, all but the id
	text      *textIndex
}

// buildCollection indexes the n records of cat that s describes, taking from pre (when
// not nil) what an image kept.
func buildCollection(cat *Catalog, s *schema, n int, id func(int) string, pre *prebuilt) *collection {
	c := &collection{schema: s, kind: s.kind, plural: s.plural, n: n, capacity: n + headroom(n), headroom: headroom(n),
		fields: map[string]*field{}, sorts: map[string]*sortKey{}, perms: &permCache{}, clauses: newClauseCache()}
	c.scratch = newScratch(c.capacity)
	c.live = newBitmap(c.capacity)
	ids := make([]string, n)
	byID := make(map[string]int, n)
	for o := 0; o < n; o++ {
		ids[o] = id(o)
		byID[ids[o]] = o
		c.live.set(o)
	}
	c.ids, c.byID = vecOf(ids), pmapOf(byID)
	byRank := make([]int32, n)
	for i := range byRank {
		byRank[i] = int32(i)
	}
	slices.SortFunc(byRank, func(a, b int32) int { return strings.Compare(ids[a], ids[b]) })
	c.byRank = seqOf(byRank)
	// the fields and sort keys are independent of one another: built side by side
	specs := c.specs()
	fields := make([]*field, len(specs))
	sorts := make([]*sortKey, len(s.sorts))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, sp := range specs {
		g.Go(func() error { fields[i] = c.buildField(cat, sp, pre); return nil })
	}
	for i := range s.sorts {
		g.Go(func() error { sorts[i] = c.buildSort(cat, &s.sorts[i], pre); return nil })
	}
	_ = g.Wait()
	for _, f := range fields {
		c.fields[f.name] = f
		c.names = append(c.names, f.name)
	}
	for i, k := range sorts {
		c.sorts[s.sorts[i].name] = k
	}
	text := func(o, f int) string { return s.text.read(cat, o, f) }
	if pre != nil && pre.text != nil {
		c.text = pre.text
		c.text.text = text
	} else {
		c.text = buildTextIndex(n, c.capacity, textWorkers(n), s.text.fields, s.text.weights, text)
	}
	return c
}

// buildField indexes one field of the collection's n records.
func (c *collection) buildField(cat *Catalog, sp *fieldSpec, pre *prebuilt) *field {
	n := c.n
	f := &field{spec: sp, name: sp.name, kind: sp.kind, facet: sp.facet}
	switch sp.kind {
	case kindTag, kindBool:
		var vocab []string
		if sp.kind == kindBool {
			vocab = []string{"true", "false"}
		} else {
			vocab, f.labels = sp.vocabulary(cat)
		}
		f.tags = newTagIndex(vocab, sp.nullable)
		for _, v := range f.tags.order {
			f.tags.sets[v] = newBitmap(c.capacity)
		}
		for o := 0; o < n; o++ {
			for _, v := range tagValues(cat, sp, o) {
				f.tags.add(v, o, c.capacity)
			}
		}
	case kindNumber:
		values := make([]float64, n)
		for o := range values {
			values[o] = sp.num(cat, o)
		}
		f.num = newNumColumn(values)
		if sp.facet {
			var distinct []string
			for _, o := range f.num.sorted.from(0) {
				if v := formatNumber(values[o]); len(distinct) == 0 || distinct[len(distinct)-1] != v {
					distinct = append(distinct, v)
				}
			}
			f.tags = newTagIndex(distinct, false)
			for _, v := range distinct {
				f.tags.sets[v] = newBitmap(c.capacity)
			}
			for o := 0; o < n; o++ {
				for _, v := range numberTag(values[o]) {
					f.tags.add(v, o, c.capacity)
				}
			}
		}
	case kindKey:
		if sp.name == "id" {
			break // withKey looks ids up in byID
		}
		if pre != nil && pre.keys[f.name] != nil {
			f.keys = pmapOf(pre.keys[f.name])
			break
		}
		keys := map[string][]int32{}
		for o := 0; o < n; o++ {
			for _, k := range keyValues(cat, sp, o) {
				keys[k] = append(keys[k], int32(o))
			}
		}
		f.keys = pmapOf(keys)
	case kindRelation:
		f.rel = &relation{bySource: sp.links(cat)}
	}
	return f
}

// buildSort computes one sort key of the collection's n records.
func (c *collection) buildSort(cat *Catalog, sp *orderSpec, pre *prebuilt) *sortKey {
	n := c.n
	k := &sortKey{text: sp.num == nil}
	if sp.num != nil {
		nums := make([]float64, n)
		for o := range nums {
			nums[o] = sp.num(cat, o)
		}
		k.nums = vecOf(nums)
	} else if pre != nil && pre.sortTexts[sp.name] != nil {
		k.texts = vecOf(pre.sortTexts[sp.name])
	} else {
		texts := make([]string, n)
		for o := range texts {
			texts[o] = collationKey(sp.text(cat, o))
		}
		k.texts = vecOf(texts)
	}
	return k
}

// withKey returns the records whose key field f has value v, in any case. Ids are
// lower-case slugs, so the id field has no map of its own: it would repeat byID.
func (c *collection) withKey(f *field, v string) []int32 {
	v = strings.ToLower(v)
	if f.name != "id" {
		return f.keys.at(v)
	}
	if o, ok := c.byID.get(v); ok {
		return []int32{int32(o)}
	}
	return nil
}

// specs are the schema's fields, after the id every collection has.
func (c *collection) specs() []*fieldSpec {
	id := &fieldSpec{name: "id", kind: kindKey, strs: func(_ *Catalog, o int) []string { return []string{c.ids.at(o)} }}
	out := []*fieldSpec{id}
	for i := range c.schema.fields {
		out = append(out, &c.schema.fields[i])
	}
	return out
}

// tagValues are a record's values of a tag or flag field; a missing optional value is "null".
func tagValues(cat *Catalog, sp *fieldSpec, o int) []string {
	if sp.kind == kindBool {
		return []string{strconv.FormatBool(sp.flag(cat, o))}
	}
	vs := sp.strs(cat, o)
	if len(vs) == 0 && sp.nullable {
		return []string{nullValue}
	}
	return vs
}

func numberTag(v float64) []string {
	if math.IsNaN(v) {
		return nil
	}
	return []string{formatNumber(v)}
}

func keyValues(cat *Catalog, sp *fieldSpec, o int) []string {
	vs := sp.strs(cat, o)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.ToLower(v)
	}
	return out
}

// idOrder yields the live records in id order.
func (c *collection) idOrder() iter.Seq[int32] {
	return func(yield func(int32) bool) {
		for _, o := range c.byRank.from(0) {
			if c.live.has(int(o)) && !yield(o) {
				return
			}
		}
	}
}

// byIDOrder orders two records by id: how ties in any sort are broken.
func (c *collection) byIDOrder(a, b int32) int {
	return strings.Compare(c.ids.at(int(a)), c.ids.at(int(b)))
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

// add sets o in v's bitmap, declaring v if the vocabulary lacks it. Only for a tag index
// being built, which no reader sees yet.
func (t *tagIndex) add(v string, o, capacity int) {
	if _, ok := t.sets[v]; !ok {
		t.declare(v)
		t.sets[v] = newBitmap(capacity)
	}
	t.sets[v].set(o)
}

// numColumn holds a nullable number per record, and the non-null records sorted by value
// so that a range is two binary searches.
type numColumn struct {
	values vec[float64] // NaN is null
	sorted seq[int32]   // by value, then ordinal
}

func newNumColumn(values []float64) *numColumn {
	var sorted []int32
	for i, v := range values {
		if !math.IsNaN(v) {
			sorted = append(sorted, int32(i))
		}
	}
	sort.SliceStable(sorted, func(a, b int) bool { return values[sorted[a]] < values[sorted[b]] })
	return &numColumn{values: vecOf(values), sorted: seqOf(sorted)}
}

// rangeSet returns the records whose value lies in [lo, hi].
func (c *numColumn) rangeSet(capacity int, lo, hi float64) bitmap {
	b := newBitmap(capacity)
	start := c.sorted.search(func(o int32) bool { return c.values.at(int(o)) >= lo })
	for _, o := range c.sorted.from(start) {
		if c.values.at(int(o)) > hi {
			break
		}
		b.set(int(o))
	}
	return b
}

func (c *numColumn) present(capacity int) bitmap {
	b := newBitmap(capacity)
	for _, o := range c.sorted.from(0) {
		b.set(int(o))
	}
	return b
}

// relation links each record of a collection to records of another: bySource lists, per
// record here, its targets; the target's reverse relation lists, per target, its sources.
type relation struct {
	target   *collection
	bySource vec[[]int32]
}

// byTarget lists, per record of the target collection, the records here linked to it.
func (r *relation) byTarget() vec[[]int32] {
	for _, back := range r.target.fields {
		if back.kind == kindRelation {
			return back.rel.bySource
		}
	}
	return vec[[]int32]{}
}

// sources returns the records here linked to any target in targets.
func (r *relation) sources(capacity int, targets bitmap) bitmap {
	b := newBitmap(capacity)
	byTarget := r.byTarget()
	targets.each(func(t int) bool {
		for _, s := range byTarget.at(t) {
			b.set(int(s))
		}
		return true
	})
	return b
}

// sortKey orders records by one attribute, ascending, with missing values last: a
// number per record (NaN is missing) or a collation key.
type sortKey struct {
	nums  vec[float64] // for a number; empty for a text
	texts vec[string]
	text  bool
}

func (k *sortKey) present(o int32) bool { return k.text || !math.IsNaN(k.nums.at(int(o))) }

func (k *sortKey) compare(a, b int32) int {
	if !k.text {
		return cmp.Compare(k.nums.at(int(a)), k.nums.at(int(b)))
	}
	return strings.Compare(k.texts.at(int(a)), k.texts.at(int(b)))
}

// clone copies a map and its slices' headers: a write then replaces entries in the copy.
func cloneMap[K comparable, V any](m map[K]V) map[K]V { return maps.Clone(m) }
