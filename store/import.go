package store

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Import makes the store hold exactly the dataset document raw: records it adds, changes
// and removes, vocabularies included, all in one transaction with an audit entry per
// record. With dryRun it only reports what it would do. A document that does not
// validate changes nothing: the report lists every error by record and field, and the
// error is EUnprocessable unless dryRun.
func (s *Store) Import(ctx context.Context, actor Actor, raw []byte, dryRun bool) (*models.ImportReport, error) {
	return s.importFrom(ctx, actor, importSource, raw, dryRun)
}

// importFrom is Import of a document from source, which the store records as the source
// of what it holds.
func (s *Store) importFrom(ctx context.Context, actor Actor, source string, raw []byte, dryRun bool) (*models.ImportReport, error) {
	report := &models.ImportReport{DryRun: dryRun, Added: []models.RecordRef{}, Changed: []models.RecordChange{},
		Removed: []models.RecordRef{}, Errors: []models.FieldError{}}
	d, err := models.ParseDataset(raw)
	if err != nil {
		report.Errors = append(report.Errors, models.FieldError{Field: "document", Reason: err.Error()})
	} else {
		report.Errors = append(report.Errors, d.Validate()...)
	}
	err = s.serialised(ctx, func() error {
		return s.importLocked(ctx, actor, seedDocument{source: source, version: models.DocumentVersion(raw)}, d, dryRun, report)
	})
	return report, err
}

// importLocked is Import under the writer lock.
func (s *Store) importLocked(ctx context.Context, actor Actor, whole seedDocument, d *models.Dataset, dryRun bool, report *models.ImportReport) error {
	report.Added, report.Changed, report.Removed = []models.RecordRef{}, []models.RecordChange{}, []models.RecordRef{}
	snap := s.current.Load()
	report.Revision = snap.revision
	if len(report.Errors) > 0 {
		if dryRun {
			return nil
		}
		return &models.Error{Code: models.EUnprocessable, Message: "the dataset does not validate; nothing was imported", Fields: report.Errors}
	}
	entries := diff(snap.cat.Dataset(), d, report)
	for i := range entries {
		entries[i].Actor, entries[i].Role, entries[i].RequestID, entries[i].Operation = actor.Name, actor.Role, actor.RequestID, models.OpImport
	}
	if dryRun || len(entries) == 0 {
		return nil
	}
	next, err := s.transact(ctx, snap, &whole, entries, func(tx *gorm.DB) error { return replaceAll(tx, d) })
	if err != nil {
		return err
	}
	start := time.Now()
	cat := catalog.New(d, next.version)
	s.current.Store(newSnapshot(cat, next.revision, time.Since(start)))
	s.saveImage(cat, next.revision)
	report.Applied, report.Revision = true, next.revision
	return nil
}

// diff fills report with what turning from into to changes, and returns an audit entry
// (without actor and operation) per record that changes.
func diff(from, to *models.Dataset, report *models.ImportReport) []models.AuditEntry {
	var entries []models.AuditEntry
	compare := func(kind string, before, after map[string]any, order []string) {
		for _, id := range order {
			b, inBefore := before[id]
			a, inAfter := after[id]
			switch {
			case !inBefore:
				report.Added = append(report.Added, models.RecordRef{Kind: kind, ID: id})
				entries = append(entries, models.AuditEntry{Kind: kind, RecordID: id, After: document(a)})
			case !inAfter:
				report.Removed = append(report.Removed, models.RecordRef{Kind: kind, ID: id})
				entries = append(entries, models.AuditEntry{Kind: kind, RecordID: id, Before: document(b)})
			default:
				if fields := changedFields(b, a); len(fields) > 0 {
					report.Changed = append(report.Changed, models.RecordChange{Kind: kind, ID: id, Fields: fields})
					entries = append(entries, models.AuditEntry{Kind: kind, RecordID: id, Before: document(b), After: document(a)})
				}
			}
		}
	}
	compare(models.KindTheme, index(from.Themes, func(t models.Theme) string { return t.Slug }), index(to.Themes, func(t models.Theme) string { return t.Slug }),
		ids(from.Themes, to.Themes, func(t models.Theme) string { return t.Slug }))
	compare(models.KindStrand, index(from.Strands, func(t models.Strand) string { return t.Slug }), index(to.Strands, func(t models.Strand) string { return t.Slug }),
		ids(from.Strands, to.Strands, func(t models.Strand) string { return t.Slug }))
	compare(models.KindDisadvantage, index(from.Disadvantages, func(t models.DisadvantageFocus) string { return t.Slug }),
		index(to.Disadvantages, func(t models.DisadvantageFocus) string { return t.Slug }),
		ids(from.Disadvantages, to.Disadvantages, func(t models.DisadvantageFocus) string { return t.Slug }))
	compare(models.KindStudy, index(from.Studies, func(s models.Study) string { return s.ID }), index(to.Studies, func(s models.Study) string { return s.ID }),
		ids(from.Studies, to.Studies, func(s models.Study) string { return s.ID }))
	compare(models.KindIntervention, index(from.Interventions, func(iv models.Intervention) string { return iv.ID }),
		index(to.Interventions, func(iv models.Intervention) string { return iv.ID }),
		ids(from.Interventions, to.Interventions, func(iv models.Intervention) string { return iv.ID }))
	return entries
}

func index[T any](records []T, id func(T) string) map[string]any {
	m := make(map[string]any, len(records))
	for _, r := range records {
		m[id(r)] = r
	}
	return m
}

// ids is every id of either list, sorted.
func ids[T any](a, b []T, id func(T) string) []string {
	var out []string
	for _, r := range a {
		out = append(out, id(r))
	}
	for _, r := range b {
		out = append(out, id(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// changedFields names the top-level JSON fields whose values differ, in sorted order.
func changedFields(before, after any) []string {
	var b, a map[string]json.RawMessage
	_ = json.Unmarshal(document(before), &b)
	_ = json.Unmarshal(document(after), &a)
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || !jsonEqual(v, w) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func jsonEqual(x, y json.RawMessage) bool {
	var a, b any
	_ = json.Unmarshal(x, &a)
	_ = json.Unmarshal(y, &b)
	return reflect.DeepEqual(a, b)
}
