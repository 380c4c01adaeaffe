package catalog

import "math/bits"

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

// andCount is the size of the intersection of b and o, without allocating it.
func (b bitmap) andCount(o bitmap) int {
	n := 0
	for i, w := range b {
		n += bits.OnesCount64(w & o[i])
	}
	return n
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

func (b bitmap) clear(i int) { b[i>>6] &^= 1 << (uint(i) & 63) }
