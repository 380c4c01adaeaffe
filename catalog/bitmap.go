package catalog

import (
	"math/bits"
	"sync"
)

// bitmap is a fixed-size set of record ordinals. Every tag value of the catalogue keeps one,
// so a filter is a few word-wise ANDs and ORs and a count is a popcount: that is what keeps
// a filtered page with its total under a millisecond at 100,000 studies.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitmap) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitmap) clone() bitmap  { return append(bitmap(nil), b...) }
func (b bitmap) and(o bitmap) {
	for i := range b {
		b[i] &= o[i]
	}
}
func (b bitmap) or(o bitmap) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitmap) andNot(o bitmap) {
	for i := range b {
		b[i] &^= o[i]
	}
}

func (b bitmap) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// andCountGeneric counts the bits b and o share, four words a turn in four sums (a single
// dependent sum and a bounds check per word cost a third of the time); len(o) = len(b).
// andCount (andcount_*.go) calls it where no faster instruction serves.
func andCountGeneric(b, o bitmap) int {
	var n0, n1, n2, n3 int
	i := 0
	for ; i+4 <= len(b); i += 4 {
		n0 += bits.OnesCount64(b[i] & o[i])
		n1 += bits.OnesCount64(b[i+1] & o[i+1])
		n2 += bits.OnesCount64(b[i+2] & o[i+2])
		n3 += bits.OnesCount64(b[i+3] & o[i+3])
	}
	for ; i < len(b); i++ {
		n0 += bits.OnesCount64(b[i] & o[i])
	}
	return n0 + n1 + n2 + n3
}

// countBlock is how many words of a set countEach reads at a time: 2 KiB, which stays in
// the first-level cache while every term is counted against it.
const countBlock = 256

// countEach returns, for each term, the size of the intersection of b with the union of
// the term's sets, allocating neither. It reads b a block at a time and counts every term
// against the block before moving on, so b comes from memory once for all the terms
// rather than once per term: counting a facet's values then streams only their own sets.
func (b bitmap) countEach(terms [][]bitmap) []int {
	counts := make([]int, len(terms))
	for lo := 0; lo < len(b); lo += countBlock {
		block := b[lo:min(lo+countBlock, len(b))]
		for i, sets := range terms {
			if len(sets) == 1 {
				counts[i] += block.andCount(sets[0][lo:])
				continue
			}
			for j, w := range block {
				var union uint64
				for _, s := range sets {
					union |= s[lo+j]
				}
				counts[i] += bits.OnesCount64(w & union)
			}
		}
	}
	return counts
}

// each calls fn for every ordinal in b, in increasing order, until fn returns false.
func (b bitmap) each(fn func(int) bool) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(i<<6 + t) {
				return
			}
			w &= w - 1
		}
	}
}

// scratchBitmaps keeps the bitmaps of queries that have ended for the next ones to fill.
// A list query's filtered set is as large as the collection, and one allocated per request
// made the garbage collector a large part of a list's cost: it scans the whole catalogue
// each time the garbage adds up. Every bitmap here has the collection's size.
type scratchBitmaps struct {
	words int
	pool  sync.Pool
}

func newScratch(capacity int) *scratchBitmaps { return &scratchBitmaps{words: (capacity + 63) / 64} }

// copyOf is a bitmap holding b, taken from the scratch when one is there.
func (s *scratchBitmaps) copyOf(b bitmap) bitmap {
	if len(b) == s.words {
		if p, ok := s.pool.Get().(*bitmap); ok {
			copy(*p, b)
			return *p
		}
	}
	return b.clone()
}

// release gives b back once nothing reads it any more.
func (s *scratchBitmaps) release(b bitmap) {
	if len(b) == s.words {
		s.pool.Put(&b)
	}
}

func (b bitmap) clear(i int) { b[i>>6] &^= 1 << (uint(i) & 63) }
