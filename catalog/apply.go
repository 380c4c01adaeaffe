package catalog

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evidence-kb/parental-engagement/models"
)

// Change is what one write did to the records: whole records put (created or replaced)
// and ids deleted. Vocabulary changes are not a Change: they rebuild the catalogue.
type Change struct {
	PutStudies          []models.Study
	PutInterventions    []models.Intervention
	DeleteStudies       []string
	DeleteInterventions []string
}

// maxIncremental is how many records one Apply updates in place; a larger change (an
// import) is cheaper to build afresh than to patch record by record.
const maxIncremental = 256

// Apply returns the snapshot that follows cat after ch, under version. It updates the
// indexes of the records ch touches and shares everything else with cat, which readers
// may go on using. A change too large to patch, or one that uses up a collection's
// headroom, builds the next snapshot afresh instead.
func (cat *Catalog) Apply(ch Change, version string) *Catalog {
	next := &Catalog{version: version, vocab: cat.vocab, themeIdx: cat.themeIdx,
		studyRecs: slices.Clone(cat.studyRecs), ivRecs: slices.Clone(cat.ivRecs)}
	studyTouched := put(&next.studyRecs, cat.studies, ch.PutStudies, func(s *models.Study) string { return s.ID })
	studyTouched = append(studyTouched, remove(cat.studies, next.studyRecs, ch.DeleteStudies)...)
	ivTouched := put(&next.ivRecs, cat.interventions, ch.PutInterventions, func(iv *models.Intervention) string { return iv.ID })
	ivTouched = append(ivTouched, remove(cat.interventions, next.ivRecs, ch.DeleteInterventions)...)

	studyTouched, ivTouched = uniqueSorted(studyTouched), uniqueSorted(ivTouched)
	if len(studyTouched)+len(ivTouched) > maxIncremental ||
		len(next.studyRecs) > cat.studies.capacity || len(next.ivRecs) > cat.interventions.capacity ||
		!cat.studies.text.room(len(studyTouched)) || !cat.interventions.text.room(len(ivTouched)) {
		return New(next.records(), version)
	}
	// a study's links can change an intervention's study count, not its text
	ivCounted := uniqueSorted(append(slices.Clone(ivTouched), next.relink(cat, studyTouched, ivTouched)...))
	next.studies = cat.studies.apply(cat, next, studyTouched, studyTouched, len(next.studyRecs))
	next.interventions = cat.interventions.apply(cat, next, ivCounted, ivTouched, len(next.ivRecs))
	next.studies.fields["intervention"].rel.target = next.interventions
	next.interventions.fields["study"].rel.target = next.studies
	next.dataset = sync.OnceValue(next.liveDataset)
	return next
}

// WithVocabulary returns a snapshot of the same records under new themes, strands and
// disadvantages, built afresh: labels and facet orders change throughout.
func (cat *Catalog) WithVocabulary(v *models.Dataset, version string) *Catalog {
	d := cat.Dataset()
	return New(&models.Dataset{FormatVersion: d.FormatVersion, Themes: v.Themes, Strands: v.Strands,
		Disadvantages: v.Disadvantages, Studies: d.Studies, Interventions: d.Interventions}, version)
}

// records is every live record of cat, in no particular order, for a fresh build.
func (cat *Catalog) records() *models.Dataset {
	d := &models.Dataset{FormatVersion: cat.vocab.FormatVersion, Themes: cat.vocab.Themes, Strands: cat.vocab.Strands, Disadvantages: cat.vocab.Disadvantages}
	for _, s := range cat.studyRecs {
		if s != nil {
			d.Studies = append(d.Studies, *s)
		}
	}
	for _, iv := range cat.ivRecs {
		if iv != nil {
			d.Interventions = append(d.Interventions, *iv)
		}
	}
	return d
}

// put stores each record at its ordinal in recs, appending the new ones, and returns the
// ordinals it touched.
func put[T any](recs *[]*T, c *collection, records []T, id func(*T) string) []int {
	var touched []int
	appended := map[string]int{}
	for i := range records {
		r := &records[i]
		o, ok := c.byID[id(r)]
		if !ok {
			if o, ok = appended[id(r)]; !ok {
				o = len(*recs)
				*recs = append(*recs, nil)
				appended[id(r)] = o
			}
		}
		(*recs)[o] = r
		touched = append(touched, o)
	}
	return touched
}

// remove empties the ordinals of the deleted ids; an id that is not there is ignored.
func remove[T any](c *collection, recs []*T, ids []string) []int {
	var touched []int
	for _, id := range ids {
		if o, ok := c.byID[id]; ok {
			recs[o] = nil
			touched = append(touched, o)
		}
	}
	return touched
}

func uniqueSorted(s []int) []int {
	slices.Sort(s)
	return slices.Compact(s)
}

// relink recomputes the study–intervention relation where the change can have moved it:
// the touched studies, and the studies that touched interventions cite or cited. It
// returns the interventions whose list of studies changed (their study_count did).
func (cat *Catalog) relink(prev *Catalog, studyTouched, ivTouched []int) []int {
	ivOrd := func(id string) (int32, bool) {
		if o, ok := prev.interventions.byID[id]; ok {
			return int32(o), cat.ivRecs[o] != nil
		}
		for o := len(prev.ivRecs); o < len(cat.ivRecs); o++ {
			if cat.ivRecs[o].ID == id {
				return int32(o), true
			}
		}
		return 0, false
	}
	cites := func(iv *models.Intervention, study string) bool {
		return iv != nil && slices.ContainsFunc(iv.Evidence, func(e models.Evidence) bool { return e.StudyID != nil && *e.StudyID == study })
	}
	affected := map[int]bool{}
	for _, s := range studyTouched {
		affected[s] = true
	}
	for _, iv := range ivTouched {
		if iv < len(prev.ivStudies) {
			for _, s := range prev.ivStudies[iv] {
				affected[int(s)] = true
			}
		}
		if rec := cat.ivRecs[iv]; rec != nil {
			for _, e := range rec.Evidence {
				if e.StudyID != nil {
					if s, ok := prev.studies.byID[*e.StudyID]; ok {
						affected[s] = true
					} else {
						for o := len(prev.studyRecs); o < len(cat.studyRecs); o++ {
							if cat.studyRecs[o] != nil && cat.studyRecs[o].ID == *e.StudyID {
								affected[o] = true
							}
						}
					}
				}
			}
		}
	}
	// the link lists are shared with prev until one of them changes
	cat.studyIvs, cat.ivStudies = prev.studyIvs, prev.ivStudies
	if len(cat.studyRecs) > len(prev.studyIvs) || len(cat.ivRecs) > len(prev.ivStudies) {
		cat.copyLinks(prev)
	}
	copied := len(cat.studyIvs) != len(prev.studyIvs) || len(cat.ivStudies) != len(prev.ivStudies)
	changedIvs := map[int32]bool{}
	for s := range affected {
		var links []int32
		if rec := cat.studyRecs[s]; rec != nil {
			for _, id := range rec.Interventions {
				if o, ok := ivOrd(id); ok {
					links = appendUnique(links, o)
				}
			}
			// then the interventions whose evidence cites it, in id order
			var citing []int32
			candidates := slices.Clone(prev.studyIvsAt(s))
			for _, iv := range ivTouched {
				candidates = append(candidates, int32(iv))
			}
			for _, iv := range candidates {
				if cites(cat.ivRecs[iv], rec.ID) && !slices.Contains(citing, iv) {
					citing = append(citing, iv)
				}
			}
			slices.SortFunc(citing, func(a, b int32) int { return strings.Compare(cat.ivRecs[a].ID, cat.ivRecs[b].ID) })
			for _, iv := range citing {
				links = appendUnique(links, iv)
			}
		}
		before := prev.studyIvsAt(s)
		if slices.Equal(before, links) {
			continue
		}
		if !copied {
			cat.copyLinks(prev)
			copied = true
		}
		cat.studyIvs[s] = links
		for _, iv := range before {
			changedIvs[iv] = true
		}
		for _, iv := range links {
			changedIvs[iv] = true
		}
	}
	var out []int
	for iv := range changedIvs {
		list := slices.DeleteFunc(slices.Clone(cat.ivStudies[iv]), func(s int32) bool { return affected[int(s)] })
		for s := range affected {
			if slices.Contains(cat.studyIvs[s], iv) {
				list = append(list, int32(s))
			}
		}
		slices.SortFunc(list, func(a, b int32) int { return strings.Compare(cat.studyRecs[a].ID, cat.studyRecs[b].ID) })
		cat.ivStudies[iv] = list
		out = append(out, int(iv))
	}
	return out
}

// copyLinks gives cat, built from prev, link lists of its own, long enough for its records.
func (cat *Catalog) copyLinks(prev *Catalog) {
	cat.studyIvs = grow(slices.Clone(prev.studyIvs), len(cat.studyRecs), nil)
	cat.ivStudies = grow(slices.Clone(prev.ivStudies), len(cat.ivRecs), nil)
}

// studyIvsAt is a study's interventions, or none for an ordinal past the end.
func (cat *Catalog) studyIvsAt(s int) []int32 {
	if s < len(cat.studyIvs) {
		return cat.studyIvs[s]
	}
	return nil
}

// apply derives the collection that follows c in next, where the records at rewritten
// ordinals changed (or appeared, or went), the derived values at touched ones may have
// (touched includes rewritten), and n ordinals are now in use.
func (c *collection) apply(prev, next *Catalog, touched, rewritten []int, n int) *collection {
	nc := *c
	nc.n = n
	nc.fields = make(map[string]*field, len(c.fields))
	nc.sorts = make(map[string]*sortKey, len(c.sorts))
	nc.live = c.live.clone()
	if n > c.n {
		nc.ids = append(slices.Clone(c.ids), make([]string, n-c.n)...)
	}
	byIDChanged := false
	for _, o := range rewritten {
		has := c.schema.record(next, o)
		if has {
			nc.live.set(o)
		} else {
			nc.live.clear(o)
		}
		if o >= c.n { // appended: a new id takes its place in id order
			nc.ids[o] = c.schema.idOf(next, o)
			if !byIDChanged {
				nc.byID, byIDChanged = cloneMap(c.byID), true
			}
			nc.byID[nc.ids[o]] = o
			at, _ := slices.BinarySearchFunc(nc.byRank, nc.ids[o], func(r int32, id string) int { return strings.Compare(nc.ids[r], id) })
			nc.byRank = slices.Insert(slices.Clone(nc.byRank), at, int32(o))
		} else if !has {
			if !byIDChanged {
				nc.byID, byIDChanged = cloneMap(c.byID), true
			}
			delete(nc.byID, nc.ids[o])
		}
	}
	if n > c.n {
		nc.rank = ranks(nc.byRank, n)
	}
	specs := nc.specs()
	for _, sp := range specs {
		f := c.fields[sp.name]
		nf := *f
		nf.spec = sp
		switch sp.kind {
		case kindTag, kindBool:
			values := func(cat *Catalog) func(o int) []string {
				return func(o int) []string {
					if !c.schema.record(cat, o) {
						return nil
					}
					return tagValues(cat, sp, o)
				}
			}
			nf.tags = f.tags.apply(touched, c.capacity, values(prev), values(next))
		case kindNumber:
			nf.num, nf.tags = f.num.apply(touched, n, c.capacity, f.tags, func(o int) float64 {
				if !c.schema.record(next, o) {
					return nan
				}
				return sp.num(next, o)
			})
		case kindKey:
			if sp.name == "id" {
				break // withKey looks ids up in byID
			}
			nf.keys = applyKeys(f.keys, touched, func(cat *Catalog, o int) []string {
				if !c.schema.record(cat, o) {
					return nil
				}
				return keyValues(cat, sp, o)
			}, prev, next)
		case kindRelation:
			nf.rel = &relation{bySource: sp.links(next)}
		}
		nc.fields[sp.name] = &nf
	}
	for i := range c.schema.sorts {
		sp := &c.schema.sorts[i]
		k := c.sorts[sp.name]
		if sp.num != nil {
			nc.sorts[sp.name] = &sortKey{nums: applyColumn(k.nums, touched, n, nan, func(o int) float64 {
				if !c.schema.record(next, o) {
					return nan
				}
				return sp.num(next, o)
			}, sameNumber)}
		} else {
			nc.sorts[sp.name] = &sortKey{texts: applyColumn(k.texts, touched, n, "", func(o int) string {
				if !c.schema.record(next, o) {
					return ""
				}
				return collationKey(sp.text(next, o))
			}, func(a, b string) bool { return a == b })}
		}
	}
	nc.text = c.text.apply(rewritten, n, nc.live, func(o, f int) string { return c.schema.text.read(next, o, f) })
	nc.perms = c.perms.apply(&nc, touched)
	return &nc
}

var nan = math.NaN()

func sameNumber(a, b float64) bool { return a == b || a != a && b != b }

// applyColumn returns values with the touched ordinals read afresh and room for n: the
// same slice when nothing changed, a copy otherwise.
func applyColumn[T any](values []T, touched []int, n int, zero T, read func(o int) T, same func(a, b T) bool) []T {
	out := values
	copied := false
	for _, o := range touched {
		v := read(o)
		if o < len(values) && same(values[o], v) {
			continue
		}
		if !copied {
			out, copied = grow(slices.Clone(values), n, zero), true
		}
		out[o] = v
	}
	if !copied && len(out) < n {
		out = grow(slices.Clone(values), n, zero)
	}
	return out
}

func grow[T any](s []T, n int, zero T) []T {
	for len(s) < n {
		s = append(s, zero)
	}
	return s
}

// idOf is the id of the record at ordinal o of cat.
func (s *schema) idOf(cat *Catalog, o int) string {
	if s == studySchema {
		return cat.studyRecs[o].ID
	}
	return cat.ivRecs[o].ID
}

// apply returns the tag index with the touched ordinals' values changed from before to
// after: only the bitmaps whose membership changes are copied.
func (t *tagIndex) apply(touched []int, capacity int, before, after func(o int) []string) *tagIndex {
	nt := *t
	copied := map[string]bool{}
	writable := func(v string) bitmap {
		if len(copied) == 0 { // the first change copies the map
			nt.sets = cloneMap(t.sets)
		}
		if !copied[v] {
			copied[v] = true
			if b, ok := nt.sets[v]; ok {
				nt.sets[v] = b.clone()
			} else {
				nt.order = slices.Clone(nt.order)
				nt.canonical = cloneMap(nt.canonical)
				nt.declare(v)
				nt.sets[v] = newBitmap(capacity)
			}
		}
		return nt.sets[v]
	}
	for _, o := range touched {
		was, is := before(o), after(o)
		for _, v := range was {
			if !slices.Contains(is, v) {
				writable(v).clear(o)
			}
		}
		for _, v := range is {
			if !slices.Contains(was, v) {
				writable(v).set(o)
			}
		}
	}
	return &nt
}

// apply returns the column with the touched ordinals' values read afresh, and the
// facet's tag index (nil when the field has none) to match.
func (c *numColumn) apply(touched []int, n, capacity int, tags *tagIndex, value func(o int) float64) (*numColumn, *tagIndex) {
	nc := &numColumn{values: applyColumn(c.values, touched, n, nan, value, sameNumber)}
	changed := map[int32]bool{}
	var facetTouched []int
	for _, o := range touched {
		old := nan
		if o < len(c.values) {
			old = c.values[o]
		}
		if !sameNumber(nc.values[o], old) {
			changed[int32(o)] = true
			facetTouched = append(facetTouched, o)
		}
	}
	if len(changed) == 0 {
		nc.sorted = c.sorted
		return nc, tags
	}
	nc.sorted = slices.DeleteFunc(slices.Clone(c.sorted), func(o int32) bool { return changed[o] })
	for o := range changed {
		v := nc.values[o]
		if v != v {
			continue
		}
		at := sortSearch(nc.sorted, func(x int32) bool { return nc.values[x] > v || nc.values[x] == v && x > o })
		nc.sorted = slices.Insert(nc.sorted, at, o)
	}
	if tags == nil {
		return nc, nil
	}
	nt := tags.apply(facetTouched, capacity,
		func(o int) []string {
			if o < len(c.values) {
				return numberTag(c.values[o])
			}
			return nil
		},
		func(o int) []string { return numberTag(nc.values[o]) })
	// a new value joins the facet in numeric order, as a fresh build would place it
	if len(nt.order) != len(tags.order) {
		slices.SortFunc(nt.order, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return cmp.Compare(x, y)
		})
	}
	return nc, nt
}

func sortSearch(s []int32, after func(int32) bool) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !after(s[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// applyKeys returns the key map with the touched ordinals' keys read afresh; the map is
// copied only when some key changes.
func applyKeys(keys map[string][]int32, touched []int, values func(cat *Catalog, o int) []string, prev, next *Catalog) map[string][]int32 {
	out, copied := keys, false
	writable := func() map[string][]int32 {
		if !copied {
			out, copied = cloneMap(keys), true
		}
		return out
	}
	for _, o := range touched {
		before, after := values(prev, o), values(next, o)
		for _, k := range before {
			if !slices.Contains(after, k) {
				m := writable()
				if m[k] = slices.DeleteFunc(slices.Clone(m[k]), func(x int32) bool { return x == int32(o) }); len(m[k]) == 0 {
					delete(m, k)
				}
			}
		}
		for _, k := range after {
			if !slices.Contains(before, k) {
				m := writable()
				m[k] = append(slices.Clone(m[k]), int32(o))
			}
		}
	}
	return out
}
