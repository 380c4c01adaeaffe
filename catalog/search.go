package catalog

import (
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
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
	MaxSearchTerms  = 32
	MaxPrefixWords  = 200  // words one prefix* may stand for (stems, counted once)
	MaxPrefixTotal  = 400  // words all the prefixes of a search may stand for together
	fieldGap        = 1000 // position gap between fields, so a phrase never spans two
	bm25K1          = 1.2
	bm25B           = 0.75
)

// textIndex is an in-memory inverted index with BM25 ranking over weighted fields. Words are
// case- and diacritic-folded and stemmed (Snowball English), so "parent" finds "parents" and
// "parental"; positions make phrase queries exact.
//
// It numbers its own documents. A full build gives record ordinal o the document o; a
// write appends a new document for each record it changes, and the record's old document
// goes stale (postings are append-only, so a write never copies a long postings list).
// IDF counts stale documents until the next full build, and the average length is the
// build's: between builds, scores drift by a little, never by a record's whole weight.
type textIndex struct {
	n         int // documents, current or stale
	capacity  int // bitmap size in documents: a write that would pass it rebuilds the catalogue
	ordCap    int // bitmap size of the collection, in ordinals
	fields    []string
	weights   []float64
	text      func(o, field int) string // the record at ordinal o, for highlights
	terms     pmap[*postings]
	words     seq[string]  // every indexed word before stemming, sorted: prefixes match words
	added     []string     // the words writes added to words since the full build (did-you-mean reads them beside its lexicon)
	stems     pmap[string] // word → stem for every indexed word: stemming is the slow part
	scorePool *sync.Pool
	ordPool   *sync.Pool
	docLen    []float32
	avgLen    float64
	ordOf     []int32    // the record ordinal of each document
	docOf     vec[int32] // the current document of each ordinal; -1 for none
	current   bitmap     // documents that are some record's current text
	live      int        // how many documents are current
	identity  bool       // documents are ordinals and all are current: no write since the build
	// matchScratch keeps the matched sets of searches that have ended, for the next ones
	matchScratch *scratchBitmaps
}

// postings lists the documents a term stands in, in document order, with the term's BM25
// weight and its positions in each. Positions are compact: two bytes each, and a count
// per document rather than an offset, with an offset kept for every posBlock-th document
// only. A term's positions in one document are capped at maxPositions, and positions past
// math.MaxUint16 are not kept: both lie far beyond any record's text, and only phrases and
// highlights read positions.
type postings struct {
	docs   []int32
	weight []float32 // BM25 term weight of docs[i], before idf: fixed per document, so computed once
	npos   []uint8   // how many positions docs[i] has
	posAt  []int32   // posAt[b] is where the positions of docs[b*posBlock] start in pos
	pos    []uint16
	docSet *docSet
}

const (
	posBlock     = 64
	maxPositions = math.MaxUint8
)

// docSet is a postings list's documents as a bitmap, made the first time a search needs it
// and kept: a term's documents are fixed for the life of its list, and setting a bit per
// document on every search was a third of the search's time.
type docSet struct {
	once sync.Once
	bits bitmap
}

func newPostings() *postings { return &postings{docSet: &docSet{}} }

// set returns the documents of pl as a bitmap of capacity bits, shared: callers must not
// change it.
func (pl *postings) set(capacity int) bitmap {
	pl.docSet.once.Do(func() {
		pl.docSet.bits = newBitmap(capacity)
		for _, d := range pl.docs {
			pl.docSet.bits.set(int(d))
		}
	})
	return pl.docSet.bits
}

// positions returns the positions of the term in docs[i].
func (pl *postings) positions(i int) []uint16 {
	b := i / posBlock
	off := int(pl.posAt[b])
	for _, n := range pl.npos[b*posBlock : i] {
		off += int(n)
	}
	return pl.pos[off : off+int(pl.npos[i])]
}

// occurrence is one term's weighted frequency and positions in one document.
type occurrence struct {
	stem string
	tf   float32
	pos  []int32
}

// docTerms gathers the terms of one document. It is reused from one document to the
// next, its buffers with it: indexing 100,000 records would otherwise allocate tens of
// millions of small objects, a third of the build's time.
type docTerms struct {
	index map[string]int // stem → its place in terms
	terms []occurrence   // in the order they first appear
	toks  []token
}

func newDocTerms() *docTerms { return &docTerms{index: map[string]int{}} }

// add counts one more occurrence of stem s, with weight w, at position p.
func (dt *docTerms) add(s string, w float32, p int32) {
	i, ok := dt.index[s]
	if !ok {
		i = len(dt.terms)
		dt.index[s] = i
		if i < cap(dt.terms) { // reuse the entry, and its positions' array
			dt.terms = dt.terms[:i+1]
			dt.terms[i].stem, dt.terms[i].tf, dt.terms[i].pos = s, 0, dt.terms[i].pos[:0]
		} else {
			dt.terms = append(dt.terms, occurrence{stem: s})
		}
	}
	dt.terms[i].tf += w
	dt.terms[i].pos = append(dt.terms[i].pos, p)
}

// textWorkers is how many goroutines index n records: one per processor, each with at
// least a few thousand records (below that, starting them costs more than it saves).
func textWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n/2000)) }

// buildTextIndex indexes records 0..n-1, whose fields are read through text. Tokenising
// and stemming, most of the work of building a catalogue, are shared among workers, each
// indexing a contiguous run of records; their postings are then joined in record order.
func buildTextIndex(n, capacity, workers int, fields []string, weights []float64, text func(o, field int) string) *textIndex {
	t := newTextIndex(n, capacity, fields, weights, text)
	t.docLen = make([]float32, n)
	type part struct {
		terms map[string]*postings
		stems map[string]string
		total float64
	}
	parts := make([]part, max(1, workers))
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := n*w/len(parts), n*(w+1)/len(parts)
		wg.Go(func() {
			p := part{terms: map[string]*postings{}, stems: map[string]string{}}
			doc := newDocTerms()
			for d := lo; d < hi; d++ {
				length := t.tokens(d, doc, memo(p.stems))
				t.docLen[d] = length
				p.total += float64(length)
				for _, o := range doc.terms {
					pl := p.terms[o.stem]
					if pl == nil {
						pl = newPostings()
						p.terms[o.stem] = pl
					}
					pl.add(int32(d), o.tf, o.pos)
				}
			}
			parts[w] = p
		})
	}
	wg.Wait()
	var total float64
	terms, stems := map[string]*postings{}, map[string]string{}
	for _, p := range parts {
		total += p.total
		maps.Copy(stems, p.stems)
		for s := range p.terms {
			if terms[s] == nil {
				var pls []*postings
				for _, q := range parts { // in record order: documents stay in order
					if pl := q.terms[s]; pl != nil {
						pls = append(pls, pl)
					}
				}
				terms[s] = joinPostings(pls)
			}
		}
	}
	if n > 0 {
		t.avgLen = total / float64(n)
	}
	for _, pl := range terms {
		for i, d := range pl.docs {
			pl.weight[i] = t.bm25(pl.weight[i], t.docLen[d])
		}
	}
	t.terms, t.stems = pmapOf(terms), pmapOf(stems)
	t.sortWords()
	return t
}

// newTextIndex is an index of n records, each its own document, with no terms yet.
func newTextIndex(n, capacity int, fields []string, weights []float64, text func(o, field int) string) *textIndex {
	t := &textIndex{n: n, capacity: capacity, ordCap: capacity, fields: fields, weights: weights, text: text,
		scorePool: &sync.Pool{}, ordPool: &sync.Pool{}, matchScratch: newScratch(capacity), ordOf: make([]int32, n),
		current: newBitmap(capacity), live: n, identity: true}
	docOf := make([]int32, n)
	for d := 0; d < n; d++ {
		t.ordOf[d], docOf[d] = int32(d), int32(d)
		t.current.set(d)
	}
	t.docOf = vecOf(docOf)
	return t
}

// sortWords lists the index's words, sorted, from its stem memo.
func (t *textIndex) sortWords() {
	words := make([]string, 0, t.stems.len())
	for w := range t.stems.all() {
		words = append(words, w)
	}
	sort.Strings(words)
	t.words = seqOf(words)
}

// memo stems a word through the memo stems, adding the words it lacks.
func memo(stems map[string]string) func(word string) string {
	return func(word string) string {
		s, ok := stems[word]
		if !ok {
			s = stem(word)
			stems[word] = s
		}
		return s
	}
}

// tokens fills doc with the terms of record o (cleared first) and returns its weighted
// length; stemOf stems a word (through a memo: stemming is the slow part).
func (t *textIndex) tokens(o int, doc *docTerms, stemOf func(word string) string) float32 {
	clear(doc.index)
	doc.terms = doc.terms[:0]
	var length float32
	for f := range t.fields {
		p := int32(f * fieldGap)
		doc.toks = tokenizeInto(doc.toks[:0], t.text(o, f), math.MaxInt, true)
		for _, tok := range doc.toks {
			doc.add(stemOf(tok.word), float32(t.weights[f]), p)
			p++
			length += float32(t.weights[f])
		}
	}
	return length
}

// appendPosting returns pl with document d appended. The arrays are appended to in place:
// a snapshot reads only as far as its own postings' lengths, so earlier snapshots are
// unaffected, provided each snapshot derives at most one successor that is kept.
func appendPosting(pl *postings, d int32, weight float32, pos []int32) *postings {
	np := newPostings()
	if pl != nil {
		*np = *pl
		np.docSet = &docSet{}
	}
	np.add(d, weight, pos)
	return np
}

// add appends document d to pl itself: for a list no snapshot reads yet (a build's).
func (pl *postings) add(d int32, weight float32, pos []int32) {
	if len(pl.docs)%posBlock == 0 {
		pl.posAt = append(pl.posAt, int32(len(pl.pos)))
	}
	pl.docs = append(pl.docs, d)
	pl.weight = append(pl.weight, weight)
	n := 0
	for _, p := range pos {
		if n == maxPositions || p > math.MaxUint16 {
			break
		}
		pl.pos = append(pl.pos, uint16(p))
		n++
	}
	pl.npos = append(pl.npos, uint8(n))
}

// joinPostings returns one postings list of lists whose documents follow one another,
// in arrays of the exact size (no room left from appending).
func joinPostings(pls []*postings) *postings {
	if len(pls) == 1 {
		return pls[0]
	}
	var docs, pos int
	for _, pl := range pls {
		docs, pos = docs+len(pl.docs), pos+len(pl.pos)
	}
	out := &postings{docs: make([]int32, 0, docs), weight: make([]float32, 0, docs), npos: make([]uint8, 0, docs),
		posAt: make([]int32, 0, (docs+posBlock-1)/posBlock), pos: make([]uint16, 0, pos), docSet: &docSet{}}
	for _, pl := range pls {
		out.docs = append(out.docs, pl.docs...)
		out.weight = append(out.weight, pl.weight...)
		out.npos = append(out.npos, pl.npos...)
		out.pos = append(out.pos, pl.pos...)
	}
	off := int32(0)
	for i, n := range out.npos {
		if i%posBlock == 0 {
			out.posAt = append(out.posAt, off)
		}
		off += int32(n)
	}
	return out
}

// bm25 turns a weighted term frequency into the term's BM25 weight in a document.
func (t *textIndex) bm25(tf, docLen float32) float32 {
	norm := 1 - bm25B + bm25B*float64(docLen)/t.avgLen
	return float32(float64(tf) * (bm25K1 + 1) / (float64(tf) + bm25K1*norm))
}

// apply returns the index with the touched ordinals' text read afresh: each record still
// alive gets a new document, and its old one goes stale. ordinals is how many the
// collection now uses, and live which of them hold a record.
func (t *textIndex) apply(touched []int, ordinals int, live bitmap, text func(o, field int) string) *textIndex {
	nt := *t
	nt.text = text
	nt.identity = false
	nt.ordCap = len(live) * 64
	nt.scorePool, nt.ordPool, nt.matchScratch = &sync.Pool{}, &sync.Pool{}, newScratch(nt.ordCap)
	// the ordinals' documents, the terms and the stem memo are shared with t, but for the
	// chunks and shards this write changes
	docOf, terms, stems := t.docOf.edit(), t.terms.edit(), t.stems.edit()
	docOf.grow(ordinals, -1)
	nt.current = t.current.clone()
	var newWords []string
	stemOf := func(word string) string { // tokens memoises new words
		s, ok := stems.get(word)
		if !ok {
			s = stem(word)
			stems.put(word, s)
			newWords = append(newWords, word)
		}
		return s
	}
	doc := newDocTerms()
	for _, o := range touched {
		if old := docOf.at(o); old >= 0 {
			nt.current.clear(int(old))
			docOf.set(o, -1)
			nt.live--
		}
		if !live.has(o) {
			continue
		}
		d := int32(nt.n)
		nt.n++
		length := nt.tokens(o, doc, stemOf)
		nt.docLen = append(nt.docLen, length)
		for _, oc := range doc.terms {
			pl, _ := terms.get(oc.stem)
			terms.put(oc.stem, appendPosting(pl, d, nt.bm25(oc.tf, length), oc.pos))
		}
		nt.ordOf = append(nt.ordOf, int32(o))
		docOf.set(o, d)
		nt.current.set(int(d))
		nt.live++
	}
	nt.docOf, nt.terms, nt.stems = docOf.done(), terms.done(), stems.done()
	if len(newWords) > 0 {
		nt.added = append(slices.Clip(t.added), newWords...)
		for _, w := range newWords {
			at := nt.words.search(func(x string) bool { return x >= w })
			if at == nt.words.len() || nt.words.at(at) != w {
				nt.words = nt.words.insert(at, w)
			}
		}
	}
	return &nt
}

// room reports whether the index can take k more documents without a rebuild.
func (t *textIndex) room(k int) bool { return t.n+k <= t.capacity }

type token struct {
	word       string // folded, lower-cased
	start, end int    // byte span in the original text
}

// tokenize splits text into words: runs of letters, digits and combining marks.
func tokenize(text string) []token { return tokenizeInto(nil, text, math.MaxInt, true) }

// tokenizeInto is tokenize appending to toks, so a caller can reuse its array, and
// stopping once toks holds limit words. Without words, a token has its span only, unless
// it is not ASCII (folding may leave nothing of it, and then it is no word): highlights
// need the spans, and folding every word was most of their time.
func tokenizeInto(toks []token, text string, limit int, words bool) []token {
	start, plain := -1, true // the current word's start, and whether it is ASCII so far
	for i := 0; i < len(text) && len(toks) < limit; {
		c, size := text[i], 1
		var inWord bool
		if c < utf8.RuneSelf { // most text is ASCII: no decoding, no Unicode tables
			inWord = asciiWord[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			inWord = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		}
		switch {
		case inWord && start < 0:
			start, plain = i, c < utf8.RuneSelf
		case inWord:
			plain = plain && c < utf8.RuneSelf
		case start >= 0:
			toks = appendToken(toks, text, start, i, plain, words)
			start = -1
		}
		i += size
	}
	if start >= 0 && len(toks) < limit {
		toks = appendToken(toks, text, start, len(text), plain, words)
	}
	return toks
}

// asciiWord says which ASCII bytes are word characters: letters and digits.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

func appendToken(toks []token, text string, start, end int, plain, words bool) []token {
	switch {
	case plain && !words:
		return append(toks, token{start: start, end: end})
	case plain: // fold would scan the word again to learn it is ASCII
		return append(toks, token{word: strings.ToLower(text[start:end]), start: start, end: end})
	}
	if w := fold(text[start:end]); w != "" {
		toks = append(toks, token{word: w, start: start, end: end})
	}
	return toks
}

// fold lower-cases a word and strips its diacritics ("Sénéchal" → "senechal").
func fold(w string) string {
	if ascii(w) {
		return strings.ToLower(w)
	}
	f, _, err := transform.String(transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), w)
	if err != nil {
		f = w
	}
	return strings.ToLower(f)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func stem(w string) string {
	if len(w) < 3 {
		return w
	}
	return english.Stem(w, false)
}

// searchResult is what a search found: hits over the whole collection (so disjunctive facets
// can re-filter it), matched within the filters, a dense score per record, and the terms
// whose positions highlights mark.
type searchResult struct {
	hits      bitmap    // records, by ordinal
	matched   bitmap    // hits within the filters
	scores    []float64 // per ordinal
	docScores []float64 // per document: the same buffer as scores until a write
	marks     []mark    // what a hit's highlights mark: the terms the search matched, not those it negated
	noScore   bool      // count only: no scores, no marks (did-you-mean checks a correction this way)
	// prefixWords counts the words prefixes expanded to; broadPrefix is the first prefix
	// that stands for more than MaxPrefixWords, which the search refuses
	prefixWords int
	broadPrefix string
}

// search runs a query in the search grammar (words, "phrases", prefix*, AND, OR, NOT, -word,
// parentheses; adjacent words are ANDed) over the records in within.
//
// A prefix that stands for too many words is refused, unless capPrefixes, where it stands
// for its first MaxPrefixWords (autocomplete: suggestions need not be complete).
func (t *textIndex) search(q string, within bitmap, capPrefixes bool) (*searchResult, error) {
	// counted in characters, as the spec's maxLength counts them
	if n := utf8.RuneCountInString(q); n > MaxSearchLength {
		return nil, models.Invalid(PartSearch, fmt.Sprintf("is %d characters long; at most %d", n, MaxSearchLength))
	}
	p := &queryParser{items: lexQuery(q)}
	root := p.parseOr()
	if p.terms > MaxSearchTerms {
		return nil, models.Invalid(PartSearch, fmt.Sprintf("has %d terms; at most %d", p.terms, MaxSearchTerms))
	}
	sr := &searchResult{docScores: pooled(t.scorePool, t.capacity)}
	var hits bitmap
	if root != nil {
		hits = t.eval(root, sr, false)
	} else {
		hits = newBitmap(t.capacity)
	}
	switch {
	case capPrefixes:
	case sr.broadPrefix != "":
		return nil, models.Invalid(PartSearch, fmt.Sprintf("%s* stands for more than %d words; at most %d per prefix: make it longer", sr.broadPrefix, MaxPrefixWords, MaxPrefixWords))
	case sr.prefixWords > MaxPrefixTotal:
		return nil, models.Invalid(PartSearch, fmt.Sprintf("its prefixes stand for %d words; at most %d in all", sr.prefixWords, MaxPrefixTotal))
	}
	if t.identity {
		sr.hits, sr.scores = hits, sr.docScores
	} else { // from documents to the records whose current text they are
		hits.and(t.current)
		sr.hits, sr.scores = newBitmap(t.ordCap), pooled(t.ordPool, t.ordCap)
		hits.each(func(d int) bool {
			o := t.ordOf[d]
			sr.hits.set(int(o))
			sr.scores[o] = sr.docScores[d]
			return true
		})
	}
	sr.matched = t.matchScratch.copyOf(sr.hits)
	sr.matched.and(within)
	return sr, nil
}

// pooled returns a zeroed score buffer of size n. Buffers are pooled: at 100,000 records
// each is 800 KB, and allocating one per search would keep the collector busy under load.
func pooled(pool *sync.Pool, n int) []float64 {
	if b, ok := pool.Get().(*[]float64); ok {
		return *b
	}
	return make([]float64, n)
}

// keepMatched hands the matched records over to the caller, to hold past release.
func (sr *searchResult) keepMatched() bitmap {
	m := sr.matched
	sr.matched = nil
	return m
}

// release returns the result's score buffers and matched set to their pools; the result
// must not be used after.
func (sr *searchResult) release(t *textIndex) {
	if sr == nil || sr.docScores == nil {
		return
	}
	for _, b := range []struct {
		buf  []float64
		pool *sync.Pool
	}{{sr.docScores, t.scorePool}, {sr.scores, t.ordPool}} {
		if b.buf == nil || b.pool == t.ordPool && t.identity {
			continue
		}
		buf := b.buf
		clear(buf)
		b.pool.Put(&buf)
	}
	sr.docScores, sr.scores = nil, nil
	t.matchScratch.release(sr.matched)
	sr.matched = nil
}

// eval returns the records matching node; positive terms add their BM25 score to the
// records they match.
func (t *textIndex) eval(node *qnode, sr *searchResult, negated bool) bitmap {
	switch node.op {
	case opTerm:
		var pls []*postings
		var stems []string
		if node.prefix {
			var complete bool
			pls, stems, complete = t.prefixPostings(node.words[0])
			sr.prefixWords += len(pls)
			if !complete && sr.broadPrefix == "" {
				sr.broadPrefix = node.words[0]
			}
		} else if pl := t.terms.at(node.words[0]); pl != nil {
			pls, stems = []*postings{pl}, node.words[:1]
		}
		set := newBitmap(t.capacity)
		for i, pl := range pls {
			set.or(pl.set(t.capacity))
			if !negated && !sr.noScore {
				t.score(pl, sr.docScores)
				if !stopStems[stems[i]] { // never a stop word alone
					sr.marks = append(sr.marks, mark{pl})
				}
			}
		}
		return set
	case opPhrase:
		set := t.phrase(node.words)
		if !negated && !sr.noScore {
			m := make(mark, 0, len(node.words))
			for _, w := range node.words {
				if pl := t.terms.at(w); pl != nil {
					t.scoreWithin(pl, sr.docScores, set)
					m = append(m, pl)
				}
			}
			if len(m) == len(node.words) { // a phrase is marked as a phrase, where it stands whole
				sr.marks = append(sr.marks, m)
			}
		}
		return set
	case opNot:
		set := t.current.clone()
		set.andNot(t.eval(node.kids[0], sr, !negated))
		return set
	case opOr:
		set := newBitmap(t.capacity)
		for _, k := range node.kids {
			set.or(t.eval(k, sr, negated))
		}
		return set
	default: // opAnd
		set := t.current.clone()
		for _, k := range node.kids {
			set.and(t.eval(k, sr, negated))
		}
		return set
	}
}

func (t *textIndex) idf(pl *postings) float64 {
	df := float64(len(pl.docs))
	return math.Log(1 + (float64(t.live)-df+0.5)/(df+0.5))
}

func (t *textIndex) score(pl *postings, scores []float64) {
	idf := t.idf(pl)
	weight := pl.weight[:len(pl.docs)] // one bounds check, not one per posting
	for i, d := range pl.docs {
		scores[d] += idf * float64(weight[i])
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
// stem counts once; past MaxPrefixWords stems the expansion stops, and complete is false.
func (t *textIndex) prefixPostings(prefix string) (pls []*postings, stems []string, complete bool) {
	seen := map[string]bool{}
	for _, w := range t.words.from(t.words.search(func(w string) bool { return w >= prefix })) {
		if !strings.HasPrefix(w, prefix) {
			break
		}
		s := t.stems.at(w)
		if !seen[s] {
			if len(pls) == MaxPrefixWords {
				return pls, stems, false
			}
			seen[s] = true
			pls, stems = append(pls, t.terms.at(s)), append(stems, s)
		}
	}
	return pls, stems, true
}

// phrase returns the records where the words stand next to each other, in order.
func (t *textIndex) phrase(words []string) bitmap {
	set := newBitmap(t.capacity)
	pls := make([]*postings, len(words))
	for i, w := range words {
		if pls[i] = t.terms.at(w); pls[i] == nil {
			return set
		}
	}
	// only documents holding every word can hold the phrase
	candidates := t.current.clone()
	for _, pl := range pls {
		candidates.and(pl.set(t.capacity))
	}
	// walk the first word's documents; the others' cursors only move forward, each with
	// the offset of its document's positions
	cursor, off := make([]int, len(pls)), make([]int, len(pls))
	first := pls[0]
	for i, d := range first.docs {
		starts := first.pos[off[0] : off[0]+int(first.npos[i])]
		off[0] += int(first.npos[i])
		if !candidates.has(int(d)) {
			continue
		}
		for k := 1; k < len(pls); k++ {
			for pls[k].docs[cursor[k]] < d {
				off[k] += int(pls[k].npos[cursor[k]])
				cursor[k]++
			}
		}
		for _, start := range starts {
			if followedBy(pls, cursor, off, int(start)) {
				set.set(int(d))
				break
			}
		}
	}
	return set
}

// followedBy reports whether word k of the phrase stands at start+k in the current
// document of every cursor.
func followedBy(pls []*postings, cursor, off []int, start int) bool {
	for k := 1; k < len(pls); k++ {
		pl := pls[k]
		pos := pl.pos[off[k] : off[k]+int(pl.npos[cursor[k]])]
		want := start + k
		x := 0 // a word stands a few times in a document: a scan beats a binary search
		for x < len(pos) && int(pos[x]) < want {
			x++
		}
		if x == len(pos) || int(pos[x]) != want {
			return false
		}
	}
	return true
}

// htmlEscaper escapes what html.EscapeString does, writing straight into a builder.
var htmlEscaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

// highlight returns, per field that matched, a snippet with the matched words in <mark>
// and everything else HTML-escaped. The words to mark are where the search's terms stand
// in the record's document, from the postings: only the snippet's own words are tokenised,
// and none is stemmed. A phrase's words are marked where the whole phrase stands, and a
// stop word never on its own (see mark).
func (t *textIndex) highlight(o int, sr *searchResult) map[string]string {
	d := t.docOf.at(o)
	var marks []int
	for _, m := range sr.marks {
		marks = m.appendPositions(marks, d)
	}
	slices.Sort(marks)
	marks = slices.Compact(marks)
	out := map[string]string{}
	var toks []token
	for f, name := range t.fields {
		lo := sort.SearchInts(marks, f*fieldGap)
		if lo == len(marks) || marks[lo] >= (f+1)*fieldGap {
			continue
		}
		inField := marks[lo:]
		first := inField[0] - f*fieldGap
		const window = 30
		// a field of more than window words shows window of them, from a third of a
		// window before the first mark
		from := max(0, first-window/3)
		text := t.text(o, f)
		if cap(toks) < from+window+1 {
			toks = make([]token, 0, from+window+1)
		}
		toks = tokenizeInto(toks[:0], text, from+window+1, false)
		if first >= len(toks) {
			continue // a mark past the field's end: the previous field ran past fieldGap words
		}
		if len(toks) <= window {
			from = 0
		}
		to := min(len(toks), from+window)
		var b strings.Builder
		start := 0
		if from > 0 {
			b.WriteString("… ")
			start = toks[from].start
		}
		end := len(text)
		if to < len(toks) {
			end = toks[to-1].end
		}
		// most text has nothing to escape: then it is copied as it is
		write := b.WriteString
		if strings.ContainsAny(text[start:end], `&'<>"`) {
			write = func(s string) (int, error) { return htmlEscaper.WriteString(&b, s) }
		}
		b.Grow(end - start + 64)
		for i := from; i < to; i++ {
			_, _ = write(text[start:toks[i].start])
			_, marked := slices.BinarySearch(inField, f*fieldGap+i)
			if marked {
				b.WriteString("<mark>")
			}
			_, _ = write(text[toks[i].start:toks[i].end])
			if marked {
				b.WriteString("</mark>")
			}
			start = toks[i].end
		}
		if to < len(toks) {
			b.WriteString(" …")
		} else {
			_, _ = write(text[start:])
		}
		out[name] = b.String()
	}
	return out
}

// mark is what a search's highlights mark for one term it matched: a word (one postings
// list), or a phrase (one per word, in order), whose words are marked only where they
// stand together, in order. q=EAL searches the phrase "english as an additional
// language": its "as" and "an" are marked inside the phrase, never elsewhere.
type mark []*postings

// appendPositions appends to marks the positions m marks in document d.
func (m mark) appendPositions(marks []int, d int32) []int {
	if len(m) == 1 {
		if i, found := slices.BinarySearch(m[0].docs, d); found {
			for _, p := range m[0].positions(i) {
				marks = append(marks, int(p))
			}
		}
		return marks
	}
	at := make([][]uint16, len(m))
	for k, pl := range m {
		i, found := slices.BinarySearch(pl.docs, d)
		if !found {
			return marks
		}
		at[k] = pl.positions(i)
	}
next:
	for _, start := range at[0] {
		for k := 1; k < len(at); k++ {
			if _, found := slices.BinarySearch(at[k], start+uint16(k)); !found || int(start)+k > math.MaxUint16 {
				continue next
			}
		}
		for k := range at {
			marks = append(marks, int(start)+k)
		}
	}
	return marks
}

// stopWords are the words a highlight never marks alone, since marking them says nothing
// of why a record matched (Lucene's English stop set). Inside a phrase they are marked
// with it. Search itself still finds them.
var stopWords = []string{"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
	"no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
	"was", "will", "with"}

// stopStems are the stop words as the index holds them.
var stopStems = func() map[string]bool {
	m := make(map[string]bool, len(stopWords))
	for _, w := range stopWords {
		m[stem(w)] = true
	}
	return m
}()
