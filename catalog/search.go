package catalog

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/evidence-kb/parental-engagement/models"
)

// Search limits: long enough for any real question, short enough to bound the work.
const (
	MaxSearchLength = 1000
	maxSearchTerms  = 32
	maxPrefixTerms  = 200
	fieldGap        = 1000 // position gap between fields, so a phrase never spans two
	bm25K1          = 1.2
	bm25B           = 0.75
)

// textIndex is an in-memory inverted index with BM25 ranking over weighted fields. Words are
// case- and diacritic-folded and stemmed (Snowball English), so "parent" finds "parents" and
// "parental"; positions make phrase queries exact.
type textIndex struct {
	n         int
	fields    []string
	weights   []float64
	text      func(doc, field int) string
	terms     map[string]*postings
	words     []string          // every indexed word before stemming, sorted: prefixes match words
	stems     map[string]string // word → stem for every indexed word: stemming is the slow part
	scorePool sync.Pool
	docLen    []float32
	avgLen    float64
}

type postings struct {
	docs   []int32
	weight []float32 // BM25 term weight of docs[i], before idf: fixed per document, so computed once
	posOff []int32   // positions of docs[i] are pos[posOff[i]:posOff[i+1]]
	pos    []int32
}

// buildTextIndex indexes n documents whose fields are read through text.
func buildTextIndex(n int, fields []string, weights []float64, text func(doc, field int) string) *textIndex {
	t := &textIndex{n: n, fields: fields, weights: weights, text: text, terms: map[string]*postings{}, docLen: make([]float32, n)}
	stems := map[string]string{}
	t.stems = stems
	type occ struct {
		tf  float32
		pos []int32
	}
	doc := map[string]*occ{}
	var total float64
	for d := 0; d < n; d++ {
		clear(doc)
		var length float32
		for f := range fields {
			p := int32(f * fieldGap)
			for _, tok := range tokenize(text(d, f)) {
				s, ok := stems[tok.word]
				if !ok {
					s = stem(tok.word)
					stems[tok.word] = s
				}
				o := doc[s]
				if o == nil {
					o = &occ{}
					doc[s] = o
				}
				o.tf += float32(weights[f])
				o.pos = append(o.pos, p)
				p++
				length += float32(weights[f])
			}
		}
		t.docLen[d] = length
		total += float64(length)
		for s, o := range doc {
			pl := t.terms[s]
			if pl == nil {
				pl = &postings{posOff: []int32{0}}
				t.terms[s] = pl
			}
			pl.docs = append(pl.docs, int32(d))
			pl.weight = append(pl.weight, o.tf)
			pl.pos = append(pl.pos, o.pos...)
			pl.posOff = append(pl.posOff, int32(len(pl.pos)))
		}
	}
	if n > 0 {
		t.avgLen = total / float64(n)
	}
	for _, pl := range t.terms {
		for i, d := range pl.docs {
			tf := float64(pl.weight[i])
			norm := 1 - bm25B + bm25B*float64(t.docLen[d])/t.avgLen
			pl.weight[i] = float32(tf * (bm25K1 + 1) / (tf + bm25K1*norm))
		}
	}
	for w := range stems {
		t.words = append(t.words, w)
	}
	sort.Strings(t.words)
	return t
}

type token struct {
	word       string // folded, lower-cased
	start, end int    // byte span in the original text
}

// tokenize splits text into words: runs of letters, digits and combining marks.
func tokenize(text string) []token {
	var toks []token
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		if inWord && start < 0 {
			start = i
		} else if !inWord && start >= 0 {
			toks = appendToken(toks, text, start, i)
			start = -1
		}
	}
	if start >= 0 {
		toks = appendToken(toks, text, start, len(text))
	}
	return toks
}

func appendToken(toks []token, text string, start, end int) []token {
	if w := fold(text[start:end]); w != "" {
		toks = append(toks, token{word: w, start: start, end: end})
	}
	return toks
}

// fold lower-cases a word and strips its diacritics ("Sénéchal" → "senechal").
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(w)
	}
	f, _, err := transform.String(transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), w)
	if err != nil {
		f = w
	}
	return strings.ToLower(f)
}

func stem(w string) string {
	if len(w) < 3 {
		return w
	}
	return english.Stem(w, false)
}

// searchResult is what a search found: hits over the whole collection (so disjunctive facets
// can re-filter it), matched within the filters, a dense score per record, and the terms
// to highlight.
type searchResult struct {
	hits     bitmap
	matched  bitmap
	scores   []float64
	stems    map[string]bool
	prefixes []string
}

// search runs a query in the search grammar (words, "phrases", prefix*, AND, OR, NOT, -word,
// parentheses; adjacent words are ANDed) over the records in within.
func (t *textIndex) search(q string, within bitmap) (*searchResult, error) {
	if len(q) > MaxSearchLength {
		return nil, models.Invalid(PartSearch, fmt.Sprintf("is %d bytes long; at most %d", len(q), MaxSearchLength))
	}
	p := &queryParser{items: lexQuery(q)}
	root := p.parseOr()
	if p.terms > maxSearchTerms {
		return nil, models.Invalid(PartSearch, fmt.Sprintf("has %d terms; at most %d", p.terms, maxSearchTerms))
	}
	sr := &searchResult{stems: map[string]bool{}, scores: t.scoreBuffer()}
	if root == nil {
		sr.hits = newBitmap(t.n)
	} else {
		sr.hits = t.eval(root, sr, false)
	}
	sr.matched = sr.hits.clone()
	sr.matched.and(within)
	return sr, nil
}

// scoreBuffer returns a zeroed score per record. Buffers are pooled: at 100,000 records
// each is 800 KB, and allocating one per search would keep the collector busy under load.
func (t *textIndex) scoreBuffer() []float64 {
	if b, ok := t.scorePool.Get().(*[]float64); ok {
		return *b
	}
	return make([]float64, t.n)
}

// release returns the result's score buffer to the pool; the result must not be used after.
func (sr *searchResult) release(t *textIndex) {
	if sr == nil || sr.scores == nil {
		return
	}
	buf := sr.scores
	sr.scores = nil
	clear(buf)
	t.scorePool.Put(&buf)
}

// eval returns the records matching node; positive terms add their BM25 score to the
// records they match.
func (t *textIndex) eval(node *qnode, sr *searchResult, negated bool) bitmap {
	switch node.op {
	case opTerm:
		var pls []*postings
		if node.prefix {
			pls = t.prefixPostings(node.words[0])
			if !negated {
				sr.prefixes = append(sr.prefixes, node.words[0])
			}
		} else if pl := t.terms[node.words[0]]; pl != nil {
			pls = []*postings{pl}
		}
		if !negated && !node.prefix {
			sr.stems[node.words[0]] = true
		}
		set := newBitmap(t.n)
		for _, pl := range pls {
			for _, d := range pl.docs {
				set.set(int(d))
			}
			if !negated {
				t.score(pl, sr.scores)
			}
		}
		return set
	case opPhrase:
		set := t.phrase(node.words)
		if !negated {
			for _, w := range node.words {
				sr.stems[w] = true
				if pl := t.terms[w]; pl != nil {
					t.scoreWithin(pl, sr.scores, set)
				}
			}
		}
		return set
	case opNot:
		set := fullBitmap(t.n)
		set.andNot(t.eval(node.kids[0], sr, !negated))
		return set
	case opOr:
		set := newBitmap(t.n)
		for _, k := range node.kids {
			set.or(t.eval(k, sr, negated))
		}
		return set
	default: // opAnd
		set := fullBitmap(t.n)
		for _, k := range node.kids {
			set.and(t.eval(k, sr, negated))
		}
		return set
	}
}

func (t *textIndex) idf(pl *postings) float64 {
	df := float64(len(pl.docs))
	return math.Log(1 + (float64(t.n)-df+0.5)/(df+0.5))
}

func (t *textIndex) score(pl *postings, scores []float64) {
	idf := t.idf(pl)
	for i, d := range pl.docs {
		scores[d] += idf * float64(pl.weight[i])
	}
}

func (t *textIndex) scoreWithin(pl *postings, scores []float64, set bitmap) {
	idf := t.idf(pl)
	for i, d := range pl.docs {
		if set.has(int(d)) {
			scores[d] += idf * float64(pl.weight[i])
		}
	}
}

// prefixPostings returns the postings of every word that starts with prefix — words as
// written, not stems, so "dialogic*" finds "dialogic" although its stem is "dialog". Each
// stem counts once; past maxPrefixTerms stems the expansion stops.
func (t *textIndex) prefixPostings(prefix string) []*postings {
	seen := map[string]bool{}
	var out []*postings
	for i := sort.SearchStrings(t.words, prefix); i < len(t.words) && strings.HasPrefix(t.words[i], prefix) && len(out) < maxPrefixTerms; i++ {
		s := t.stems[t.words[i]]
		if !seen[s] {
			seen[s] = true
			out = append(out, t.terms[s])
		}
	}
	return out
}

// phrase returns the records where the words stand next to each other, in order.
func (t *textIndex) phrase(words []string) bitmap {
	set := newBitmap(t.n)
	pls := make([]*postings, len(words))
	for i, w := range words {
		if pls[i] = t.terms[w]; pls[i] == nil {
			return set
		}
	}
	// only documents holding every word can hold the phrase
	candidates := fullBitmap(t.n)
	for _, pl := range pls {
		words := newBitmap(t.n)
		for _, d := range pl.docs {
			words.set(int(d))
		}
		candidates.and(words)
	}
	// walk the first word's documents; the others' cursors only move forward
	cursor := make([]int, len(pls))
	for i, d := range pls[0].docs {
		if !candidates.has(int(d)) {
			continue
		}
		for k := 1; k < len(pls); k++ {
			for pls[k].docs[cursor[k]] < d {
				cursor[k]++
			}
		}
		for _, start := range pls[0].pos[pls[0].posOff[i]:pls[0].posOff[i+1]] {
			if followedBy(pls, cursor, start) {
				set.set(int(d))
				break
			}
		}
	}
	return set
}

// followedBy reports whether word k of the phrase stands at start+k in the current
// document of every cursor.
func followedBy(pls []*postings, cursor []int, start int32) bool {
	for k := 1; k < len(pls); k++ {
		pl, j := pls[k], cursor[k]
		pos := pl.pos[pl.posOff[j]:pl.posOff[j+1]]
		want := start + int32(k)
		x := sort.Search(len(pos), func(x int) bool { return pos[x] >= want })
		if x == len(pos) || pos[x] != want {
			return false
		}
	}
	return true
}

// highlight returns, per field that matched, a snippet with the matched words in <mark>
// and everything else HTML-escaped.
func (t *textIndex) highlight(doc int, sr *searchResult) map[string]string {
	out := map[string]string{}
	for f, name := range t.fields {
		text := t.text(doc, f)
		toks := tokenize(text)
		first := -1
		marked := make([]bool, len(toks))
		for i, tok := range toks {
			if sr.highlights(tok.word, t.stem(tok.word)) {
				marked[i] = true
				if first < 0 {
					first = i
				}
			}
		}
		if first < 0 {
			continue
		}
		const window = 30
		from, to := 0, len(toks)
		if len(toks) > window {
			from = max(0, first-window/3)
			to = min(len(toks), from+window)
		}
		var b strings.Builder
		start := toks[from].start
		if from > 0 {
			b.WriteString("… ")
		} else {
			start = 0
		}
		for i := from; i < to; i++ {
			b.WriteString(html.EscapeString(text[start:toks[i].start]))
			w := html.EscapeString(text[toks[i].start:toks[i].end])
			if marked[i] {
				w = "<mark>" + w + "</mark>"
			}
			b.WriteString(w)
			start = toks[i].end
		}
		if to < len(toks) {
			b.WriteString(" …")
		} else {
			b.WriteString(html.EscapeString(text[start:]))
		}
		out[name] = b.String()
	}
	return out
}

// stem returns a word's stem, from the index's memo when the word is indexed.
func (t *textIndex) stem(word string) string {
	if s, ok := t.stems[word]; ok {
		return s
	}
	return stem(word)
}

func (sr *searchResult) highlights(word, s string) bool {
	if sr.stems[s] {
		return true
	}
	for _, p := range sr.prefixes {
		if strings.HasPrefix(s, p) || strings.HasPrefix(word, p) {
			return true
		}
	}
	return false
}
