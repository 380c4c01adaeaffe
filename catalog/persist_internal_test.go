package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// The persistent structures behave as the plain ones they stand for, and an edit leaves
// what it started from as it was.
func TestVecEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	plain := make([]int, 3000)
	for i := range plain {
		plain[i] = i
	}
	v := vecOf(slices.Clone(plain))
	for round := range 200 {
		before, was := v, slices.Clone(plain)
		e := v.edit()
		for range rng.IntN(5) {
			if rng.IntN(3) == 0 {
				x := rng.Int()
				e.push(x)
				plain = append(plain, x)
			} else {
				i, x := rng.IntN(len(plain)), rng.Int()
				e.set(i, x)
				plain[i] = x
			}
		}
		v = e.done()
		if v.len() != len(plain) || !slices.Equal(v.flat(), plain) {
			t.Fatalf("round %d: the vec differs from the slice", round)
		}
		if !slices.Equal(before.flat(), was) {
			t.Fatalf("round %d: an edit changed the vec it started from", round)
		}
		for i, x := range v.all() {
			if x != plain[i] || v.at(i) != x {
				t.Fatalf("round %d: at %d", round, i)
			}
		}
	}
}

func TestSeqEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var plain []int
	for i := range 5000 {
		plain = append(plain, 2*i)
	}
	s := seqOf(slices.Clone(plain))
	for round := range 3000 {
		before, was := s, slices.Clone(plain)
		if rng.IntN(2) == 0 && len(plain) > 0 {
			x := plain[rng.IntN(len(plain))]
			i := s.search(func(y int) bool { return y >= x })
			if s.at(i) != x {
				t.Fatalf("round %d: search found %d for %d", round, s.at(i), x)
			}
			s = s.remove(i)
			plain = slices.Delete(plain, i, i+1)
		} else {
			x := rng.IntN(20000)
			i := s.search(func(y int) bool { return y > x })
			s = s.insert(i, x)
			plain = slices.Insert(plain, i, x)
		}
		if round%100 == 0 || round < 20 {
			if !slices.Equal(s.flat(), plain) || s.len() != len(plain) {
				t.Fatalf("round %d: the seq differs from the slice", round)
			}
			if !slices.Equal(before.flat(), was) {
				t.Fatalf("round %d: an edit changed the seq it started from", round)
			}
			start := rng.IntN(len(plain) + 1)
			var got []int
			for i, x := range s.from(start) {
				if x != plain[i] || s.at(i) != x {
					t.Fatalf("round %d: from %d: at %d", round, start, i)
				}
				got = append(got, x)
			}
			if !slices.Equal(got, plain[start:]) {
				t.Fatalf("round %d: from %d yields %d values, not %d", round, start, len(got), len(plain)-start)
			}
		}
	}
	if !slices.IsSortedFunc(s.flat(), cmp.Compare[int]) {
		t.Fatal("unsorted")
	}
	for _, c := range s.chunks {
		if len(c) == 0 || len(c) > 2*chunkLen {
			t.Fatalf("a chunk of %d values", len(c))
		}
	}
}

func TestPmapEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	plain := map[string]int{}
	for i := range 2000 {
		plain[fmt.Sprint("k", i)] = i
	}
	p := pmapOf(plain)
	for round := range 300 {
		before, was := p, maps.Clone(plain)
		e := p.edit()
		for range rng.IntN(4) {
			k := fmt.Sprint("k", rng.IntN(3000))
			if rng.IntN(3) == 0 {
				e.delete(k)
				delete(plain, k)
			} else {
				e.put(k, round)
				plain[k] = round
			}
		}
		p = e.done()
		if got := maps.Collect(p.all()); !maps.Equal(got, plain) || p.len() != len(plain) {
			t.Fatalf("round %d: the pmap differs from the map", round)
		}
		if got := maps.Collect(before.all()); !maps.Equal(got, was) || before.len() != len(was) {
			t.Fatalf("round %d: an edit changed the pmap it started from", round)
		}
		for k, v := range plain {
			if got, ok := p.get(k); !ok || got != v {
				t.Fatalf("round %d: %s", round, k)
			}
		}
	}
}
