package catalog

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// Catalog is an immutable snapshot of the evidence base with its query indexes.
type Catalog struct {
	version       string
	dataset       *models.Dataset // records sorted by id: ordinal i is Studies[i]
	studies       *collection
	interventions *collection
	themeIdx      map[string]int
}

func New(d *models.Dataset, version string) *Catalog {
	slices.SortFunc(d.Studies, func(a, b models.Study) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Interventions, func(a, b models.Intervention) int { return strings.Compare(a.ID, b.ID) })
	cat := &Catalog{version: version, dataset: d, themeIdx: map[string]int{}}
	for i, t := range d.Themes {
		cat.themeIdx[t.Slug] = i
	}
	themes, themeLabels := vocabulary(len(d.Themes), func(i int) (string, string) { return d.Themes[i].Slug, d.Themes[i].Name })
	strands, strandLabels := vocabulary(len(d.Strands), func(i int) (string, string) { return d.Strands[i].Slug, d.Strands[i].Name })
	disadvantages, disLabels := vocabulary(len(d.Disadvantages), func(i int) (string, string) {
		return d.Disadvantages[i].Slug, d.Disadvantages[i].Name
	})

	studies, ivs := d.Studies, d.Interventions
	ivOrd := map[string]int32{}
	for i, iv := range ivs {
		ivOrd[iv.ID] = int32(i)
	}
	studyOrd := map[string]int32{}
	for i, s := range studies {
		studyOrd[s.ID] = int32(i)
	}

	sc := newCollection("study", "studies", len(studies), func(i int) string { return studies[i].ID })
	sc.tag("theme", themes, themeLabels, false, true, func(i int) []string { return studies[i].Themes })
	sc.tag("strand", strands, strandLabels, false, true, func(i int) []string { return studies[i].Strands })
	sc.tag("disadvantage", disadvantages, disLabels, false, true, func(i int) []string { return studies[i].DisadvantageFocus })
	sc.tag("design", models.Designs, nil, true, true, func(i int) []string { return opt(studies[i].Design) })
	sc.tag("stage", models.Stages, nil, true, true, func(i int) []string { return opt(studies[i].Stage) })
	sc.tag("country", models.Countries, nil, true, true, func(i int) []string { return opt(studies[i].Country) })
	sc.tag("type", models.PublicationTypes, nil, false, true, func(i int) []string { return []string{studies[i].Type} })
	sc.number("year", true, func(i int) float64 { return float64(studies[i].Year) })
	sc.number("sample_size", false, func(i int) float64 { return optNumber(studies[i].SampleSize) })
	sc.number("effect_size", false, func(i int) float64 { return optFloat(studies[i].EffectSize) })
	sc.flag("has_doi", func(i int) bool { return studies[i].DOI != nil })
	sc.flag("has_url", func(i int) bool { return studies[i].URL != nil })
	sc.flag("has_sample_size", func(i int) bool { return studies[i].SampleSize != nil })
	sc.flag("has_effect_size", func(i int) bool { return studies[i].EffectSize != nil })
	sc.key("author", func(i int) []string { return authorKeys(studies[i].Authors) })
	sc.key("doi", func(i int) []string { return opt(studies[i].DOI) })

	ic := newCollection("intervention", "interventions", len(ivs), func(i int) string { return ivs[i].ID })
	ic.tag("theme", themes, themeLabels, false, true, func(i int) []string { return ivs[i].Themes })
	ic.tag("strand", strands, strandLabels, false, true, func(i int) []string { return ivs[i].Strands })
	ic.tag("disadvantage", disadvantages, disLabels, false, true, func(i int) []string { return ivs[i].DisadvantageFocus })
	ic.tag("stage", models.Stages, nil, true, true, func(i int) []string { return opt(ivs[i].Stage) })
	ic.tag("setting", models.Settings, nil, true, true, func(i int) []string { return opt(ivs[i].Setting) })
	ic.tag("country", models.Countries, nil, true, true, func(i int) []string { return opt(ivs[i].CountryOfOrigin) })
	ic.flag("has_outside_window_evidence", func(i int) bool {
		return slices.ContainsFunc(ivs[i].Evidence, func(e models.Evidence) bool { return e.OutsideWindow })
	})

	// Study ↔ intervention links: a study's own list, plus evidence items that cite it.
	links := make([][]int32, len(studies))
	for i, s := range studies {
		for _, id := range s.Interventions {
			links[i] = appendUnique(links[i], ivOrd[id])
		}
	}
	for j, iv := range ivs {
		for _, e := range iv.Evidence {
			if e.StudyID != nil {
				if o, ok := studyOrd[*e.StudyID]; ok {
					links[o] = appendUnique(links[o], int32(j))
				}
			}
		}
	}
	sc.relation("intervention", ic, func(i int) []int32 { return links[i] })
	ic.relation("study", sc, nil)
	ic.number("study_count", false, func(i int) float64 { return float64(len(sc.fields["intervention"].rel.byTarget[i])) })

	sc.sort("year", func(i int) float64 { return float64(studies[i].Year) })
	sc.sort("sample_size", func(i int) float64 { return optNumber(studies[i].SampleSize) })
	sc.sort("effect_size", func(i int) float64 { return optFloat(studies[i].EffectSize) })
	sc.sortText("title", func(i int) string { return studies[i].Title })
	sc.sortText("author", func(i int) string { return firstOr(studies[i].Authors) })
	sc.sortText("id", func(i int) string { return studies[i].ID })
	ic.sortText("name", func(i int) string { return ivs[i].Name })
	ic.sortText("id", func(i int) string { return ivs[i].ID })
	ic.sort("study_count", func(i int) float64 { return float64(len(ic.fields["study"].rel.bySource[i])) })

	sc.text = buildTextIndex(len(studies), []string{"title", "authors", "summary", "key_findings"}, []float64{3, 2, 1, 1},
		func(d, f int) string {
			s := &studies[d]
			switch f {
			case 0:
				return s.Title
			case 1:
				return strings.Join(s.Authors, "; ")
			case 2:
				return s.Summary
			}
			return strings.Join(s.KeyFindings, " ")
		})
	ic.text = buildTextIndex(len(ivs), []string{"name", "aliases", "summary", "evidence"}, []float64{3, 2, 1, 1},
		func(d, f int) string {
			iv := &ivs[d]
			switch f {
			case 0:
				return iv.Name
			case 1:
				return strings.Join(iv.Aliases, "; ")
			case 2:
				return iv.Summary
			}
			parts := make([]string, len(iv.Evidence))
			for i, e := range iv.Evidence {
				parts[i] = e.Finding
			}
			return strings.Join(parts, " ")
		})
	cat.studies, cat.interventions = sc, ic
	return cat
}

func newCollection(kind, plural string, n int, id func(int) string) *collection {
	c := &collection{kind: kind, plural: plural, n: n, ids: make([]string, n), byID: make(map[string]int, n), fields: map[string]*field{}, sorts: map[string]sortKey{}}
	for i := 0; i < n; i++ {
		c.ids[i] = id(i)
		c.byID[c.ids[i]] = i
	}
	c.key("id", func(i int) []string { return []string{c.ids[i]} })
	return c
}

func (c *collection) add(f *field) {
	c.fields[f.name] = f
	c.names = append(c.names, f.name)
}

func (c *collection) tag(name string, vocabulary []string, labels map[string]string, nullable, facet bool, values func(int) []string) {
	t := newTagIndex(vocabulary, nullable)
	t.build(c.n, values)
	c.add(&field{name: name, kind: kindTag, facet: facet, tags: t, labels: labels})
}

func (c *collection) flag(name string, value func(int) bool) {
	t := newTagIndex([]string{"true", "false"}, false)
	t.build(c.n, func(i int) []string { return []string{strconv.FormatBool(value(i))} })
	c.add(&field{name: name, kind: kindBool, tags: t})
}

// number adds a numeric field; a faceted one also indexes its distinct values.
func (c *collection) number(name string, facet bool, value func(int) float64) {
	values := make([]float64, c.n)
	for i := range values {
		values[i] = value(i)
	}
	f := &field{name: name, kind: kindNumber, facet: facet, num: newNumColumn(values)}
	if facet {
		var distinct []string
		for _, o := range f.num.sorted {
			if v := formatNumber(values[o]); len(distinct) == 0 || distinct[len(distinct)-1] != v {
				distinct = append(distinct, v)
			}
		}
		f.tags = newTagIndex(distinct, false)
		f.tags.build(c.n, func(i int) []string {
			if math.IsNaN(values[i]) {
				return nil
			}
			return []string{formatNumber(values[i])}
		})
	}
	c.add(f)
}

func (c *collection) key(name string, values func(int) []string) {
	keys := map[string][]int32{}
	for i := 0; i < c.n; i++ {
		for _, v := range values(i) {
			k := strings.ToLower(v)
			keys[k] = append(keys[k], int32(i))
		}
	}
	c.add(&field{name: name, kind: kindKey, keys: keys})
}

// relation links this collection to target. With links nil, it is the reverse of the
// target's relation back to this collection.
func (c *collection) relation(name string, target *collection, links func(int) []int32) {
	if links == nil {
		for _, back := range target.fields {
			if back.kind == kindRelation && back.rel.target() == c {
				links = func(i int) []int32 { return back.rel.byTarget[i] }
			}
		}
	}
	c.add(&field{name: name, kind: kindRelation, rel: newRelation(c.n, target.n, func() *collection { return target }, links)})
}

func (c *collection) sort(name string, value func(int) float64) {
	values := make([]float64, c.n)
	for i := range values {
		values[i] = value(i)
	}
	c.sorts[name] = sortKey{
		compare: func(a, b int32) int { return cmp.Compare(values[a], values[b]) },
		present: func(a int32) bool { return !math.IsNaN(values[a]) },
	}
}

func (c *collection) sortText(name string, value func(int) string) {
	keys := make([]string, c.n)
	for i := range keys {
		keys[i] = collationKey(value(i))
	}
	c.sorts[name] = sortKey{compare: func(a, b int32) int { return strings.Compare(keys[a], keys[b]) }}
}

// collationKey orders text the way a reader expects: case- and accent-insensitive,
// ignoring leading punctuation.
func collationKey(s string) string {
	var b strings.Builder
	for _, t := range tokenize(s) {
		b.WriteString(t.word)
		b.WriteByte(' ')
	}
	return b.String()
}

func vocabulary(n int, at func(int) (slug, name string)) ([]string, map[string]string) {
	slugs := make([]string, n)
	labels := make(map[string]string, n)
	for i := 0; i < n; i++ {
		slug, name := at(i)
		slugs[i], labels[slug] = slug, name
	}
	return slugs, labels
}

func opt(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func optNumber(v *int) float64 {
	if v == nil {
		return math.NaN()
	}
	return float64(*v)
}

func optFloat(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// authorKeys indexes each author as written ("Murray, K.W.") and, for a person, by family
// name alone ("Murray"), which is how researchers look authors up.
func authorKeys(authors []string) []string {
	keys := make([]string, 0, 2*len(authors))
	for _, a := range authors {
		keys = append(keys, a)
		if family, _, ok := strings.Cut(a, ","); ok {
			keys = append(keys, strings.TrimSpace(family))
		}
	}
	return keys
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func appendUnique(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// Version identifies the dataset this snapshot was built from; it is part of every cursor
// and ETag, so neither outlives the data it describes.
func (cat *Catalog) Version() string { return cat.version }

// Dataset returns the whole evidence base of this snapshot, records in id order. It is the
// catalogue's own copy: callers must not modify it.
func (cat *Catalog) Dataset() *models.Dataset { return cat.dataset }
