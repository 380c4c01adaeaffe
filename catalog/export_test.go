package catalog

import "github.com/evidence-kb/parental-engagement/models"

// StudiesWithoutSuggestion is Studies with no did-you-mean: the same search path, for
// benchmarks to measure what suggestions add.
func (cat *Catalog) StudiesWithoutSuggestion(q Query) (*Page[models.Study], error) {
	q.noSuggestion = true
	return cat.Studies(q)
}

// BuildLexicon builds a fresh lexicon of cat, as its first did-you-mean does, and returns
// it (to keep it alive while its memory is measured), how many words it holds and about
// how many bytes it adds beyond the words' text, which the search indexes hold already.
func (cat *Catalog) BuildLexicon() (lexicon any, words, bytes int) {
	lx := cat.buildLexicon()
	return lx, len(lx.words), lx.size()
}
