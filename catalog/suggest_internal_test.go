package catalog

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDistanceIsOptimalStringAlignment(t *testing.T) {
	var s osaScratch
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"fathers", "fathers", 0},
		{"fathres", "fathers", 1}, // a swap is one edit
		{"readng", "reading", 1},
		{"tripple", "triple", 1},
		{"incedible", "incredible", 1},
		{"kindergarden", "kindergarten", 1},
		{"ca", "abc", 3}, // optimal string alignment: no substring edited twice (Damerau–Levenshtein says 2)
		{"sénéchal", "senechal", 2},
		{"", "abc", 3},
	} {
		if got := s.distance([]rune(c.a), c.b, 5); got != c.want {
			t.Errorf("distance(%q, %q) = %d; want %d", c.a, c.b, got, c.want)
		}
		if got := s.distance([]rune(c.a), c.b, 0); got != min(c.want, 1) {
			t.Errorf("distance(%q, %q) bounded by 0 = %d; want %d", c.a, c.b, got, min(c.want, 1))
		}
	}
}

func TestCostBoundsAndFirstLetter(t *testing.T) {
	for n, want := range map[int]int{1: 0, 4: 0, 5: 1, 8: 1, 9: 2, 20: 2} {
		if got := maxEdits(n); got != want {
			t.Errorf("maxEdits(%d) = %d; want %d", n, got, want)
		}
	}
	var s osaScratch
	for _, c := range []struct {
		typed, w string
		k, want  int
	}{
		{"bocabulary", "vocabulary", 2, 2}, // first letter: 2
		{"vocabluary", "vocabulary", 2, 1},
		{"dathers", "fathers", 1, 2}, // out of reach at 1
		{"ovcabulary", "vocabulary", 2, 2},
	} {
		if got := cost([]rune(c.typed), c.w, c.k, &s); got != c.want {
			t.Errorf("cost(%q, %q, %d) = %d; want %d", c.typed, c.w, c.k, got, c.want)
		}
	}
}

// The lexicon finds what a scan of every word with the cost finds, and nothing else.
func TestLexiconFindsWhatAScanFinds(t *testing.T) {
	check := func(t *testing.T, words, queries []string) {
		t.Helper()
		lx := newLexicon(slices.Sorted(slices.Values(words)))
		var s osaScratch
		for _, typed := range queries {
			q := []rune(typed)
			got := map[string]int{}
			lx.closest(q, func(w string, c int) {
				if old, ok := got[w]; !ok || c < old {
					got[w] = c
				}
			})
			want := map[string]int{}
			if k := maxEdits(len(q)); k > 0 {
				for _, w := range words {
					if c := cost(q, w, k, &s); c <= k {
						want[w] = c
					}
				}
			}
			same := len(got) == len(want)
			for w, c := range want {
				same = same && got[w] == c
			}
			if !same {
				t.Errorf("%s: lexicon finds %v; a scan %v", typed, got, want)
			}
		}
	}
	// dense neighbourhoods: words of few letters, and typos of them made by random edits
	rng := rand.New(rand.NewPCG(1, 2))
	letters := []rune("abcdeé")
	word := func() string {
		r := make([]rune, 3+rng.IntN(10))
		for i := range r {
			r[i] = letters[rng.IntN(len(letters))]
		}
		return string(r)
	}
	seen := map[string]bool{}
	var words, queries []string
	for len(words) < 3000 {
		if w := word(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for range 400 {
		r := []rune(words[rng.IntN(len(words))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(r))
			switch rng.IntN(4) {
			case 0:
				r[i] = letters[rng.IntN(len(letters))]
			case 1:
				r = slices.Delete(r, i, i+1)
			case 2:
				r = slices.Insert(r, i, letters[rng.IntN(len(letters))])
			default:
				if i+1 < len(r) {
					r[i], r[i+1] = r[i+1], r[i]
				}
			}
			if len(r) == 0 {
				r = []rune("a")
			}
		}
		queries = append(queries, string(r))
	}
	check(t, words, queries)

	words = []string{"fathers", "father", "feathers", "gathers", "athers", "afathers", "vocabulary", "bocabulary",
		"ocabulary", "xvocabulary", "ovcabulary", "vocabularies", "literacy", "literacies", "iteracy", "sénéchal",
		"senechal", "reading", "readings", "leading", "reasoning", "triple", "tripple", "ripple"}
	check(t, words, []string{"fathres", "fathers", "vocabulray", "vocabulary", "bocabulary", "literacey", "readng",
		"tripple", "senechal", "sénéchal", "xocabulary", "readingss"})
}
