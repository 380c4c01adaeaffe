package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A change to a record, read field by field: the history and audit pages show each audit
// entry's before and after documents this way, and an edit conflict shows the other
// curator's change the same way. Long texts are compared word by word.

// fieldChange is what one change did to one field of a record.
type fieldChange struct {
	Name  string // the field's JSON name
	Label string // its name in words
	// one of: a value replaced (Before, After), a long text changed word by word (Words), a
	// list that lost and gained items (Removed, Added), a list of items changed item by
	// item (Items)
	Before, After string
	Words         []wordPart
	Removed       []string
	Added         []string
	Items         []itemChange
}

// IsWords, IsList and IsItems tell the templates which kind of change a fieldChange is;
// none of them means a value replaced.
func (f fieldChange) IsWords() bool { return f.Words != nil }
func (f fieldChange) IsList() bool  { return f.Removed != nil || f.Added != nil }
func (f fieldChange) IsItems() bool { return f.Items != nil }

// wordPart is a run of a long text: kept, removed or added.
type wordPart struct {
	Op   string // "same", "del" or "ins"
	Text string
}

// itemChange is what a change did to one item of a list of objects (an evidence item).
type itemChange struct {
	Label   string // "Evidence item 2"
	Op      string // "added", "removed" or "changed"
	Changes []fieldChange
}

// fieldLabels names fields in words; a field without a label is named after its JSON name.
type fieldLabels func(name string) string

// diffDocs compares two JSON documents of a record (nil or "null" for none), field by
// field, in the order of names and then of any other fields either has.
func diffDocs(before, after json.RawMessage, names []string, label fieldLabels) []fieldChange {
	b, a := object(before), object(after)
	order := slices.Clone(names)
	var extra []string
	for _, doc := range []map[string]json.RawMessage{b, a} {
		for k := range doc {
			if !slices.Contains(order, k) && !slices.Contains(extra, k) {
				extra = append(extra, k)
			}
		}
	}
	slices.Sort(extra)
	var out []fieldChange
	for _, name := range append(order, extra...) {
		if ch, changed := diffValue(name, label(name), b[name], a[name], label); changed {
			out = append(out, ch)
		}
	}
	return out
}

// object reads a JSON object; anything else is an empty one.
func object(doc json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if len(doc) > 0 {
		_ = json.Unmarshal(doc, &m)
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m
}

// sameJSON tells whether two JSON values are equal as values (a missing one is null).
func sameJSON(x, y json.RawMessage) bool {
	if bytes.Equal(x, y) {
		return true
	}
	var a, b any
	if len(x) > 0 {
		_ = json.Unmarshal(x, &a)
	}
	if len(y) > 0 {
		_ = json.Unmarshal(y, &b)
	}
	return reflect.DeepEqual(a, b)
}

// longText is how long a text must be to be compared word by word.
const longText = 60

// diffValue compares one field's values.
func diffValue(name, lbl string, before, after json.RawMessage, label fieldLabels) (fieldChange, bool) {
	ch := fieldChange{Name: name, Label: lbl}
	if sameJSON(before, after) {
		return ch, false
	}
	var b, a any
	_ = json.Unmarshal(orNull(before), &b)
	_ = json.Unmarshal(orNull(after), &a)
	bs, bText := b.(string)
	as, aText := a.(string)
	switch {
	case bText && aText && (len(bs) >= longText || len(as) >= longText):
		ch.Words = diffWords(bs, as)
	case isObjects(b) || isObjects(a):
		bl, al := objects(b), objects(a)
		for i := range max(len(bl), len(al)) {
			item := itemChange{Label: capitalise(itemName(name)) + " " + strconv.Itoa(i+1)}
			var bi, ai json.RawMessage
			if i < len(bl) {
				bi = bl[i]
			}
			if i < len(al) {
				ai = al[i]
			}
			switch {
			case bi == nil:
				item.Op = "added"
			case ai == nil:
				item.Op = "removed"
			case sameJSON(bi, ai):
				continue
			default:
				item.Op = "changed"
			}
			item.Changes = diffDocs(bi, ai, nil, label)
			ch.Items = append(ch.Items, item)
		}
		if ch.Items == nil {
			return ch, false
		}
	case isList(b) || isList(a):
		bl, al := strs(b), strs(a)
		ch.Removed, ch.Added = []string{}, []string{}
		for _, x := range bl {
			if !slices.Contains(al, x) {
				ch.Removed = append(ch.Removed, x)
			}
		}
		for _, x := range al {
			if !slices.Contains(bl, x) {
				ch.Added = append(ch.Added, x)
			}
		}
		if len(ch.Removed) == 0 && len(ch.Added) == 0 { // the same items, in another order
			ch.Removed, ch.Added = nil, nil
			ch.Before, ch.After = strings.Join(bl, "; "), strings.Join(al, "; ")
		}
	default:
		ch.Before, ch.After = display(b), display(a)
	}
	return ch, true
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// itemName is what one item of a list field is called: "evidence item".
func itemName(field string) string {
	if field == "evidence" {
		return "evidence item"
	}
	return strings.ReplaceAll(field, "_", " ") + " item"
}

func isList(v any) bool { _, ok := v.([]any); return ok }

func isObjects(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, x := range l {
		if _, ok := x.(map[string]any); ok {
			return true
		}
	}
	return false
}

func objects(v any) []json.RawMessage {
	l, _ := v.([]any)
	out := make([]json.RawMessage, len(l))
	for i, x := range l {
		out[i], _ = json.Marshal(x)
	}
	return out
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = display(x)
	}
	return out
}

// display words one JSON value: a null is "Not stated", a list its items.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "Not stated"
	case string:
		if x == "" {
			return "(empty)"
		}
		return x
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		if len(x) == 0 {
			return "None"
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = display(e)
		}
		return strings.Join(parts, "; ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// tokens splits a text into words and the spaces between them, so that a diff of the
// tokens keeps the text's spacing.
var tokens = regexp.MustCompile(`\s+|[^\s]+`)

// maxDiffCells bounds the work of one word diff (the product of the two texts' token
// counts); past it the texts are shown as one removal and one addition.
const maxDiffCells = 4_000_000

// diffWords compares two texts word by word (a longest common subsequence of tokens),
// merging runs of the same kind.
func diffWords(before, after string) []wordPart {
	x, y := tokens.FindAllString(before, -1), tokens.FindAllString(after, -1)
	var parts []wordPart
	add := func(op, text string) {
		if n := len(parts); n > 0 && parts[n-1].Op == op {
			parts[n-1].Text += text
			return
		}
		parts = append(parts, wordPart{Op: op, Text: text})
	}
	if len(x)*len(y) > maxDiffCells {
		add("del", before)
		add("ins", after)
		return parts
	}
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:]
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	// texts with little in common read better as one replaced by the other
	if words := min(countWords(x), countWords(y)); words > 0 && int(commonWords(x, lcs))*2 < words {
		add("del", before)
		add("ins", after)
		return parts
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			add("same", x[i])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			add("del", x[i])
			i++
		default:
			add("ins", y[j])
			j++
		}
	}
	for ; i < len(x); i++ {
		add("del", x[i])
	}
	for ; j < len(y); j++ {
		add("ins", y[j])
	}
	return regroup(parts)
}

// countWords counts the tokens that are not spaces.
func countWords(toks []string) int {
	n := 0
	for _, t := range toks {
		if strings.TrimSpace(t) != "" {
			n++
		}
	}
	return n
}

// commonWords is how many words (not spaces) the longest common subsequence keeps.
func commonWords(x []string, lcs [][]int32) int32 {
	var n int32
	for i, j := 0, 0; i < len(x) && j < len(lcs[0])-1; {
		switch {
		case lcs[i][j] == lcs[i+1][j]:
			i++
		case lcs[i][j] == lcs[i][j+1]:
			j++
		default: // x[i] is kept
			if strings.TrimSpace(x[i]) != "" {
				n++
			}
			i, j = i+1, j+1
		}
	}
	return n
}

// regroup makes a diff read as phrases: the spaces kept between two changes join them, and
// each run of changes reads as what was removed, then what was added.
func regroup(parts []wordPart) []wordPart {
	var out []wordPart
	var del, ins strings.Builder
	flush := func() {
		if del.Len() > 0 {
			out = append(out, wordPart{Op: "del", Text: del.String()})
		}
		if ins.Len() > 0 {
			out = append(out, wordPart{Op: "ins", Text: ins.String()})
		}
		del.Reset()
		ins.Reset()
	}
	for i, p := range parts {
		switch {
		case p.Op == "del":
			del.WriteString(p.Text)
		case p.Op == "ins":
			ins.WriteString(p.Text)
		case strings.TrimSpace(p.Text) == "" && i > 0 && i < len(parts)-1 && (del.Len() > 0 || ins.Len() > 0):
			// a space between changes belongs to both sides of the change
			del.WriteString(p.Text)
			ins.WriteString(p.Text)
		default:
			flush()
			out = append(out, p)
		}
	}
	flush()
	return out
}
