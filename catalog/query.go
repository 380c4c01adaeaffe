package catalog

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/evidence-kb/parental-engagement/models"
)

// Filter grammar, shared by studies and interventions (OpenAlex style):
//
//	filter=field:value[,field:value…]   clauses are ANDed; a repeated field is ANDed too
//	theme:family-learning|parenting-support   OR within a field
//	design:!survey                             negation (of the whole OR list)
//	year:2010-2014  sample_size:>100  effect_size:<=0.2   numeric ranges
//	has_doi:true  design:null                  presence
//	intervention:fast  intervention.setting:home   across relations (study.design:RCT on interventions)
//	author:"Murray, K.W."  author:murray           a value holding , or | is double-quoted
//
// Limits, which bound the work one filter can ask for (each refused with a 400 naming it):
const (
	MaxFilterClauses = 50  // clauses in a filter
	MaxClauseValues  = 32  // alternatives in one clause, after removing repeats
	MaxFilterValues  = 256 // alternatives in all clauses together
)

type clause struct {
	field  string
	sub    string // for relation sub-filters: the target's field
	negate bool
	values []string
}

func parseFilter(s string) ([]clause, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts, err := splitUnquoted(s, ',')
	if err != nil {
		return nil, err
	}
	if len(parts) > MaxFilterClauses {
		return nil, models.Invalid(PartFilter, fmt.Sprintf("has %d clauses; at most %d", len(parts), MaxFilterClauses))
	}
	clauses := make([]clause, 0, len(parts))
	total := 0
	for _, p := range parts {
		name, value, ok := strings.Cut(strings.TrimSpace(p), ":")
		if !ok || name == "" || value == "" {
			return nil, models.Invalid(PartFilter, fmt.Sprintf("%q is not field:value", p))
		}
		c := clause{field: strings.ToLower(name)}
		if base, sub, ok := strings.Cut(c.field, "."); ok {
			c.field, c.sub = base, sub
		}
		if strings.HasPrefix(value, "!") {
			c.negate, value = true, value[1:]
		}
		values, err := splitUnquoted(value, '|')
		if err != nil {
			return nil, err
		}
		for _, v := range values {
			if v = strings.Trim(strings.TrimSpace(v), `"`); v == "" {
				return nil, models.Invalid(PartFilter, fmt.Sprintf("%q has an empty value", p))
			}
			if !slices.Contains(c.values, v) { // a repeated alternative adds nothing
				c.values = append(c.values, v)
			}
			if len(c.values) > MaxClauseValues {
				return nil, models.Invalid(PartFilter, fmt.Sprintf("the clause on %s has more than %d values; at most %d per clause", name, MaxClauseValues, MaxClauseValues))
			}
		}
		if total += len(c.values); total > MaxFilterValues {
			return nil, models.Invalid(PartFilter, fmt.Sprintf("has more than %d values in its clauses; at most %d in all", MaxFilterValues, MaxFilterValues))
		}
		clauses = append(clauses, c)
	}
	return clauses, nil
}

// splitUnquoted splits s at sep, except inside double quotes.
func splitUnquoted(s string, sep byte) ([]string, error) {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if quoted {
		return nil, models.Invalid(PartFilter, "has an unterminated quote")
	}
	return append(parts, s[start:]), nil
}

// evaluate returns the records matching every clause. The result is always a fresh
// bitmap the caller may change; clause sets may be the index's own and are only read.
func (c *collection) evaluate(ctx context.Context, clauses []clause) (bitmap, error) {
	sets, err := c.clauseSets(ctx, clauses)
	if err != nil {
		return nil, err
	}
	return c.combine(clauses, sets, ""), nil
}

// clauseSets evaluates each clause once, for evaluate and for disjunctive facets, which
// combine the same sets leaving one field out at a time.
func (c *collection) clauseSets(ctx context.Context, clauses []clause) ([]bitmap, error) {
	sets := make([]bitmap, len(clauses))
	for i, cl := range clauses {
		if err := expired(ctx); err != nil {
			return nil, err
		}
		set, err := c.clauseSet(cl)
		if err != nil {
			return nil, err
		}
		sets[i] = set
	}
	return sets, nil
}

// combine intersects the clause sets, except those of the field except ("" for none),
// with the live records, in a bitmap of the collection's scratch (see scratchBitmaps).
func (c *collection) combine(clauses []clause, sets []bitmap, except string) bitmap {
	var result bitmap
	var negated []bitmap
	for i, cl := range clauses {
		if except != "" && cl.field == except {
			continue
		}
		set := sets[i]
		switch {
		case cl.negate:
			negated = append(negated, set)
		case result == nil:
			result = c.scratch.copyOf(set)
		default:
			result.and(set)
		}
	}
	if result == nil {
		result = c.scratch.copyOf(c.live)
	} else {
		result.and(c.live) // indexes may still name records since deleted
	}
	for _, set := range negated {
		result.andNot(set)
	}
	return result
}

func (c *collection) lookupField(name string) (*field, error) {
	f, ok := c.fields[name]
	if !ok {
		return nil, models.Invalid(PartFilter, fmt.Sprintf("%s has no field %q", c.plural, name), c.names...)
	}
	return f, nil
}

// clauseSet returns the records matching any of a clause's values (negation is the
// caller's). The set may be the index's own or a cached one: read it, never change it.
func (c *collection) clauseSet(cl clause) (bitmap, error) {
	f, err := c.lookupField(cl.field)
	if err != nil {
		return nil, err
	}
	if cl.sub != "" && f.kind != kindRelation {
		return nil, models.Invalid(PartFilter, fmt.Sprintf("%s is not a relation; only relations take a sub-field", cl.field))
	}
	if f.kind == kindKey || f.kind == kindRelation {
		return c.fieldSet(f, cl)
	}
	key := cl.field + "\x00" + strings.Join(cl.values, "\x00")
	if set, ok := c.clauses.Get(key); ok {
		return set, nil
	}
	set, err := c.fieldSet(f, cl)
	if err == nil {
		c.clauses.Add(key, set)
	}
	return set, err
}

// clauseCache keeps the sets of a collection's recent clauses on its own values (tags,
// numbers, booleans): a finder sends the same few filters again and again, and a union of
// values or a range costs a pass over every record each time. Relations are left out:
// their sets depend on the other collection, which may change while this one does not.
type clauseCache = lru.Cache[string, bitmap]

// maxCachedClauses bounds the cache at 64 bitmaps of the collection's size (2.4 MB at
// 300,000 records).
const maxCachedClauses = 64

func newClauseCache() *clauseCache {
	cache, err := lru.New[string, bitmap](maxCachedClauses)
	if err != nil {
		panic(err) // only for a size under 1
	}
	return cache
}

// fieldSet evaluates a clause on field f.
func (c *collection) fieldSet(f *field, cl clause) (bitmap, error) {
	switch f.kind {
	case kindTag, kindBool:
		canon := make([]string, len(cl.values))
		for i, v := range cl.values {
			var ok bool
			if canon[i], ok = f.tags.canonical[strings.ToLower(v)]; !ok {
				return nil, models.Invalid(PartFilter, fmt.Sprintf("%s: unknown value %q", f.name, v), f.tags.order...)
			}
		}
		if len(canon) == 1 && len(f.spec.implies[canon[0]]) == 0 {
			return f.tags.sets[canon[0]], nil
		}
		set := newBitmap(c.capacity)
		for _, v := range canon {
			for _, s := range f.valueSets(v) {
				set.or(s)
			}
		}
		return set, nil
	case kindNumber:
		if len(cl.values) == 1 {
			return c.numberSet(f, cl.values[0])
		}
		set := newBitmap(c.capacity)
		for _, v := range cl.values {
			s, err := c.numberSet(f, v)
			if err != nil {
				return nil, err
			}
			set.or(s)
		}
		return set, nil
	case kindKey:
		set := newBitmap(c.capacity)
		for _, v := range cl.values {
			for _, o := range c.withKey(f, v) {
				set.set(int(o))
			}
		}
		return set, nil
	default: // kindRelation
		target := f.rel.target
		var targets bitmap
		if cl.sub == "" {
			targets = newBitmap(target.capacity)
			for _, id := range cl.values {
				o, ok := target.byID.get(id)
				if !ok {
					return nil, models.Invalid(PartFilter, fmt.Sprintf("%s: no %s with id %q", f.name, target.kind, id))
				}
				targets.set(o)
			}
		} else {
			sub := clause{field: cl.sub, values: cl.values}
			if base, rest, ok := strings.Cut(cl.sub, "."); ok {
				sub.field, sub.sub = base, rest
			}
			if sub.field == f.name || target.fields[sub.field] != nil && target.fields[sub.field].kind == kindRelation {
				return nil, models.Invalid(PartFilter, fmt.Sprintf("%s.%s: relations nest one level only", cl.field, cl.sub))
			}
			var err error
			if targets, err = target.clauseSet(sub); err != nil {
				return nil, err
			}
		}
		return f.rel.sources(c.capacity, targets), nil
	}
}

// numberSet parses one numeric alternative: N, N-M, >N, >=N, <N, <=N, or null.
func (c *collection) numberSet(f *field, v string) (bitmap, error) {
	if v == nullValue {
		all := c.live.clone()
		all.andNot(f.num.present(c.capacity))
		return all, nil
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	bad := models.Invalid(PartFilter, fmt.Sprintf("%s: %q is not a number, a range (a-b) or a bound (>a, <=b)", f.name, v))
	num := func(s string) (float64, bool) {
		x, err := strconv.ParseFloat(s, 64)
		return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	var ok bool
	switch {
	case strings.HasPrefix(v, ">="):
		lo, ok = num(v[2:])
	case strings.HasPrefix(v, "<="):
		hi, ok = num(v[2:])
	case strings.HasPrefix(v, ">"):
		lo, ok = num(v[1:])
		lo = math.Nextafter(lo, math.Inf(1))
	case strings.HasPrefix(v, "<"):
		hi, ok = num(v[1:])
		hi = math.Nextafter(hi, math.Inf(-1))
	default:
		if x, isNum := num(v); isNum {
			lo, hi, ok = x, x, true
			break
		}
		// a range: the separator is the first '-' that is not a sign
		for i := 1; i < len(v); i++ {
			if v[i] == '-' && v[i-1] != 'e' && v[i-1] != 'E' {
				var okLo, okHi bool
				lo, okLo = num(v[:i])
				hi, okHi = num(v[i+1:])
				ok = okLo && okHi
				break
			}
		}
		if ok && lo > hi {
			return nil, models.Invalid(PartFilter, fmt.Sprintf("%s: range %q runs backwards", f.name, v))
		}
	}
	if !ok {
		return nil, bad
	}
	if f.tags != nil && len(f.tags.order) <= maxValueUnion {
		return f.valueUnion(c.capacity, lo, hi), nil
	}
	return f.num.rangeSet(c.capacity, lo, hi), nil
}

// maxValueUnion is how many distinct values a numeric field may have for a range to be
// answered as a union of per-value bitmaps (a few word-wise ORs, e.g. for years) rather
// than by setting one bit per record.
const maxValueUnion = 64

// valueSets are the sets whose union a tag value matches: the records carrying it, and
// those carrying a value it implies (fieldSpec.implies). They are the index's own bitmaps:
// read them, never change them.
func (f *field) valueSets(v string) []bitmap {
	implied := f.spec.implies[v]
	if len(implied) == 0 {
		return []bitmap{f.tags.sets[v]}
	}
	sets := []bitmap{f.tags.sets[v]}
	for _, w := range implied {
		if b, ok := f.tags.sets[w]; ok {
			sets = append(sets, b)
		}
	}
	return sets
}

func (f *field) valueUnion(n int, lo, hi float64) bitmap {
	set := newBitmap(n)
	for _, v := range f.tags.order {
		if x, err := strconv.ParseFloat(v, 64); err == nil && x >= lo && x <= hi {
			set.or(f.tags.sets[v])
		}
	}
	return set
}

type sortTerm struct {
	key  string
	desc bool
}

const relevanceKey = "relevance"

func (c *collection) parseSort(s string, searching bool) ([]sortTerm, error) {
	var terms []sortTerm
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		t := sortTerm{key: strings.TrimPrefix(p, "-"), desc: strings.HasPrefix(p, "-")}
		if t.key == relevanceKey {
			if !searching {
				return nil, models.Invalid(PartSort, "relevance needs a search (q)")
			}
		} else if _, ok := c.sorts[t.key]; !ok {
			return nil, models.Invalid(PartSort, fmt.Sprintf("cannot sort %s by %q", c.plural, t.key), c.sortNames()...)
		}
		if seen[t.key] {
			return nil, models.Invalid(PartSort, fmt.Sprintf("%q is named twice", t.key))
		}
		seen[t.key] = true
		terms = append(terms, t)
	}
	if len(terms) > 4 {
		return nil, models.Invalid(PartSort, "at most 4 keys")
	}
	return terms, nil
}

func (c *collection) sortNames() []string {
	names := make([]string, 0, len(c.sorts)+1)
	for k := range c.sorts {
		names = append(names, k)
	}
	sort.Strings(names)
	return append(names, relevanceKey)
}

// comparator orders records by terms, then by id, which makes every order total and
// stable. scores is used for the relevance key.
func (c *collection) comparator(terms []sortTerm, scores []float64) func(a, b int32) int {
	return func(a, b int32) int {
		for _, t := range terms {
			var r int
			if t.key == relevanceKey {
				r = cmp.Compare(scores[b], scores[a]) // higher scores first
				if t.desc {
					r = -r
				}
			} else {
				k := c.sorts[t.key]
				pa, pb := k.present(a), k.present(b)
				if pa != pb { // missing values last, whatever the direction
					if pa {
						return -1
					}
					return 1
				}
				if !pa {
					continue
				}
				r = k.compare(a, b)
				if t.desc {
					r = -r
				}
			}
			if r != 0 {
				return r
			}
		}
		return c.byIDOrder(a, b)
	}
}

func sortSpec(terms []sortTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.key
		if t.desc {
			parts[i] = "-" + t.key
		}
	}
	return strings.Join(parts, ",")
}
