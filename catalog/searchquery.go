package catalog

import "strings"

// The search grammar's parser. It never fails: stray operators and brackets are dropped
// and an unterminated quote runs to the end, so no input can turn into a server error.

type itemKind int

const (
	itemWord itemKind = iota
	itemPhrase
	itemAnd
	itemOr
	itemNot
	itemOpen
	itemClose
)

type item struct {
	kind itemKind
	text string
	at   int // where text starts in the query: did-you-mean rewrites the query in place
}

func lexQuery(q string) []item {
	var items []item
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case c == '(':
			items = append(items, item{kind: itemOpen})
			i++
		case c == ')':
			items = append(items, item{kind: itemClose})
			i++
		case c == '"':
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				end = len(q) - i - 1
			}
			items = append(items, item{kind: itemPhrase, text: q[i+1 : i+1+end], at: i + 1})
			i += end + 2
		case c == '-' && i+1 < len(q) && q[i+1] != ' ':
			items = append(items, item{kind: itemNot})
			i++
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\n\r,()\"", rune(q[j])) {
				j++
			}
			w := q[i:j]
			switch w {
			case "AND", "&&":
				items = append(items, item{kind: itemAnd})
			case "OR", "||":
				items = append(items, item{kind: itemOr})
			case "NOT":
				items = append(items, item{kind: itemNot})
			default:
				items = append(items, item{kind: itemWord, text: w, at: i})
			}
			i = j
		}
	}
	return items
}

type qop int

const (
	opTerm qop = iota
	opPhrase
	opAnd
	opOr
	opNot
)

type qnode struct {
	op     qop
	words  []string // stems; for a prefix term, the folded prefix
	prefix bool
	kids   []*qnode
}

type queryParser struct {
	items []item
	pos   int
	depth int
	terms int
}

func (p *queryParser) peek() (item, bool) {
	if p.pos < len(p.items) {
		return p.items[p.pos], true
	}
	return item{}, false
}

func (p *queryParser) parseOr() *qnode {
	var kids []*qnode
	if n := p.parseAnd(); n != nil {
		kids = append(kids, n)
	}
	for {
		it, ok := p.peek()
		if !ok || it.kind != itemOr {
			break
		}
		p.pos++
		if n := p.parseAnd(); n != nil {
			kids = append(kids, n)
		}
	}
	return combine(opOr, kids)
}

func (p *queryParser) parseAnd() *qnode {
	var kids []*qnode
	for {
		it, ok := p.peek()
		if !ok || it.kind == itemOr || (it.kind == itemClose && p.depth > 0) {
			break
		}
		if it.kind == itemAnd || it.kind == itemClose { // stray: drop
			p.pos++
			continue
		}
		if n := p.parseUnary(); n != nil {
			kids = append(kids, n)
		}
	}
	return combine(opAnd, kids)
}

func (p *queryParser) parseUnary() *qnode {
	it, _ := p.peek()
	p.pos++
	switch it.kind {
	case itemNot:
		if _, ok := p.peek(); !ok {
			return nil
		}
		if n := p.parseUnary(); n != nil {
			return &qnode{op: opNot, kids: []*qnode{n}}
		}
		return nil
	case itemOpen:
		if p.depth >= 16 {
			return nil
		}
		p.depth++
		n := p.parseOr()
		p.depth--
		if it, ok := p.peek(); ok && it.kind == itemClose {
			p.pos++
		}
		return n
	case itemPhrase:
		return p.words(it.text, false)
	case itemWord:
		return p.words(it.text, true)
	}
	return nil
}

// words turns raw text into a term, a prefix term, or a phrase when it holds several words
// ("parent-teacher" is the phrase "parent teacher"); a term of the curated synonym list
// (synonyms.go) becomes an OR of its group's terms.
func (p *queryParser) words(text string, allowPrefix bool) *qnode {
	prefix := allowPrefix && strings.HasSuffix(text, "*")
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	p.terms += len(toks)
	if !prefix {
		if n, ok := expandSynonyms(text); ok { // EAL → EAL OR "english as an additional language" OR …
			return n
		}
	}
	if prefix && len(toks) == 1 {
		return &qnode{op: opTerm, words: []string{toks[0].word}, prefix: true}
	}
	stems := make([]string, len(toks))
	for i, t := range toks {
		stems[i] = stem(t.word)
	}
	if len(stems) == 1 {
		return &qnode{op: opTerm, words: stems}
	}
	return &qnode{op: opPhrase, words: stems}
}

func combine(op qop, kids []*qnode) *qnode {
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return &qnode{op: op, kids: kids}
}
