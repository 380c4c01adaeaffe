// Package catalog is the query engine: an immutable in-memory snapshot of the evidence
// base with its indexes (a bitmap per tag value, sorted orders, a BM25 search index), the
// filter grammar, search, facets, sorting, paging and cursors, the evidence map and
// coverage statistics. It knows nothing of SQL or HTTP: the store hands it a
// models.Dataset, and a write hands it a Change, from which Apply derives the next
// snapshot while readers keep theirs.
package catalog

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evidence-kb/parental-engagement/models"
)

// Catalog is an immutable snapshot of the evidence base with its query indexes.
//
// Records are numbered by ordinal. A full build numbers them in id order; later,
// Apply updates a record in place (same ordinal), appends a new one, and marks a deleted
// one dead. Every bitmap is sized to the collection's capacity, so appending never
// reallocates them; when the headroom is used up, Apply builds afresh.
type Catalog struct {
	version string
	vocab   *models.Dataset // themes, strands and disadvantages; no records
	// records by ordinal; nil where the record was deleted
	studyRecs vec[*models.Study]
	ivRecs    vec[*models.Intervention]
	// the study–intervention relation, by ordinal: a study's own list plus the
	// interventions whose evidence cites it, and its reverse
	studyIvs      vec[[]int32]
	ivStudies     vec[[]int32]
	studies       *collection
	interventions *collection
	themeIdx      map[string]int
	dataset       func() *models.Dataset // the live records as a dataset, built on first use
	lex           *lazyLexicon           // the words did-you-mean corrects to, built on first use (suggest.go)
	derived       *derivedValues         // what other packages derive from the snapshot (Derived)
}

// New builds a snapshot of d. It takes d's records as its own: the caller must not
// change them afterwards.
func New(d *models.Dataset, version string) *Catalog { return build(d, version, true) }

// build is New; intern makes the values records repeat one string each (stringPool),
// which writes to the records' strings in place. A build from a snapshot's own records
// (Apply past its room, Rebuilt) does not: readers of that snapshot share those strings,
// and they were made one when the snapshot's records were first built.
func build(d *models.Dataset, version string, intern bool) *Catalog {
	studies := slices.Clone(d.Studies)
	ivs := slices.Clone(d.Interventions)
	slices.SortFunc(studies, func(a, b models.Study) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(ivs, func(a, b models.Intervention) int { return strings.Compare(a.ID, b.ID) })
	if intern {
		shared := stringPool{}
		for i := range studies {
			shared.study(&studies[i])
		}
		for i := range ivs {
			shared.intervention(&ivs[i])
		}
	}
	vocab := &models.Dataset{FormatVersion: d.FormatVersion, Themes: d.Themes, Strands: d.Strands, Disadvantages: d.Disadvantages}
	return assemble(vocab, studies, ivs, version, nil, nil)
}

// assemble indexes records in id order. What an image kept of each collection is taken
// as it is (nil: derive everything from the records).
func assemble(vocab *models.Dataset, studies []models.Study, ivs []models.Intervention, version string, preStudies, preIvs *prebuilt) *Catalog {
	cat := &Catalog{version: version, vocab: vocab, derived: &derivedValues{}}
	studyRecs := make([]*models.Study, len(studies))
	for i := range studies {
		studyRecs[i] = &studies[i]
	}
	ivRecs := make([]*models.Intervention, len(ivs))
	for i := range ivs {
		ivRecs[i] = &ivs[i]
	}
	cat.studyRecs, cat.ivRecs = vecOf(studyRecs), vecOf(ivRecs)
	cat.themeIdx = map[string]int{}
	for i, t := range vocab.Themes {
		cat.themeIdx[t.Slug] = i
	}
	cat.linkAll()
	cat.studies = buildCollection(cat, studySchema, len(studies), func(o int) string { return cat.studyRecs.at(o).ID }, preStudies)
	cat.interventions = buildCollection(cat, interventionSchema, len(ivs), func(o int) string { return cat.ivRecs.at(o).ID }, preIvs)
	cat.studies.fields["intervention"].rel.target = cat.interventions
	cat.interventions.fields["study"].rel.target = cat.studies
	cat.dataset = sync.OnceValue(cat.liveDataset)
	cat.lex = &lazyLexicon{}
	return cat
}

// linkAll computes the study–intervention relation from every record.
func (cat *Catalog) linkAll() {
	studyRecs, ivRecs := cat.studyRecs.flat(), cat.ivRecs.flat()
	ivOrd := make(map[string]int32, len(ivRecs))
	for i, iv := range ivRecs {
		ivOrd[iv.ID] = int32(i)
	}
	// studies are in id order: found by binary search, with no map of 100,000 ids to build
	studyOrd := func(id string) (int32, bool) {
		o, found := slices.BinarySearchFunc(studyRecs, id, func(s *models.Study, id string) int { return strings.Compare(s.ID, id) })
		return int32(o), found
	}
	studyIvs := make([][]int32, len(studyRecs))
	for i, s := range studyRecs {
		for _, id := range s.Interventions {
			if o, ok := ivOrd[id]; ok {
				studyIvs[i] = appendUnique(studyIvs[i], o)
			}
		}
	}
	for j, iv := range ivRecs {
		for _, e := range iv.Evidence {
			if e.StudyID != nil {
				if o, ok := studyOrd(*e.StudyID); ok {
					studyIvs[o] = appendUnique(studyIvs[o], int32(j))
				}
			}
		}
	}
	cat.studyIvs = vecOf(studyIvs)
	cat.ivStudies = vecOf(reverseLinks(studyIvs, len(ivRecs)))
}

// reverseLinks turns per-source target lists into per-target source lists, in source order.
func reverseLinks(bySource [][]int32, targets int) [][]int32 {
	byTarget := make([][]int32, targets)
	for s, ts := range bySource {
		for _, t := range ts {
			byTarget[t] = append(byTarget[t], int32(s))
		}
	}
	return byTarget
}

// Version identifies the dataset this snapshot was built from; it is part of every cursor
// and ETag, so neither outlives the data it describes.
func (cat *Catalog) Version() string { return cat.version }

// Size counts the live records of this snapshot: studies and interventions.
func (cat *Catalog) Size() (studies, interventions int) {
	return cat.studies.live.count(), cat.interventions.live.count()
}

// Dataset returns the whole evidence base of this snapshot, records in id order. It is
// built on first use and shared: callers must not modify it.
func (cat *Catalog) Dataset() *models.Dataset { return cat.dataset() }

func (cat *Catalog) liveDataset() *models.Dataset {
	d := &models.Dataset{FormatVersion: cat.vocab.FormatVersion, Themes: cat.vocab.Themes, Strands: cat.vocab.Strands,
		Disadvantages: cat.vocab.Disadvantages, Studies: []models.Study{}, Interventions: []models.Intervention{}}
	for o := range cat.studies.idOrder() {
		d.Studies = append(d.Studies, *cat.studyRecs.at(int(o)))
	}
	for o := range cat.interventions.idOrder() {
		d.Interventions = append(d.Interventions, *cat.ivRecs.at(int(o)))
	}
	return d
}

// The schemas: every filterable, facetable and sortable attribute of a record kind, with
// how to read it from the record at an ordinal. A full build and Apply both read them, so
// an attribute is defined once.
var (
	studySchema = &schema{
		kind: "study", plural: "studies",
		fields: []fieldSpec{
			vocabTag("theme", func(cat *Catalog, o int) []string { return cat.studyRecs.at(o).Themes }),
			vocabTag("strand", func(cat *Catalog, o int) []string { return cat.studyRecs.at(o).Strands }),
			vocabTag("disadvantage", func(cat *Catalog, o int) []string { return cat.studyRecs.at(o).DisadvantageFocus }),
			closedTag("design", models.Designs, func(cat *Catalog, o int) []string { return opt(cat.studyRecs.at(o).Design) }),
			closedTag("stage", models.Stages, func(cat *Catalog, o int) []string { return opt(cat.studyRecs.at(o).Stage) }),
			closedTag("country", models.Countries, func(cat *Catalog, o int) []string { return opt(cat.studyRecs.at(o).Country) }),
			{name: "type", kind: kindTag, facet: true, vocabulary: staticVocab("type", models.PublicationTypes),
				strs: func(cat *Catalog, o int) []string { return []string{cat.studyRecs.at(o).Type} }},
			{name: "year", kind: kindNumber, facet: true, num: func(cat *Catalog, o int) float64 { return float64(cat.studyRecs.at(o).Year) }},
			{name: "sample_size", kind: kindNumber, nullable: true, num: func(cat *Catalog, o int) float64 { return optNumber(cat.studyRecs.at(o).SampleSize) }},
			{name: "effect_size", kind: kindNumber, nullable: true, num: func(cat *Catalog, o int) float64 { return optFloat(cat.studyRecs.at(o).EffectSize) }},
			flag("has_doi", func(cat *Catalog, o int) bool { return cat.studyRecs.at(o).DOI != nil }),
			flag("has_url", func(cat *Catalog, o int) bool { return cat.studyRecs.at(o).URL != nil }),
			flag("has_sample_size", func(cat *Catalog, o int) bool { return cat.studyRecs.at(o).SampleSize != nil }),
			flag("has_effect_size", func(cat *Catalog, o int) bool { return cat.studyRecs.at(o).EffectSize != nil }),
			{name: "author", kind: kindKey, strs: func(cat *Catalog, o int) []string { return authorKeys(cat.studyRecs.at(o).Authors) }},
			{name: "doi", kind: kindKey, strs: func(cat *Catalog, o int) []string { return opt(cat.studyRecs.at(o).DOI) }},
			{name: "intervention", kind: kindRelation, links: func(cat *Catalog) vec[[]int32] { return cat.studyIvs }},
		},
		sorts: []orderSpec{
			{name: "year", num: func(cat *Catalog, o int) float64 { return float64(cat.studyRecs.at(o).Year) }},
			{name: "sample_size", num: func(cat *Catalog, o int) float64 { return optNumber(cat.studyRecs.at(o).SampleSize) }},
			{name: "effect_size", num: func(cat *Catalog, o int) float64 { return optFloat(cat.studyRecs.at(o).EffectSize) }},
			{name: "title", text: func(cat *Catalog, o int) string { return cat.studyRecs.at(o).Title }},
			{name: "author", text: func(cat *Catalog, o int) string { return firstOr(cat.studyRecs.at(o).Authors) }},
			{name: "id", text: func(cat *Catalog, o int) string { return cat.studyRecs.at(o).ID }},
		},
		text: textSpec{
			fields:  []string{"title", "authors", "summary", "key_findings"},
			weights: []float64{3, 2, 1, 1},
			read: func(cat *Catalog, o, f int) string {
				s := cat.studyRecs.at(o)
				switch f {
				case 0:
					return s.Title
				case 1:
					return strings.Join(s.Authors, "; ")
				case 2:
					return s.Summary
				}
				return strings.Join(s.KeyFindings, " ")
			},
		},
	}
	interventionSchema = &schema{
		kind: "intervention", plural: "interventions",
		fields: []fieldSpec{
			vocabTag("theme", func(cat *Catalog, o int) []string { return cat.ivRecs.at(o).Themes }),
			vocabTag("strand", func(cat *Catalog, o int) []string { return cat.ivRecs.at(o).Strands }),
			vocabTag("disadvantage", func(cat *Catalog, o int) []string { return cat.ivRecs.at(o).DisadvantageFocus }),
			forAllStages(closedTag("stage", models.Stages, func(cat *Catalog, o int) []string { return opt(cat.ivRecs.at(o).Stage) })),
			closedTag("setting", models.Settings, func(cat *Catalog, o int) []string { return opt(cat.ivRecs.at(o).Setting) }),
			closedTag("country", models.Countries, func(cat *Catalog, o int) []string { return opt(cat.ivRecs.at(o).CountryOfOrigin) }),
			evidenceTag("evidence_kind", models.EvidenceKinds, func(e models.Evidence) *string { return &e.Kind }),
			evidenceTag("evidence_result", models.EvidenceResults, func(e models.Evidence) *string { return e.Result }),
			evidenceTag("evidence_window", models.EvidenceWindows, func(e models.Evidence) *string { return &e.Window }),
			{name: "study", kind: kindRelation, links: func(cat *Catalog) vec[[]int32] { return cat.ivStudies }},
			{name: "study_count", kind: kindNumber, num: studyCount},
		},
		sorts: []orderSpec{
			{name: "name", text: func(cat *Catalog, o int) string { return cat.ivRecs.at(o).Name }},
			{name: "id", text: func(cat *Catalog, o int) string { return cat.ivRecs.at(o).ID }},
			{name: "study_count", num: studyCount},
		},
		text: textSpec{
			fields:  []string{"name", "aliases", "summary", "evidence"},
			weights: []float64{3, 2, 1, 1},
			read: func(cat *Catalog, o, f int) string {
				iv := cat.ivRecs.at(o)
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
			},
		},
	}
)

func studyCount(cat *Catalog, o int) float64 { return float64(len(cat.ivStudies.at(o))) }

// vocabTag is a tag from one of the dataset's own vocabularies (themes, strands,
// disadvantages), labelled with their names.
func vocabTag(name string, values func(cat *Catalog, o int) []string) fieldSpec {
	return fieldSpec{name: name, kind: kindTag, facet: true, strs: values, vocabulary: func(cat *Catalog) ([]string, map[string]string) {
		switch name {
		case "theme":
			return vocabulary(len(cat.vocab.Themes), func(i int) (string, string) { return cat.vocab.Themes[i].Slug, cat.vocab.Themes[i].Name })
		case "strand":
			return vocabulary(len(cat.vocab.Strands), func(i int) (string, string) { return cat.vocab.Strands[i].Slug, cat.vocab.Strands[i].Name })
		}
		return vocabulary(len(cat.vocab.Disadvantages), func(i int) (string, string) {
			return cat.vocab.Disadvantages[i].Slug, cat.vocab.Disadvantages[i].Name
		})
	}}
}

// closedTag is an optional single value from a fixed vocabulary; "null" finds the records
// that do not state it.
func closedTag(name string, values []string, value func(cat *Catalog, o int) []string) fieldSpec {
	return fieldSpec{name: name, kind: kindTag, facet: true, nullable: true, vocabulary: staticVocab(name, values), strs: value}
}

// evidenceTag is a multi-valued tag over an intervention's evidence items: the distinct
// values of one typed field (kind, result, window) among its items.
func evidenceTag(name string, values []string, value func(e models.Evidence) *string) fieldSpec {
	return fieldSpec{name: name, kind: kindTag, facet: true, vocabulary: staticVocab(name, values),
		strs: func(cat *Catalog, o int) []string {
			var out []string
			for _, e := range cat.ivRecs.at(o).Evidence {
				if v := value(e); v != nil && !slices.Contains(out, *v) {
					out = append(out, *v)
				}
			}
			return out
		}}
}

// staticVocab is a fixed vocabulary, labelled by the glossary (see Catalog.Term).
func staticVocab(field string, values []string) func(*Catalog) ([]string, map[string]string) {
	return func(cat *Catalog) ([]string, map[string]string) {
		labels := make(map[string]string, len(values))
		for _, v := range values {
			labels[v] = cat.Term(field, v).Label
		}
		return values, labels
	}
}

func flag(name string, value func(cat *Catalog, o int) bool) fieldSpec {
	return fieldSpec{name: name, kind: kindBool, flag: value}
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

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// stringPool makes equal strings one: the values records repeat (tags, types, designs,
// countries, venues, intervention ids) are read from the store as a fresh string each,
// over a million small objects at 100,000 studies, each one memory and GC marking work.
// Only what a string points at changes, never its value.
type stringPool map[string]string

func (p stringPool) one(s *string) {
	if s == nil {
		return
	}
	if c, ok := p[*s]; ok {
		*s = c
		return
	}
	p[*s] = *s
}

func (p stringPool) all(list []string) {
	for i := range list {
		p.one(&list[i])
	}
}

func (p stringPool) study(s *models.Study) {
	for _, v := range []*string{&s.Type, s.Venue, s.Country, s.Design, s.Stage, s.EffectSizeMeasure} {
		p.one(v)
	}
	for _, l := range [][]string{s.Themes, s.Strands, s.DisadvantageFocus, s.Interventions, s.VerifiedIn} {
		p.all(l)
	}
}

func (p stringPool) intervention(iv *models.Intervention) {
	for _, v := range []*string{iv.Origin, iv.CountryOfOrigin, iv.Stage, iv.Setting} {
		p.one(v)
	}
	for _, l := range [][]string{iv.Themes, iv.Strands, iv.DisadvantageFocus, iv.VerifiedIn} {
		p.all(l)
	}
	for i := range iv.Evidence {
		e := &iv.Evidence[i]
		for _, v := range []*string{e.StudyID, &e.Kind, e.Result, &e.Window} {
			p.one(v)
		}
	}
}
