package catalog

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// naiveAndCount is the definition andCount and countEach must agree with.
func naiveAndCount(b, o bitmap) int {
	n := 0
	for i := range b {
		n += bits.OnesCount64(b[i] & o[i])
	}
	return n
}

func randomBitmap(r *rand.Rand, words int) bitmap {
	b := make(bitmap, words)
	for i := range b {
		switch r.IntN(4) { // whole words empty and full too, as sparse and dense sets have
		case 0:
		case 1:
			b[i] = ^uint64(0)
		default:
			b[i] = r.Uint64()
		}
	}
	return b
}

// Facet counts are andCount (in assembly on amd64) and countEach: every length (the eight-word blocks, the
// blocks of countEach, the words left over) and every density must count exactly.
func TestCountsAgreeWithTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, words := range []int{0, 1, 7, 8, 9, 63, 255, 256, 257, 700, 4689} {
		set := randomBitmap(r, words)
		a, c, d := randomBitmap(r, words), randomBitmap(r, words), randomBitmap(r, words)
		want := naiveAndCount(set, a)
		if got := set.andCount(a); got != want {
			t.Fatalf("%d words: andCount = %d, want %d", words, got, want)
		}
		if got := andCountGeneric(set, a); got != want {
			t.Fatalf("%d words: andCountGeneric = %d, want %d", words, got, want)
		}
		union := a.clone()
		union.or(c)
		union.or(d)
		counts := set.countEach([][]bitmap{{a}, {a, c, d}, {d}})
		for i, want := range []int{want, naiveAndCount(set, union), naiveAndCount(set, d)} {
			if counts[i] != want {
				t.Fatalf("%d words: countEach term %d = %d, want %d", words, i, counts[i], want)
			}
		}
	}
}

// BenchmarkAndCount counts two 300,000-record sets, as a facet value is counted at 300k.
func BenchmarkAndCount(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randomBitmap(r, 300_000/64), randomBitmap(r, 300_000/64)
	for b.Loop() {
		x.andCount(y)
	}
}
