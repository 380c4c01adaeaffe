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
	// four words a turn, in four sums: the loop that counts every facet value, where a
	// single dependent sum and a bounds check per word cost a third of the time
	o = o[:len(b)]
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
