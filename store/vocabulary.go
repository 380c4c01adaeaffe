package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// VocabularyWrite is an admin's change to one theme, strand or disadvantage-focus value:
// put (create or replace) or delete.
type VocabularyWrite struct {
	Actor   Actor
	Kind    string // models.KindTheme, KindStrand or KindDisadvantage
	Slug    string
	Delete  bool
	Item    any      // models.Theme, models.Strand or models.DisadvantageFocus, for a put
	IfMatch []string // required when the value exists: its current ETag, or "*"
}

// VocabularyWritten is the outcome of a vocabulary write: the snapshot that holds it, and
// what the write did to the value, as its audit entry records it: models.OpCreate when a
// put added it, OpUpdate when a put replaced it, OpDelete.
type VocabularyWritten struct {
	Catalog *catalog.Catalog
	Op      string
}

// vocabularyTable is a vocabulary as the store keeps it: the catalogue's kind, where a
// dataset lists its values, and the table whose rows hold them.
type vocabularyTable[V any] struct {
	*catalog.VocabularyKind[V]
	list   string // the dataset's list of the values, as validation names it: "themes"
	table  string
	values func(vocab *models.Dataset) *[]V
	row    func(v V, position int) any // a pointer to the value's row
}

// vocabularyTables are the vocabularies by the name a VocabularyWrite gives.
var vocabularyTables = map[string]interface {
	plan(cat *catalog.Catalog, w VocabularyWrite) (vocabularyChange, error)
}{
	catalog.ThemeKind.Name: &vocabularyTable[models.Theme]{VocabularyKind: catalog.ThemeKind, list: "themes", table: "themes",
		values: func(vocab *models.Dataset) *[]models.Theme { return &vocab.Themes },
		row: func(t models.Theme, i int) any {
			return &themeRow{t.Slug, i, t.Name, t.Description, t.Provisional, t.Note, t.SourceURL}
		}},
	catalog.StrandKind.Name: &vocabularyTable[models.Strand]{VocabularyKind: catalog.StrandKind, list: "strands", table: "strands",
		values: func(vocab *models.Dataset) *[]models.Strand { return &vocab.Strands },
		row: func(t models.Strand, i int) any {
			return &strandRow{t.Slug, i, t.Name, t.Description, t.Provisional, t.Note}
		}},
	catalog.DisadvantageKind.Name: &vocabularyTable[models.DisadvantageFocus]{VocabularyKind: catalog.DisadvantageKind,
		list: "disadvantages", table: "disadvantages",
		values: func(vocab *models.Dataset) *[]models.DisadvantageFocus { return &vocab.Disadvantages },
		row: func(t models.DisadvantageFocus, i int) any {
			return &disadvantageRow{t.Slug, i, t.Name, t.Description}
		}},
}

// vocabularyChange is a planned vocabulary write: the vocabularies after it, its audit
// entry (whose operation says what it does to the value), and how it stores itself.
type vocabularyChange struct {
	vocab *models.Dataset
	entry models.AuditEntry
	store func(tx *gorm.DB) error
}

// WriteVocabulary applies one vocabulary change in one transaction with its audit entry.
// Labels and facet orders change throughout, so the catalogue is built afresh. Whether a
// put creates or replaces the value is decided against the snapshot the transaction
// proves current (it claims the next revision only if no other write came first; when
// one did, the write is planned again), so the operation returned is the one committed,
// whatever other admins do at the same time.
func (s *Store) WriteVocabulary(ctx context.Context, w VocabularyWrite) (*VocabularyWritten, error) {
	// bounded as a record write: see Write
	return boundedWrite(ctx, s, func(ctx context.Context) (*VocabularyWritten, error) { return s.writeVocabulary(ctx, w) })
}

func (s *Store) writeVocabulary(ctx context.Context, w VocabularyWrite) (*VocabularyWritten, error) {
	kind, ok := vocabularyTables[w.Kind]
	if !ok {
		return nil, fmt.Errorf("store: no vocabulary %q", w.Kind)
	}
	snap := s.current.Load()
	change, err := kind.plan(snap.cat, w)
	if err != nil {
		return nil, err
	}
	next, err := s.transact(ctx, snap, nil, []models.AuditEntry{change.entry}, change.store)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	nextCat := snap.cat.WithVocabulary(change.vocab, next.version)
	s.current.Store(newSnapshot(nextCat, next.revision, time.Since(start)))
	return &VocabularyWritten{Catalog: nextCat, Op: change.entry.Operation}, nil
}

// plan checks a write against the snapshot it starts from and works out the vocabularies
// it leaves, its audit entry and how it stores itself.
func (k *vocabularyTable[V]) plan(cat *catalog.Catalog, w VocabularyWrite) (vocabularyChange, error) {
	var none vocabularyChange
	current, etag, exists := k.Item(cat, w.Slug)
	switch {
	case w.Delete && !exists:
		return none, models.NotFound(k.Name, w.Slug)
	case exists && len(w.IfMatch) == 0:
		return none, &models.Error{Code: models.EPreconditionRequired, Message: "send If-Match with the value's ETag (from GET)",
			Fields: []models.FieldError{{Field: "If-Match", Reason: "is required to change an existing value"}}}
	case exists && !slices.Contains(w.IfMatch, etag) && !slices.Contains(w.IfMatch, "*"):
		return none, &models.Error{Code: models.EPreconditionFailed,
			Message: fmt.Sprintf("the %s %s has changed since you read it (its ETag is now %s)", k.Name, w.Slug, etag)}
	}
	vocab := *cat.Vocabulary()
	values := k.values(&vocab)
	*values = slices.Clone(*values)
	same := func(v V) bool { return k.Slug(v) == w.Slug }
	var before, after any // the value before and after, for the audit log; nil when there is none
	if exists {
		before = current
	}
	op := models.OpUpdate
	if w.Delete {
		if studies, ivs := k.TagUse(cat, w.Slug); studies+ivs > 0 {
			return none, &models.Error{Code: models.EConflict,
				Message: fmt.Sprintf("%d studies and %d interventions are tagged %s; retag them first", studies, ivs, w.Slug)}
		}
		*values = slices.DeleteFunc(*values, same)
		op = models.OpDelete
	} else {
		item, ok := w.Item.(V)
		if !ok {
			return none, fmt.Errorf("store: a %s write carries a %T", k.Name, w.Item)
		}
		if i := slices.IndexFunc(*values, same); i >= 0 {
			(*values)[i] = item
		} else {
			*values = append(*values, item)
		}
		if !exists {
			op = models.OpCreate
		}
		if errs := k.errors(&vocab, w.Slug); len(errs) > 0 {
			return none, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", k.Name), Fields: errs}
		}
		after = item
	}
	entry := models.AuditEntry{Actor: w.Actor.Name, Role: w.Actor.Role, RequestID: w.Actor.RequestID, Operation: op,
		Kind: k.Name, RecordID: w.Slug, Before: document(before), After: document(after)}
	return vocabularyChange{vocab: &vocab, entry: entry, store: func(tx *gorm.DB) error {
		return k.store(tx, *values, w.Delete, w.Slug)
	}}, nil
}

// errors checks the vocabularies as a dataset would be checked, and keeps the errors about
// the value slug ("themes[3] (slug).name").
func (k *vocabularyTable[V]) errors(vocab *models.Dataset, slug string) []models.FieldError {
	d := &models.Dataset{FormatVersion: models.DatasetFormatVersion, Themes: vocab.Themes, Strands: vocab.Strands, Disadvantages: vocab.Disadvantages}
	var out []models.FieldError
	for _, e := range d.Validate() {
		if strings.HasPrefix(e.Field, k.list+"[") && strings.Contains(e.Field, "("+slug+")") {
			out = append(out, e)
		}
	}
	return out
}

// store stores the vocabulary's values in their order, within tx: each row updated in
// place or added, and a deleted value's row removed (no record uses it), so the records'
// tags refer to a value at every moment.
func (k *vocabularyTable[V]) store(tx *gorm.DB, values []V, deleted bool, slug string) error {
	for i, v := range values {
		if err := tx.Save(k.row(v, i)).Error; err != nil {
			return fmt.Errorf("store %s: %w", k.Name, err)
		}
	}
	if !deleted {
		return nil
	}
	return tx.Exec("DELETE FROM "+k.table+" WHERE slug = ?", slug).Error
}
