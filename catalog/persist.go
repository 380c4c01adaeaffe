package catalog

import (
	"hash/maphash"
	"iter"
	"slices"
)

// The persistent structures a snapshot keeps its per-record data in. A write derives the
// next snapshot from the current one, and readers may go on using the current one, so
// nothing a snapshot holds is changed in place; a write copies what it changes. Kept in
// flat arrays and plain maps, that copy was of every record (a column of 100,000 sort
// keys, a map of 100,000 ids), and a write's cost grew with the evidence base. These keep
// their data in chunks and shards instead: a write copies the few chunks it touches and
// the short spine that lists them.

const (
	chunkBits = 10
	chunkLen  = 1 << chunkBits // values per chunk of a vec
	chunkMask = chunkLen - 1
)

// vec is an immutable sequence of values by ordinal, in chunks of chunkLen (the last may
// be shorter). The zero vec is empty.
type vec[T any] struct {
	chunks [][]T
	n      int
}

// vecOf returns a vec of the values of flat, which it shares: the caller must not change
// them afterwards.
func vecOf[T any](flat []T) vec[T] {
	v := vec[T]{n: len(flat), chunks: make([][]T, 0, (len(flat)+chunkLen-1)/chunkLen)}
	for i := 0; i < len(flat); i += chunkLen {
		j := min(i+chunkLen, len(flat))
		v.chunks = append(v.chunks, flat[i:j:j]) // full capacity: an append copies
	}
	return v
}

func (v vec[T]) len() int { return v.n }

// at is the value at ordinal i.
func (v vec[T]) at(i int) T { return v.chunks[i>>chunkBits][i&chunkMask] }

// all yields every ordinal with its value, in order.
func (v vec[T]) all() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		i := 0
		for _, c := range v.chunks {
			for _, x := range c {
				if !yield(i, x) {
					return
				}
				i++
			}
		}
	}
}

// flat returns the values in one new slice.
func (v vec[T]) flat() []T {
	out := make([]T, 0, v.n)
	for _, c := range v.chunks {
		out = append(out, c...)
	}
	return out
}

// vecEdit derives a new vec from one: the chunks it changes are copied, once each, and so
// is the spine, on the first change. The vec it started from is left as it was.
type vecEdit[T any] struct {
	v     vec[T]
	spine bool         // the spine is this edit's own
	owned map[int]bool // chunks copied by this edit
}

func (v vec[T]) edit() *vecEdit[T] { return &vecEdit[T]{v: v} }

func (e *vecEdit[T]) ownSpine() {
	if !e.spine {
		e.v.chunks = slices.Clone(e.v.chunks)
		e.spine = true
	}
}

// chunk returns chunk c, copied for this edit if it is not yet its own.
func (e *vecEdit[T]) chunk(c int) []T {
	e.ownSpine()
	if e.owned == nil {
		e.owned = map[int]bool{}
	}
	if !e.owned[c] {
		old := e.v.chunks[c]
		own := make([]T, len(old), chunkLen)
		copy(own, old)
		e.v.chunks[c] = own
		e.owned[c] = true
	}
	return e.v.chunks[c]
}

func (e *vecEdit[T]) at(i int) T { return e.v.at(i) }
func (e *vecEdit[T]) len() int   { return e.v.n }

// set makes the value at ordinal i x.
func (e *vecEdit[T]) set(i int, x T) { e.chunk(i >> chunkBits)[i&chunkMask] = x }

// push appends x.
func (e *vecEdit[T]) push(x T) {
	e.ownSpine()
	if e.v.n&chunkMask == 0 {
		c := make([]T, 1, chunkLen)
		c[0] = x
		e.v.chunks = append(e.v.chunks, c)
		if e.owned == nil {
			e.owned = map[int]bool{}
		}
		e.owned[len(e.v.chunks)-1] = true
	} else {
		last := len(e.v.chunks) - 1
		e.v.chunks[last] = append(e.chunk(last), x)
	}
	e.v.n++
}

// grow appends zero until the vec holds n values.
func (e *vecEdit[T]) grow(n int, zero T) {
	for e.v.n < n {
		e.push(zero)
	}
}

func (e *vecEdit[T]) done() vec[T] { return e.v }

// seq is an immutable sorted sequence, in chunks of between 1 and 2×chunkLen values, with
// the count of values before each chunk: an insertion or a removal copies one chunk and
// the spine. Its order is the caller's: every operation that looks for a place takes it.
type seq[T any] struct {
	chunks [][]T
	ends   []int // ends[i] is how many values chunks[0..i] hold
}

// seqOf returns a seq of sorted, which it shares.
func seqOf[T any](sorted []T) seq[T] {
	var s seq[T]
	for i := 0; i < len(sorted); i += chunkLen {
		j := min(i+chunkLen, len(sorted))
		s.chunks = append(s.chunks, sorted[i:j:j])
		s.ends = append(s.ends, j)
	}
	return s
}

func (s seq[T]) len() int {
	if len(s.ends) == 0 {
		return 0
	}
	return s.ends[len(s.ends)-1]
}

// locate is the chunk holding index i, and i's place in it; i may be len() (the end).
func (s seq[T]) locate(i int) (chunk, at int) {
	c, _ := slices.BinarySearch(s.ends, i+1) // the first chunk that ends past i
	if c == len(s.chunks) {
		if c == 0 {
			return 0, 0
		}
		c-- // the end: past the last chunk's last value
	}
	return c, i - s.start(c)
}

func (s seq[T]) start(c int) int {
	if c == 0 {
		return 0
	}
	return s.ends[c-1]
}

// at is the i-th value.
func (s seq[T]) at(i int) T {
	c, at := s.locate(i)
	return s.chunks[c][at]
}

// from yields the values from index i on, with their indexes.
func (s seq[T]) from(i int) iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		if i >= s.len() {
			return
		}
		c, at := s.locate(i)
		for ; c < len(s.chunks); c, at = c+1, 0 {
			for _, x := range s.chunks[c][at:] {
				if !yield(i, x) {
					return
				}
				i++
			}
		}
	}
}

// search is the index of the first value for which after is true, after being false and
// then true along the sequence (as sort.Search); len() when it is true for none.
func (s seq[T]) search(after func(T) bool) int {
	c, _ := slices.BinarySearchFunc(s.chunks, true, func(chunk []T, _ bool) int {
		if after(chunk[len(chunk)-1]) {
			return 1
		}
		return -1
	})
	if c == len(s.chunks) {
		return s.len()
	}
	chunk := s.chunks[c]
	at, _ := slices.BinarySearchFunc(chunk, true, func(x T, _ bool) int {
		if after(x) {
			return 1
		}
		return -1
	})
	return s.start(c) + at
}

// insert returns s with x at index i.
func (s seq[T]) insert(i int, x T) seq[T] {
	if len(s.chunks) == 0 {
		return seq[T]{chunks: [][]T{{x}}, ends: []int{1}}
	}
	c, at := s.locate(i)
	chunk := make([]T, 0, len(s.chunks[c])+1)
	chunk = append(append(append(chunk, s.chunks[c][:at]...), x), s.chunks[c][at:]...)
	if len(chunk) > 2*chunkLen {
		half := len(chunk) / 2
		return s.replace(c, chunk[:half:half], chunk[half:])
	}
	return s.replace(c, chunk)
}

// remove returns s without the value at index i.
func (s seq[T]) remove(i int) seq[T] {
	c, at := s.locate(i)
	old := s.chunks[c]
	if len(old) == 1 {
		return s.replace(c)
	}
	chunk := make([]T, 0, len(old)-1)
	chunk = append(append(chunk, old[:at]...), old[at+1:]...)
	return s.replace(c, chunk)
}

// replace returns s with chunk c replaced by the given chunks (none: removed).
func (s seq[T]) replace(c int, with ...[]T) seq[T] {
	out := seq[T]{chunks: make([][]T, 0, len(s.chunks)+len(with)-1)}
	out.chunks = append(append(append(out.chunks, s.chunks[:c]...), with...), s.chunks[c+1:]...)
	out.ends = make([]int, len(out.chunks))
	n := 0
	for i, ch := range out.chunks {
		n += len(ch)
		out.ends[i] = n
	}
	return out
}

// flat returns the values in one new slice.
func (s seq[T]) flat() []T {
	out := make([]T, 0, s.len())
	for _, c := range s.chunks {
		out = append(out, c...)
	}
	return out
}

// mapShards is how many maps a pmap spreads its keys over.
const mapShards = 256

var mapSeed = maphash.MakeSeed()

// pmap is an immutable map from strings, spread over mapShards plain maps by the key's
// hash: a change copies one shard and the spine. The zero pmap is empty.
type pmap[V any] struct {
	shards *[mapShards]map[string]V
	n      int
}

func shardOf(k string) int { return int(maphash.String(mapSeed, k) % mapShards) }

// pmapOf returns a pmap of the entries of m, which it does not keep.
func pmapOf[V any](m map[string]V) pmap[V] {
	var p pmap[V]
	e := p.edit()
	for k, v := range m {
		e.put(k, v)
	}
	return e.done()
}

func (p pmap[V]) get(k string) (V, bool) {
	if p.shards == nil {
		var zero V
		return zero, false
	}
	v, ok := p.shards[shardOf(k)][k]
	return v, ok
}

// at is the value of k, or the zero value.
func (p pmap[V]) at(k string) V {
	v, _ := p.get(k)
	return v
}

func (p pmap[V]) len() int { return p.n }

// all yields every entry, in no particular order.
func (p pmap[V]) all() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if p.shards == nil {
			return
		}
		for _, m := range p.shards {
			for k, v := range m {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// pmapEdit derives a new pmap from one, copying each shard it changes once.
type pmapEdit[V any] struct {
	p     pmap[V]
	spine bool
	owned [mapShards]bool
}

func (p pmap[V]) edit() *pmapEdit[V] { return &pmapEdit[V]{p: p} }

func (e *pmapEdit[V]) shard(k string) map[string]V {
	if !e.spine {
		shards := new([mapShards]map[string]V)
		if e.p.shards != nil {
			*shards = *e.p.shards
		}
		e.p.shards, e.spine = shards, true
	}
	s := shardOf(k)
	if !e.owned[s] {
		old := e.p.shards[s]
		own := make(map[string]V, len(old)+1)
		for k, v := range old {
			own[k] = v
		}
		e.p.shards[s], e.owned[s] = own, true
	}
	return e.p.shards[s]
}

func (e *pmapEdit[V]) get(k string) (V, bool) { return e.p.get(k) }

func (e *pmapEdit[V]) put(k string, v V) {
	m := e.shard(k)
	if _, ok := m[k]; !ok {
		e.p.n++
	}
	m[k] = v
}

func (e *pmapEdit[V]) delete(k string) {
	if _, ok := e.p.get(k); !ok {
		return
	}
	delete(e.shard(k), k)
	e.p.n--
}

func (e *pmapEdit[V]) done() pmap[V] { return e.p }
