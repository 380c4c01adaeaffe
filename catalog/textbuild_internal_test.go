package catalog

import (
	"reflect"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/synth"
)

// Building the search index with several workers gives exactly the index one worker
// builds: the same postings in the same order, stems, words, lengths and BM25 weights.
func TestTextIndexBuildsTheSameInParallel(t *testing.T) {
	base, _ := seedDataset(t)
	cat := New(synth.Generate(base, 5000, 7), "v")
	spec, n := studySchema.text, cat.studyRecs.len()
	read := func(o, f int) string { return spec.read(cat, o, f) }
	one := buildTextIndex(n, n+headroom(n), 1, spec.fields, spec.weights, read)
	for _, workers := range []int{2, 3, 7} {
		many := buildTextIndex(n, n+headroom(n), workers, spec.fields, spec.weights, read)
		if many.terms.len() != one.terms.len() {
			t.Fatalf("%d workers: %d terms; one worker: %d", workers, many.terms.len(), one.terms.len())
		}
		for s, pl := range one.terms.all() {
			if !reflect.DeepEqual(pl, many.terms.at(s)) {
				t.Fatalf("%d workers: the postings of %q differ", workers, s)
			}
		}
		if !reflect.DeepEqual(one.stems, many.stems) || !reflect.DeepEqual(one.words, many.words) ||
			!reflect.DeepEqual(one.docLen, many.docLen) || one.avgLen != many.avgLen {
			t.Errorf("%d workers: stems, words, lengths or average length differ", workers)
		}
	}
}
