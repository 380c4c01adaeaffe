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

// WriteVocabulary applies one vocabulary change in one transaction with its audit entry.
// Labels and facet orders change throughout, so the catalogue is built afresh.
func (s *Store) WriteVocabulary(ctx context.Context, w VocabularyWrite) (*catalog.Catalog, error) {
	var out *catalog.Catalog
	err := s.serialised(ctx, func() (err error) {
		out, err = s.writeVocabulary(ctx, w)
		return err
	})
	return out, err
}

func (s *Store) writeVocabulary(ctx context.Context, w VocabularyWrite) (*catalog.Catalog, error) {
	snap := s.current.Load()
	cat := snap.cat
	before, etag, exists := cat.VocabularyItem(w.Kind, w.Slug)
	switch {
	case w.Delete && !exists:
		return nil, models.NotFound(w.Kind, w.Slug)
	case exists && len(w.IfMatch) == 0:
		return nil, &models.Error{Code: models.EPreconditionRequired, Message: "send If-Match with the value's ETag (from GET)",
			Fields: []models.FieldError{{Field: "If-Match", Reason: "is required to change an existing value"}}}
	case exists && !slices.Contains(w.IfMatch, etag) && !slices.Contains(w.IfMatch, "*"):
		return nil, &models.Error{Code: models.EPreconditionFailed,
			Message: fmt.Sprintf("the %s %s has changed since you read it (its ETag is now %s)", w.Kind, w.Slug, etag)}
	}
	vocab := *cat.Vocabulary()
	vocab.Themes, vocab.Strands, vocab.Disadvantages = slices.Clone(vocab.Themes), slices.Clone(vocab.Strands), slices.Clone(vocab.Disadvantages)
	if w.Delete {
		if studies, ivs := cat.TagUse(w.Kind, w.Slug); studies+ivs > 0 {
			return nil, &models.Error{Code: models.EConflict,
				Message: fmt.Sprintf("%d studies and %d interventions are tagged %s; retag them first", studies, ivs, w.Slug)}
		}
		vocab.Themes = slices.DeleteFunc(vocab.Themes, func(t models.Theme) bool { return w.Kind == models.KindTheme && t.Slug == w.Slug })
		vocab.Strands = slices.DeleteFunc(vocab.Strands, func(t models.Strand) bool { return w.Kind == models.KindStrand && t.Slug == w.Slug })
		vocab.Disadvantages = slices.DeleteFunc(vocab.Disadvantages, func(t models.DisadvantageFocus) bool { return w.Kind == models.KindDisadvantage && t.Slug == w.Slug })
	} else {
		switch item := w.Item.(type) {
		case models.Theme:
			vocab.Themes = upsert(vocab.Themes, item, func(t models.Theme) bool { return t.Slug == w.Slug })
		case models.Strand:
			vocab.Strands = upsert(vocab.Strands, item, func(t models.Strand) bool { return t.Slug == w.Slug })
		case models.DisadvantageFocus:
			vocab.Disadvantages = upsert(vocab.Disadvantages, item, func(t models.DisadvantageFocus) bool { return t.Slug == w.Slug })
		}
		if errs := vocabularyErrors(&vocab, w.Kind, w.Slug); len(errs) > 0 {
			return nil, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", w.Kind), Fields: errs}
		}
	}
	op := models.OpUpdate
	switch {
	case w.Delete:
		op = models.OpDelete
	case !exists:
		op = models.OpCreate
	}
	entry := models.AuditEntry{Actor: w.Actor.Name, Role: w.Actor.Role, RequestID: w.Actor.RequestID, Operation: op,
		Kind: w.Kind, RecordID: w.Slug, Before: document(before), After: document(w.Item)}
	deleted := ""
	if w.Delete {
		deleted = w.Slug
	}
	next, err := s.transact(ctx, snap, nil, []models.AuditEntry{entry}, func(tx *gorm.DB) error {
		return storeVocabulary(tx, w.Kind, &vocab, deleted)
	})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	nextCat := cat.WithVocabulary(&vocab, next.version)
	s.current.Store(newSnapshot(nextCat, next.revision, time.Since(start)))
	return nextCat, nil
}

func upsert[T any](list []T, item T, same func(T) bool) []T {
	if i := slices.IndexFunc(list, same); i >= 0 {
		list[i] = item
		return list
	}
	return append(list, item)
}

// vocabularyErrors checks the vocabularies as a dataset would be checked, and keeps the
// errors about the value being written ("themes[3] (slug).name").
func vocabularyErrors(vocab *models.Dataset, kind, slug string) []models.FieldError {
	d := &models.Dataset{FormatVersion: models.DatasetFormatVersion, Themes: vocab.Themes, Strands: vocab.Strands, Disadvantages: vocab.Disadvantages}
	list := map[string]string{models.KindTheme: "themes", models.KindStrand: "strands", models.KindDisadvantage: "disadvantages"}[kind]
	var out []models.FieldError
	for _, e := range d.Validate() {
		if strings.HasPrefix(e.Field, list+"[") && strings.Contains(e.Field, "("+slug+")") {
			out = append(out, e)
		}
	}
	return out
}

// storeVocabulary stores one kind's values in their order, within tx: each row updated in
// place or added, and a deleted value's row removed (no record uses it), so the records'
// tags refer to a value at every moment.
func storeVocabulary(tx *gorm.DB, kind string, vocab *models.Dataset, deleted string) error {
	var rows []any
	switch kind {
	case models.KindTheme:
		for i, t := range vocab.Themes {
			rows = append(rows, &themeRow{t.Slug, i, t.Name, t.Description, t.Provisional, t.Note, t.SourceURL})
		}
	case models.KindStrand:
		for i, t := range vocab.Strands {
			rows = append(rows, &strandRow{t.Slug, i, t.Name, t.Description, t.Provisional, t.Note})
		}
	default:
		for i, t := range vocab.Disadvantages {
			rows = append(rows, &disadvantageRow{t.Slug, i, t.Name, t.Description})
		}
	}
	for _, r := range rows {
		if err := tx.Save(r).Error; err != nil {
			return fmt.Errorf("store %s: %w", kind, err)
		}
	}
	if deleted == "" {
		return nil
	}
	table := map[string]string{models.KindTheme: "themes", models.KindStrand: "strands", models.KindDisadvantage: "disadvantages"}[kind]
	return tx.Exec("DELETE FROM "+table+" WHERE slug = ?", deleted).Error
}
