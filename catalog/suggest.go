package catalog

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Did you mean. When a word of a search matches nothing, the engine looks for the closest
// words the evidence base knows — the words both search indexes hold (intervention names
// among them) and the words of the synonym list — and offers the search with those words
// corrected, if it finds something. It never changes the results: the suggestion goes
// beside them (Page.DidYouMean), and the person chooses.
//
// Closeness is the Damerau–Levenshtein distance in its optimal-string-alignment form (a
// swap of two neighbouring letters is one edit), bounded by the length of the word typed,
// as Meilisearch bounds it: no edit up to 4 letters, 1 from 5 to 8, 2 from 9; an error in
// the first letter costs 2. Of candidates equally close, the more frequent in the
// collection searched comes first. Only words that match nothing are corrected (a word the
// evidence base knows is no typo, even where this collection lacks it); the rest of the
// query is kept as typed; and a correction is offered only when it finds records with the
// same filter.

// Suggestion is a corrected search and how many records it finds, filters applied.
type Suggestion struct {
	Query string
	Total int
}

const (
	maxCandidates  = 3 // closest words tried per misspelt word
	maxSuggestions = 8 // corrected queries run, at most, to find one with hits
)

// maxEdits is how many edits a word of n letters may be from the word it stands for.
func maxEdits(n int) int {
	switch {
	case n <= 4:
		return 0
	case n <= 8:
		return 1
	}
	return 2
}

// lexicon is every word the evidence base knows, arranged for finding those within two
// edits of a word quickly: grouped by first letter and length, since a word of n letters
// within k edits has n-k to n+k letters and keeps its first letter unless it pays the
// first-letter penalty. A group is in alphabetical order, so a scan of it reuses the rows
// of the edit-distance table for the letters a word shares with the one before, and skips
// every word that starts with letters already out of reach.
//
// It is built once, the first time a search needs it, and shared by the snapshots that
// writes derive from that one: the words a write adds are each index's added list, read
// beside the lexicon. A full build of the catalogue starts a new one.
type lexicon struct {
	words  []string            // sorted, unique
	byKey  []int32             // word numbers grouped by (first letter, length), in word order within a group
	groups map[lexKey][2]int32 // where each group lies in byKey
	firsts []rune              // the letters words start with
}

type lexKey struct {
	first rune
	n     int32
}

// lazyLexicon builds a lexicon once, on first use.
type lazyLexicon struct {
	once sync.Once
	lex  *lexicon
}

func (l *lazyLexicon) get(build func() *lexicon) *lexicon {
	l.once.Do(func() { l.lex = build() })
	return l.lex
}

// lexicon is the words of cat's two search indexes (the interventions' holds their names
// and aliases) and of the synonym list, built on first use.
func (cat *Catalog) lexicon() *lexicon { return cat.lex.get(cat.buildLexicon) }

func (cat *Catalog) buildLexicon() *lexicon {
	return newLexicon(cat.studies.text.words.flat(), cat.interventions.text.words.flat(), synonymWords)
}

// synonymWords are the words of the synonym list, folded and sorted.
var synonymWords = func() []string {
	var words []string
	for _, g := range Synonyms {
		for _, term := range g.Terms {
			for _, tok := range tokenize(term) {
				words = append(words, tok.word)
			}
		}
	}
	slices.Sort(words)
	return slices.Compact(words)
}()

// newLexicon is a lexicon of the words of lists, each sorted.
func newLexicon(lists ...[]string) *lexicon {
	words := mergeSorted(lists)
	lx := &lexicon{words: words, byKey: make([]int32, len(words)), groups: map[lexKey][2]int32{}}
	// a counting sort by key keeps each group in word order
	keys := make([]lexKey, len(words))
	for i, w := range words {
		first, _ := utf8.DecodeRuneInString(w)
		keys[i] = lexKey{first, int32(utf8.RuneCountInString(w))}
		g := lx.groups[keys[i]]
		g[1]++
		lx.groups[keys[i]] = g
	}
	order := slices.SortedFunc(maps.Keys(lx.groups), func(a, b lexKey) int { return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.n, b.n)) })
	at := int32(0)
	for _, k := range order {
		n := lx.groups[k][1]
		lx.groups[k] = [2]int32{at, at} // filled below: the end moves on as words come
		at += n
		if len(lx.firsts) == 0 || lx.firsts[len(lx.firsts)-1] != k.first {
			lx.firsts = append(lx.firsts, k.first)
		}
	}
	for i, k := range keys {
		g := lx.groups[k]
		lx.byKey[g[1]] = int32(i)
		g[1]++
		lx.groups[k] = g
	}
	return lx
}

// mergeSorted is the words of sorted lists, in order, each once.
func mergeSorted(lists [][]string) []string {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]string, 0, n)
	at := make([]int, len(lists))
	for {
		best := -1
		for i, l := range lists {
			if at[i] < len(l) && (best < 0 || l[at[i]] < lists[best][at[best]]) {
				best = i
			}
		}
		if best < 0 {
			return slices.Clip(out)
		}
		w := lists[best][at[best]]
		at[best]++
		if len(out) == 0 || out[len(out)-1] != w {
			out = append(out, w)
		}
	}
}

// has reports whether the lexicon holds the word w.
func (lx *lexicon) has(w string) bool {
	_, found := slices.BinarySearch(lx.words, w)
	return found
}

// group is the words of a key, in order.
func (lx *lexicon) group(first rune, n int) []int32 {
	g, ok := lx.groups[lexKey{first, int32(n)}]
	if !ok {
		return nil
	}
	return lx.byKey[g[0]:g[1]]
}

// find reports whether the group holds w.
func (lx *lexicon) find(group []int32, w string) bool {
	_, found := slices.BinarySearchFunc(group, w, func(id int32, w string) int { return strings.Compare(lx.words[id], w) })
	return found
}

// candidate is a word a misspelt word may stand for, with its cost in edits and how many
// documents of the collection searched hold it.
type candidate struct {
	word string
	cost int
	df   int
}

// closest calls emit with every word of the lexicon within reach of the word typed (q, as
// runes) and its cost; a word may come twice, at most once per cost.
func (lx *lexicon) closest(q []rune, emit func(w string, cost int)) {
	k := maxEdits(len(q))
	if k == 0 {
		return
	}
	var sc scan
	for n := len(q) - k; n <= len(q)+k; n++ {
		sc.group(lx, lx.group(q[0], n), q, k, emit)
	}
	if k < 2 {
		return
	}
	// a first-letter error costs 2, so it is the word's only edit: the first letter
	// dropped, swapped with the second, changed, or a letter put before it
	rest := string(q[1:])
	if q[0] != q[1] {
		if lx.has(rest) {
			emit(rest, 2)
		}
		if swapped := string(q[1]) + string(q[0]) + string(q[2:]); lx.has(swapped) {
			emit(swapped, 2)
		}
	}
	for _, c := range lx.firsts {
		if c == q[0] {
			continue
		}
		if w := string(c) + rest; lx.find(lx.group(c, len(q)), w) {
			emit(w, 2)
		}
		if w := string(c) + string(q); lx.find(lx.group(c, len(q)+1), w) {
			emit(w, 2)
		}
	}
}

// cost is how far the word typed (q, as runes) is from w, with the first-letter penalty;
// more than k when it is out of reach.
func cost(q []rune, w string, k int, scratch *osaScratch) int {
	first, _ := utf8.DecodeRuneInString(w)
	if first != q[0] {
		if k < 2 {
			return k + 1
		}
		return scratch.distance(q, w, k-1) + 1
	}
	return scratch.distance(q, w, k)
}

// scan walks a group of words in order, computing each one's optimal-string-alignment
// distance to the word typed row by row, one row per letter of the word: the rows of the
// letters a word shares with the one before are kept, and once a row is all beyond k,
// every word starting with those letters is (the later rows cannot come back under k),
// so they are skipped together.
type scan struct {
	rows []int  // row i (of len(q)+1 cells) is the table after the candidate's first i letters
	cand []rune // the candidate's letters
	ends []int  // ends[i] is where the candidate's first i letters end, in bytes
}

func (sc *scan) group(lx *lexicon, ids []int32, q []rune, k int, emit func(string, int)) {
	width := len(q) + 1
	valid := 0 // rows 0..valid hold for cand[:valid]
	sc.cand, sc.ends = sc.cand[:0], append(sc.ends[:0], 0)
	if len(sc.rows) < width {
		sc.rows = make([]int, width, 32*width)
	}
	for j := range width {
		sc.rows[j] = j
	}
	for x := 0; x < len(ids); x++ {
		w := lx.words[ids[x]]
		// the letters w shares with the rows kept
		shared, off := 0, 0
		for shared < valid {
			r, size := utf8.DecodeRuneInString(w[off:])
			if r != sc.cand[shared] {
				break
			}
			shared, off = shared+1, off+size
		}
		sc.cand, sc.ends = sc.cand[:shared], sc.ends[:shared+1]
		for i, r := range w[off:] {
			sc.cand = append(sc.cand, r)
			sc.ends = append(sc.ends, off+i+utf8.RuneLen(r))
		}
		if need := (len(sc.cand) + 1) * width; len(sc.rows) < need {
			sc.rows = append(sc.rows, make([]int, need-len(sc.rows))...)
		}
		dead := 0
		for i := shared + 1; i <= len(sc.cand); i++ {
			if sc.row(i, q) > k {
				dead = i
				break
			}
		}
		if dead == 0 {
			valid = len(sc.cand)
			if d := sc.rows[valid*width+len(q)]; d <= k {
				emit(w, d)
			}
			continue
		}
		valid = dead
		prefix := w[:sc.ends[dead]]
		for x+1 < len(ids) && strings.HasPrefix(lx.words[ids[x+1]], prefix) {
			x++
		}
	}
}

// row fills row i of the table, for the candidate's letter i, and returns its least cell.
func (sc *scan) row(i int, q []rune) int {
	width := len(q) + 1
	prev, cur := sc.rows[(i-1)*width:i*width], sc.rows[i*width:(i+1)*width]
	c := sc.cand[i-1]
	cur[0] = i
	least := i
	for j := 1; j < width; j++ {
		sub := 1
		if c == q[j-1] {
			sub = 0
		}
		v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
		if i > 1 && j > 1 && c == q[j-2] && sc.cand[i-2] == q[j-1] {
			v = min(v, sc.rows[(i-2)*width+j-2]+1)
		}
		cur[j] = v
		least = min(least, v)
	}
	return least
}

// osaScratch holds the rows of the distance's table, so computing one allocates nothing.
type osaScratch struct {
	b    []rune
	rows [3][]int
}

// distance is the optimal-string-alignment distance between a and b (Damerau–Levenshtein
// where a swap of neighbours is one edit and no substring is edited twice), or k+1 once it
// is sure to exceed k.
func (s *osaScratch) distance(a []rune, bs string, k int) int {
	s.b = s.b[:0]
	for _, r := range bs {
		s.b = append(s.b, r)
	}
	b := s.b
	if abs(len(a)-len(b)) > k {
		return k + 1
	}
	for i := range s.rows {
		if cap(s.rows[i]) < len(b)+1 {
			s.rows[i] = make([]int, len(b)+1, max(len(b)+1, 32))
		}
		s.rows[i] = s.rows[i][:len(b)+1]
	}
	prev2, prev, cur := s.rows[0], s.rows[1], s.rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		least := i
		for j := 1; j <= len(b); j++ {
			sub := 1
			if a[i-1] == b[j-1] {
				sub = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			least = min(least, v)
		}
		if least > k {
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], k+1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// typo is a word of a search that matches nothing, where it stands in the query, and the
// words it may stand for, best first.
type typo struct {
	start, end int // bytes of the query
	cands      []candidate
}

// didYouMean is the correction of search q over the records in within (the filter's), or
// nil when no word of q needs one or no correction finds anything.
//
// It is the least part of a request: past the query's deadline (ctx) it gives up, and the
// page goes without a suggestion.
func (cat *Catalog) didYouMean(ctx context.Context, c *collection, q string, within bitmap) *Suggestion {
	typos := c.typos(ctx, q, cat)
	if len(typos) == 0 {
		return nil
	}
	for _, choice := range choices(typos) {
		if expired(ctx) != nil {
			return nil
		}
		corrected := correct(q, typos, choice)
		if n := c.text.count(corrected, within); n > 0 {
			return &Suggestion{Query: corrected, Total: n}
		}
	}
	return nil
}

// typos are the words of q that match nothing in c and that the evidence base does not
// know, each with its candidates. Negated words, prefixes and synonyms are left alone:
// none of them can be why a search finds nothing.
func (c *collection) typos(ctx context.Context, q string, cat *Catalog) []typo {
	var found []typo
	var lx *lexicon
	var negated []bool // per open bracket: whether it is negated
	not := false
	for _, it := range lexQuery(q) {
		inNot := not || len(negated) > 0 && negated[len(negated)-1]
		switch it.kind {
		case itemNot:
			not = true
			continue
		case itemOpen:
			negated = append(negated, inNot)
		case itemClose:
			if len(negated) > 0 {
				negated = negated[:len(negated)-1]
			}
		case itemWord, itemPhrase:
			if inNot || it.kind == itemWord && strings.HasSuffix(it.text, "*") {
				break
			}
			if _, ok := expandSynonyms(it.text); ok {
				break
			}
			for _, tok := range tokenize(it.text) {
				n := utf8.RuneCountInString(tok.word)
				if maxEdits(n) == 0 || strings.IndexFunc(tok.word, unicode.IsDigit) >= 0 || c.text.holds(tok.word) {
					continue
				}
				if expired(ctx) != nil {
					return nil
				}
				if lx == nil {
					lx = cat.lexicon()
				}
				// a word of the other list, or one the lexicon holds, is spelt right
				if cat.studies.text.holds(tok.word) || cat.interventions.text.holds(tok.word) || lx.has(tok.word) {
					continue
				}
				found = append(found, typo{start: it.at + tok.start, end: it.at + tok.end, cands: cat.candidates(c, lx, tok.word)})
			}
		}
		not = false
	}
	// a word with no candidate is kept as typed; with none at all there is nothing to offer
	if !slices.ContainsFunc(found, func(t typo) bool { return len(t.cands) > 0 }) {
		return nil
	}
	return found
}

// candidates are the words within reach of word, best first: fewest edits, then most
// frequent in c, then in alphabetical order.
func (cat *Catalog) candidates(c *collection, lx *lexicon, word string) []candidate {
	q := []rune(word)
	best := map[string]int{}
	add := func(w string, cost int) {
		if old, ok := best[w]; !ok || cost < old {
			best[w] = cost
		}
	}
	lx.closest(q, add)
	// the words writes added since the lexicon was built
	k := maxEdits(len(q))
	var scratch osaScratch
	for _, added := range [][]string{cat.studies.text.added, cat.interventions.text.added} {
		for _, w := range added {
			if n := utf8.RuneCountInString(w); abs(n-len(q)) <= k {
				if d := cost(q, w, k, &scratch); d <= k {
					add(w, d)
				}
			}
		}
	}
	out := make([]candidate, 0, len(best))
	for w, d := range best {
		out = append(out, candidate{word: w, cost: d, df: c.text.df(w)})
	}
	slices.SortFunc(out, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.cost, b.cost), cmp.Compare(b.df, a.df), strings.Compare(a.word, b.word))
	})
	return out[:min(len(out), maxCandidates)]
}

// choices are the combinations of candidates to try, in order: every word's best, then
// one word at a time its next best; at most maxSuggestions. An entry of -1 keeps the word
// as typed (it has no candidate).
func choices(typos []typo) [][]int {
	first := make([]int, len(typos))
	for i, t := range typos {
		if len(t.cands) == 0 {
			first[i] = -1
		}
	}
	out := [][]int{first}
	for rank := 1; rank < maxCandidates; rank++ {
		for i, t := range typos {
			if rank < len(t.cands) && len(out) < maxSuggestions {
				next := slices.Clone(first)
				next[i] = rank
				out = append(out, next)
			}
		}
	}
	return out
}

// correct is q with each typo replaced by its chosen candidate, in the case it was typed in.
func correct(q string, typos []typo, choice []int) string {
	var b strings.Builder
	at := 0
	for i, t := range typos {
		if choice[i] < 0 {
			continue
		}
		b.WriteString(q[at:t.start])
		b.WriteString(withCaseOf(q[t.start:t.end], t.cands[choice[i]].word))
		at = t.end
	}
	b.WriteString(q[at:])
	return b.String()
}

// withCaseOf writes w in the case typed was written in: in capitals, or letter by letter
// as typed ("Tripple" → "Triple", "PlayTalkRaed" → "PlayTalkRead").
func withCaseOf(typed, w string) string {
	if allCapitals(typed) && utf8.RuneCountInString(typed) > 1 {
		return strings.ToUpper(w)
	}
	cases := []rune(typed)
	var b strings.Builder
	i := 0
	for _, r := range w {
		if i < len(cases) && unicode.IsUpper(cases[i]) {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

// holds reports whether word matches something in the index: its stem has a posting in a
// current document.
func (t *textIndex) holds(word string) bool {
	s, ok := t.stems.get(word)
	if !ok {
		s = stem(word)
	}
	pl := t.terms.at(s)
	if pl == nil {
		return false
	}
	if t.identity {
		return len(pl.docs) > 0
	}
	for _, d := range pl.docs {
		if t.current.has(int(d)) {
			return true
		}
	}
	return false
}

// df is how many documents hold word (stale ones counted: it only orders candidates).
func (t *textIndex) df(word string) int {
	s, ok := t.stems.get(word)
	if !ok {
		s = stem(word)
	}
	if pl := t.terms.at(s); pl != nil {
		return len(pl.docs)
	}
	return 0
}

// count is how many of the records in within search q finds, found as search finds them
// but with no scores or highlights: a correction is checked this way.
func (t *textIndex) count(q string, within bitmap) int {
	p := &queryParser{items: lexQuery(q)}
	root := p.parseOr()
	if root == nil || p.terms > MaxSearchTerms {
		return 0
	}
	sr := &searchResult{noScore: true}
	hits := t.eval(root, sr, false)
	if sr.broadPrefix != "" || sr.prefixWords > MaxPrefixTotal {
		return 0
	}
	if t.identity {
		return hits.andCount(within)
	}
	n := 0
	hits.and(t.current)
	hits.each(func(d int) bool {
		if within.has(int(t.ordOf[d])) {
			n++
		}
		return true
	})
	return n
}

// size is about how many bytes the lexicon holds beyond its words' text, which it shares
// with the search indexes: the word list and the groups.
func (lx *lexicon) size() int {
	const stringHeader, mapEntry = 16, 8 + 8 + 8 // key, value and about a word of a bucket's overhead
	return len(lx.words)*stringHeader + len(lx.byKey)*4 + len(lx.groups)*mapEntry + len(lx.firsts)*4
}
