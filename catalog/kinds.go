package catalog

import (
	"fmt"
	"slices"

	"github.com/evidence-kb/parental-engagement/models"
)

// RecordKind is one kind of record, studies or interventions: its names, how a snapshot
// finds and checks one, how a Change carries one, and how its records refer to the other
// kind's. Code that handles either kind takes one of these rather than branching on the
// kind's name, so what differs between the two is written once, here.
type RecordKind[T any, D Detail[T]] struct {
	Name       string // as errors and the audit log name the kind: "study"
	Collection string // as URLs name its records: "studies"
	id         func(*T) string
	normalize  func(*T)
	check      func(r *T, rec string, others models.Records) []models.FieldError
	detail     func(cat *Catalog, id string) (D, error)
	records    func(cat *Catalog) vec[*T] // by ordinal; nil where deleted
	index      func(cat *Catalog) *collection
	// linked holds, per record, the ordinals of the other kind's records linked with it:
	// those that may refer to it are among them
	linked func(cat *Catalog) vec[[]int32]
	change func(ch *Change) (puts *[]T, deletes *[]string)
	// references lists where r refers to the other kind's record id; without is r with
	// those references gone
	references func(r *T, id string) []string
	without    func(r T, id string) T
	// referrers is the other kind, whose records refer to this kind's
	referrers referringKind
}

// Detail is a record as a snapshot answers it, with its related records embedded.
type Detail[T any] interface {
	Record() *T
	ETag() string
}

// referringKind is a kind whose records refer to records of another kind; ords are the
// ordinals of its records linked with the one referred to, id.
type referringKind interface {
	linksFrom(cat *Catalog, ords []int32, id string) []Link
	unlinkFrom(cat *Catalog, ords []int32, id string, ch *Change) []Unlinked
}

// StudyKind and InterventionKind are the two kinds of record.
var (
	StudyKind = &RecordKind[models.Study, *StudyRecord]{
		Name:       models.KindStudy,
		Collection: "studies",
		id:         func(s *models.Study) string { return s.ID },
		normalize:  (*models.Study).Normalize,
		check:      (*models.Study).Check,
		detail:     (*Catalog).Study,
		records:    func(cat *Catalog) vec[*models.Study] { return cat.studyRecs },
		index:      func(cat *Catalog) *collection { return cat.studies },
		linked:     func(cat *Catalog) vec[[]int32] { return cat.studyIvs },
		change:     func(ch *Change) (*[]models.Study, *[]string) { return &ch.PutStudies, &ch.DeleteStudies },
		// a study refers to the interventions it names
		references: func(s *models.Study, id string) []string {
			if slices.Contains(s.Interventions, id) {
				return []string{"interventions"}
			}
			return nil
		},
		without: func(s models.Study, id string) models.Study {
			s.Interventions = slices.DeleteFunc(slices.Clone(s.Interventions), func(iv string) bool { return iv == id })
			return s
		},
	}
	InterventionKind = &RecordKind[models.Intervention, *InterventionRecord]{
		Name:       models.KindIntervention,
		Collection: "interventions",
		id:         func(iv *models.Intervention) string { return iv.ID },
		normalize:  (*models.Intervention).Normalize,
		check:      (*models.Intervention).Check,
		detail:     (*Catalog).Intervention,
		records:    func(cat *Catalog) vec[*models.Intervention] { return cat.ivRecs },
		index:      func(cat *Catalog) *collection { return cat.interventions },
		linked:     func(cat *Catalog) vec[[]int32] { return cat.ivStudies },
		change: func(ch *Change) (*[]models.Intervention, *[]string) {
			return &ch.PutInterventions, &ch.DeleteInterventions
		},
		// an intervention refers to the studies its evidence items cite
		references: func(iv *models.Intervention, id string) []string {
			var at []string
			for j, e := range iv.Evidence {
				if e.StudyID != nil && *e.StudyID == id {
					at = append(at, fmt.Sprintf("evidence[%d].study_id", j))
				}
			}
			return at
		},
		// an evidence item keeps its finding without the study link
		without: func(iv models.Intervention, id string) models.Intervention {
			iv.Evidence = slices.Clone(iv.Evidence)
			for j, e := range iv.Evidence {
				if e.StudyID != nil && *e.StudyID == id {
					iv.Evidence[j].StudyID = nil
				}
			}
			return iv
		},
	}
)

// The two kinds refer to each other, which their declarations cannot say: Go would see an
// initialisation cycle.
func init() {
	StudyKind.referrers, InterventionKind.referrers = InterventionKind, StudyKind
}

// recordKinds are the record kinds by name, for callers that hold a name only.
var recordKinds = map[string]interface {
	etag(cat *Catalog, id string) (string, bool)
}{StudyKind.Name: StudyKind, InterventionKind.Name: InterventionKind}

// ID is r's id.
func (k *RecordKind[T, D]) ID(r *T) string { return k.id(r) }

// Normalize makes r's absent lists empty, as the store returns them.
func (k *RecordKind[T, D]) Normalize(r *T) { k.normalize(r) }

// Detail returns the record id with its related records, or a not-found error.
func (k *RecordKind[T, D]) Detail(cat *Catalog, id string) (D, error) { return k.detail(cat, id) }

// Check lists what is wrong with r as a record of cat's evidence base.
func (k *RecordKind[T, D]) Check(cat *Catalog, r *T) []models.FieldError {
	return k.check(r, "", cat.Records())
}

// Put makes ch create or replace r.
func (k *RecordKind[T, D]) Put(ch *Change, r T) {
	puts, _ := k.change(ch)
	*puts = append(*puts, r)
}

// Delete makes ch delete the record id.
func (k *RecordKind[T, D]) Delete(ch *Change, id string) {
	_, deletes := k.change(ch)
	*deletes = append(*deletes, id)
}

func (k *RecordKind[T, D]) etag(cat *Catalog, id string) (string, bool) {
	d, err := k.detail(cat, id)
	if err != nil {
		return "", false
	}
	return d.ETag(), true
}

// Link is a reference from one record to another: the record that holds it, and where.
type Link struct {
	Kind  string // the name of the referring record's kind
	ID    string
	Field string // e.g. "evidence[2].study_id" or "interventions"
}

// LinksTo lists the references the other kind's records hold to the record id: the
// evidence items that cite a study, or the studies that name an intervention.
func (k *RecordKind[T, D]) LinksTo(cat *Catalog, id string) []Link {
	o, ok := k.index(cat).byID.get(id)
	if !ok {
		return nil
	}
	return k.referrers.linksFrom(cat, k.linked(cat).at(o), id)
}

// Unlinked is a record that lost its references to a deleted one, before and after.
type Unlinked struct {
	Kind, ID      string
	Before, After any
}

// Unlink makes ch remove every reference the other kind's records hold to the record id,
// and returns each record it changes.
func (k *RecordKind[T, D]) Unlink(cat *Catalog, id string, ch *Change) []Unlinked {
	o, ok := k.index(cat).byID.get(id)
	if !ok {
		return nil
	}
	return k.referrers.unlinkFrom(cat, k.linked(cat).at(o), id, ch)
}

func (k *RecordKind[T, D]) linksFrom(cat *Catalog, ords []int32, id string) []Link {
	var out []Link
	records := k.records(cat)
	for _, o := range ords {
		for _, field := range k.references(records.at(int(o)), id) {
			out = append(out, Link{k.Name, k.ID(records.at(int(o))), field})
		}
	}
	return out
}

func (k *RecordKind[T, D]) unlinkFrom(cat *Catalog, ords []int32, id string, ch *Change) []Unlinked {
	var out []Unlinked
	records := k.records(cat)
	for _, o := range ords {
		r := records.at(int(o))
		if len(k.references(r, id)) == 0 {
			continue
		}
		after := k.without(*r, id)
		k.Put(ch, after)
		out = append(out, Unlinked{Kind: k.Name, ID: k.ID(r), Before: *r, After: after})
	}
	return out
}

// VocabularyKind is one vocabulary that tags records, themes, strands or disadvantage-focus
// values: its names, the records' tag field it fills, and where a snapshot keeps it.
type VocabularyKind[V any] struct {
	Name       string // as errors and the audit log name the kind: "theme"
	Collection string // as URLs name its values: "themes"
	slug       func(V) string
	field      string // the records' tag field: "theme"
	values     func(vocab *models.Dataset) []V
}

// ThemeKind, StrandKind and DisadvantageKind are the three vocabularies.
var (
	ThemeKind = &VocabularyKind[models.Theme]{Name: models.KindTheme, Collection: "themes", field: "theme",
		slug:   func(t models.Theme) string { return t.Slug },
		values: func(vocab *models.Dataset) []models.Theme { return vocab.Themes }}
	StrandKind = &VocabularyKind[models.Strand]{Name: models.KindStrand, Collection: "strands", field: "strand",
		slug:   func(s models.Strand) string { return s.Slug },
		values: func(vocab *models.Dataset) []models.Strand { return vocab.Strands }}
	DisadvantageKind = &VocabularyKind[models.DisadvantageFocus]{Name: models.KindDisadvantage, Collection: "disadvantages", field: "disadvantage",
		slug:   func(d models.DisadvantageFocus) string { return d.Slug },
		values: func(vocab *models.Dataset) []models.DisadvantageFocus { return vocab.Disadvantages }}
)

// vocabularyKinds are the vocabularies by name, for callers that hold a name only.
var vocabularyKinds = map[string]interface {
	lookup(cat *Catalog, slug string) (item any, etag string, ok bool)
	TagUse(cat *Catalog, slug string) (studies, interventions int)
}{ThemeKind.Name: ThemeKind, StrandKind.Name: StrandKind, DisadvantageKind.Name: DisadvantageKind}

// Slug is v's slug.
func (k *VocabularyKind[V]) Slug(v V) string { return k.slug(v) }

// Values lists the vocabulary in its order. Callers must not modify it.
func (k *VocabularyKind[V]) Values(cat *Catalog) []V { return k.values(cat.vocab) }

// Item returns the value slug with its entity tag; false when there is none.
func (k *VocabularyKind[V]) Item(cat *Catalog, slug string) (item V, etag string, ok bool) {
	if item, ok = k.find(cat, slug); !ok {
		return item, "", false
	}
	return item, entityTag(item), true
}

// TagUse counts the live studies and interventions tagged slug.
func (k *VocabularyKind[V]) TagUse(cat *Catalog, slug string) (studies, interventions int) {
	count := func(c *collection) int {
		if set, ok := c.fields[k.field].tags.sets[slug]; ok {
			return set.andCount(c.live)
		}
		return 0
	}
	return count(cat.studies), count(cat.interventions)
}

// lookup is Item with the value as any: nil when there is none.
func (k *VocabularyKind[V]) lookup(cat *Catalog, slug string) (any, string, bool) {
	item, etag, ok := k.Item(cat, slug)
	if !ok {
		return nil, "", false
	}
	return item, etag, true
}

func (k *VocabularyKind[V]) find(cat *Catalog, slug string) (V, bool) {
	values := k.Values(cat)
	if i := slices.IndexFunc(values, func(v V) bool { return k.Slug(v) == slug }); i >= 0 {
		return values[i], true
	}
	var none V
	return none, false
}

// pick returns the values named by slugs, in the order of slugs.
func (k *VocabularyKind[V]) pick(cat *Catalog, slugs []string) []V {
	values := k.Values(cat)
	out := make([]V, 0, len(slugs))
	for _, want := range slugs {
		if i := slices.IndexFunc(values, func(v V) bool { return k.Slug(v) == want }); i >= 0 {
			out = append(out, values[i])
		}
	}
	return out
}
