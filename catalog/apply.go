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
	next := &Catalog{version: version, vocab: cat.vocab, themeIdx: cat.themeIdx, derived: &derivedValues{},
		lex: cat.lex} // shared: the words this write adds are the text indexes' added lists (suggest.go)
	studyRecs, ivRecs := cat.studyRecs.edit(), cat.ivRecs.edit()
	studyTouched := put(studyRecs, cat.studies, ch.PutStudies, func(s *models.Study) string { return s.ID })
	studyTouched = append(studyTouched, remove(cat.studies, studyRecs, ch.DeleteStudies)...)
	ivTouched := put(ivRecs, cat.interventions, ch.PutInterventions, func(iv *models.Intervention) string { return iv.ID })
	ivTouched = append(ivTouched, remove(cat.interventions, ivRecs, ch.DeleteInterventions)...)
	next.studyRecs, next.ivRecs = studyRecs.done(), ivRecs.done()

	studyTouched, ivTouched = uniqueSorted(studyTouched), uniqueSorted(ivTouched)
	if len(studyTouched)+len(ivTouched) > maxIncremental ||
		next.studyRecs.len() > cat.studies.capacity || next.ivRecs.len() > cat.interventions.capacity ||
		!cat.studies.text.room(len(studyTouched)) || !cat.interventions.text.room(len(ivTouched)) {
		return build(next.records(), version, false) // cat's readers share the records
	}
	// a study's links can change an intervention's study count, not its text
	ivCounted := uniqueSorted(append(slices.Clone(ivTouched), next.relink(cat, studyTouched, ivTouched)...))
	next.studies = cat.studies.apply(cat, next, studyTouched, studyTouched, next.studyRecs.len())
	next.interventions = cat.interventions.apply(cat, next, ivCounted, ivTouched, next.ivRecs.len())
	next.studies.fields["intervention"].rel.target = next.interventions
	next.interventions.fields["study"].rel.target = next.studies
	next.dataset = sync.OnceValue(next.liveDataset)
	return next
}

// Crowded reports whether writes have used up half the room the last full build left them
// (ordinals to append to, documents of the search index, one per record written): past
// all of it, Apply builds afresh, which at 100,000 studies takes seconds. A store builds
// the next catalogue in the background once this says so (Rebuilt), so that no write
// waits for it.
func (cat *Catalog) Crowded() bool {
	for _, c := range []*collection{cat.studies, cat.interventions} {
		if min(c.capacity-c.n, c.text.capacity-c.text.n) < c.headroom/2 {
			return true
		}
	}
	return false
}

// Rebuilt returns cat built afresh: the same records and version, with all the room a
// full build leaves for the writes that follow, and a search index without the stale
// documents writes left.
func (cat *Catalog) Rebuilt() *Catalog { return build(cat.records(), cat.version, false) }

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
	for _, s := range cat.studyRecs.all() {
		if s != nil {
			d.Studies = append(d.Studies, *s)
		}
	}
	for _, iv := range cat.ivRecs.all() {
		if iv != nil {
			d.Interventions = append(d.Interventions, *iv)
		}
	}
	return d
}

// put stores each record at its ordinal in recs, appending the new ones, and returns the
// ordinals it touched.
func put[T any](recs *vecEdit[*T], c *collection, records []T, id func(*T) string) []int {
	var touched []int
	appended := map[string]int{}
	for i := range records {
		r := &records[i]
		o, ok := c.byID.get(id(r))
		if !ok {
			if o, ok = appended[id(r)]; !ok {
				o = recs.len()
				recs.push(nil)
				appended[id(r)] = o
			}
		}
		recs.set(o, r)
		touched = append(touched, o)
	}
	return touched
}

// remove empties the ordinals of the deleted ids; an id that is not there is ignored.
func remove[T any](c *collection, recs *vecEdit[*T], ids []string) []int {
	var touched []int
	for _, id := range ids {
		if o, ok := c.byID.get(id); ok {
			recs.set(o, nil)
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
		if o, ok := prev.interventions.byID.get(id); ok {
			return int32(o), cat.ivRecs.at(o) != nil
		}
		for o := prev.ivRecs.len(); o < cat.ivRecs.len(); o++ {
			if cat.ivRecs.at(o).ID == id {
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
		if iv < prev.ivStudies.len() {
			for _, s := range prev.ivStudies.at(iv) {
				affected[int(s)] = true
			}
		}
		if rec := cat.ivRecs.at(iv); rec != nil {
			for _, e := range rec.Evidence {
				if e.StudyID != nil {
					if s, ok := prev.studies.byID.get(*e.StudyID); ok {
						affected[s] = true
					} else {
						for o := prev.studyRecs.len(); o < cat.studyRecs.len(); o++ {
							if cat.studyRecs.at(o) != nil && cat.studyRecs.at(o).ID == *e.StudyID {
								affected[o] = true
							}
						}
					}
				}
			}
		}
	}
	// the link lists are shared with prev, but for the chunks that change
	studyIvs, ivStudies := prev.studyIvs.edit(), prev.ivStudies.edit()
	studyIvs.grow(cat.studyRecs.len(), nil)
	ivStudies.grow(cat.ivRecs.len(), nil)
	changedIvs := map[int32]bool{}
	for s := range affected {
		var links []int32
		if rec := cat.studyRecs.at(s); rec != nil {
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
				if cites(cat.ivRecs.at(int(iv)), rec.ID) && !slices.Contains(citing, iv) {
					citing = append(citing, iv)
				}
			}
			slices.SortFunc(citing, func(a, b int32) int { return strings.Compare(cat.ivRecs.at(int(a)).ID, cat.ivRecs.at(int(b)).ID) })
			for _, iv := range citing {
				links = appendUnique(links, iv)
			}
		}
		before := prev.studyIvsAt(s)
		if slices.Equal(before, links) {
			continue
		}
		studyIvs.set(s, links)
		for _, iv := range before {
			changedIvs[iv] = true
		}
		for _, iv := range links {
			changedIvs[iv] = true
		}
	}
	var out []int
	for iv := range changedIvs {
		list := slices.DeleteFunc(slices.Clone(ivStudies.at(int(iv))), func(s int32) bool { return affected[int(s)] })
		for s := range affected {
			if slices.Contains(studyIvs.at(s), iv) {
				list = append(list, int32(s))
			}
		}
		slices.SortFunc(list, func(a, b int32) int { return strings.Compare(cat.studyRecs.at(int(a)).ID, cat.studyRecs.at(int(b)).ID) })
		ivStudies.set(int(iv), list)
		out = append(out, int(iv))
	}
	cat.studyIvs, cat.ivStudies = studyIvs.done(), ivStudies.done()
	return out
}

// studyIvsAt is a study's interventions, or none for an ordinal past the end.
func (cat *Catalog) studyIvsAt(s int) []int32 {
	if s < cat.studyIvs.len() {
		return cat.studyIvs.at(s)
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
	ids, byID := c.ids.edit(), c.byID.edit()
	ids.grow(n, "")
	liveCopied := false
	for _, o := range rewritten {
		has := c.schema.record(next, o)
		if has != c.live.has(o) { // a record came or went: the set of live ones is copied
			if !liveCopied {
				nc.live, liveCopied = c.live.clone(), true
			}
			if has {
				nc.live.set(o)
			} else {
				nc.live.clear(o)
			}
		}
		if o >= c.n { // appended: a new id, which takes its place in id order
			id := c.schema.idOf(next, o)
			ids.set(o, id)
			byID.put(id, o)
			nc.byRank = nc.byRank.insert(nc.byRank.search(func(x int32) bool { return ids.at(int(x)) > id }), int32(o))
		} else if !has {
			byID.delete(ids.at(o))
		}
	}
	nc.ids, nc.byID = ids.done(), byID.done()
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
			nc.sorts[sp.name] = &sortKey{text: true, texts: applyColumn(k.texts, touched, n, "", func(o int) string {
				if !c.schema.record(next, o) {
					return ""
				}
				return collationKey(sp.text(next, o))
			}, func(a, b string) bool { return a == b })}
		}
	}
	// the text index keeps its reader: it must hold the new catalogue only, not c (which
	// would keep every earlier snapshot alive, one behind another)
	schema := c.schema
	nc.text = c.text.apply(rewritten, n, nc.live, func(o, f int) string { return schema.text.read(next, o, f) })
	nc.perms = c.perms.apply(c, &nc, touched)
	nc.clauses = newClauseCache() // the sets it kept were c's; its scratch is nc's too: the capacity is the same
	return &nc
}

var nan = math.NaN()

func sameNumber(a, b float64) bool { return a == b || a != a && b != b }

// applyColumn returns values with the touched ordinals read afresh and room for n: the
// same vec when nothing changed, one with the changed chunks copied otherwise.
func applyColumn[T any](values vec[T], touched []int, n int, zero T, read func(o int) T, same func(a, b T) bool) vec[T] {
	e := values.edit()
	e.grow(n, zero)
	for _, o := range touched {
		v := read(o)
		if o < values.len() && same(values.at(o), v) {
			continue
		}
		e.set(o, v)
	}
	return e.done()
}

// idOf is the id of the record at ordinal o of cat.
func (s *schema) idOf(cat *Catalog, o int) string {
	if s == studySchema {
		return cat.studyRecs.at(o).ID
	}
	return cat.ivRecs.at(o).ID
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
	nc := &numColumn{values: applyColumn(c.values, touched, n, nan, value, sameNumber), sorted: c.sorted}
	old := func(o int) float64 {
		if o < c.values.len() {
			return c.values.at(o)
		}
		return nan
	}
	var changed []int
	for _, o := range touched {
		if !sameNumber(nc.values.at(o), old(o)) {
			changed = append(changed, o)
		}
	}
	if len(changed) == 0 {
		return nc, tags
	}
	// sorted by value, then ordinal: out go the changed records from where their old
	// values put them, in they go where their new ones do
	byValue := func(values func(o int) float64) func(a, b int32) int {
		return func(a, b int32) int {
			if c := cmp.Compare(values(int(a)), values(int(b))); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
	}
	was := byValue(old)
	for _, o := range changed {
		if v := old(o); v == v {
			nc.sorted = removeOrdinal(nc.sorted, int32(o), was)
		}
	}
	for _, o := range changed {
		v := nc.values.at(o)
		if v != v {
			continue
		}
		at := nc.sorted.search(func(x int32) bool {
			xv := nc.values.at(int(x))
			return xv > v || xv == v && x > int32(o)
		})
		nc.sorted = nc.sorted.insert(at, int32(o))
	}
	if tags == nil {
		return nc, nil
	}
	nt := tags.apply(changed, capacity,
		func(o int) []string { return numberTag(old(o)) },
		func(o int) []string { return numberTag(nc.values.at(o)) })
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

// applyKeys returns the key map with the touched ordinals' keys read afresh; only the
// shards whose keys change are copied.
func applyKeys(keys pmap[[]int32], touched []int, values func(cat *Catalog, o int) []string, prev, next *Catalog) pmap[[]int32] {
	e := keys.edit()
	for _, o := range touched {
		before, after := values(prev, o), values(next, o)
		for _, k := range before {
			if !slices.Contains(after, k) {
				if list := slices.DeleteFunc(slices.Clone(e.p.at(k)), func(x int32) bool { return x == int32(o) }); len(list) > 0 {
					e.put(k, list)
				} else {
					e.delete(k)
				}
			}
		}
		for _, k := range after {
			if !slices.Contains(before, k) {
				e.put(k, append(slices.Clone(e.p.at(k)), int32(o)))
			}
		}
	}
	return e.done()
}
