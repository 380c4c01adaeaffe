package store

import (
	"context"
	"fmt"
	"time"
)

// LastChange is when a record last changed, by the audit log, and whether that change
// created it (a create, or an import that added it) or changed it.
type LastChange struct {
	ID      string
	At      time.Time
	Created bool
}

// changeBatch is how many audit entries LatestChanges reads at a time: enough that a feed
// over recently edited records is one query, few enough that a narrow one stops early.
const changeBatch = 1000

// LatestChanges walks the audit log from its newest entry and returns, newest first, the
// last change of up to n records of kind for which wanted is true. Records the log never
// names are left out: they have been in the store as they are since it was seeded
// (SeededAt). The walk reads only the columns it needs and stops as soon as it has n.
func (s *Store) LatestChanges(ctx context.Context, kind string, wanted func(id string) bool, n int) ([]LastChange, error) {
	type entry struct {
		ID       int64
		At       string
		RecordID string
		Created  bool
	}
	var out []LastChange
	seen := map[string]bool{}
	for before := int64(-1); len(out) < n; {
		q := s.db.WithContext(ctx).Table("audit").
			Select("id, at, record_id, before_doc IS NULL AS created").
			Where("kind = ?", kind)
		if before >= 0 {
			q = q.Where("id < ?", before)
		}
		var batch []entry
		if err := q.Order("id DESC").Limit(changeBatch).Scan(&batch).Error; err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		for _, e := range batch {
			if seen[e.RecordID] {
				continue
			}
			seen[e.RecordID] = true // the newest entry of a record is its last change
			if len(out) == n || !wanted(e.RecordID) {
				continue
			}
			at, err := time.Parse(timeLayout, e.At)
			if err != nil {
				return nil, fmt.Errorf("audit entry %d: %w", e.ID, err)
			}
			out = append(out, LastChange{ID: e.RecordID, At: at, Created: e.Created})
		}
		if len(batch) < changeBatch {
			break
		}
		before = batch[len(batch)-1].ID
	}
	return out, nil
}

// SeededAt is when the store was seeded: the date of every record no write has touched
// since. A store seeded before the time was kept answers when its schema was first
// migrated, which is when it was set up and seeded.
func (s *Store) SeededAt(ctx context.Context) (time.Time, error) {
	var row metaRow
	err := s.db.WithContext(ctx).Where("key = ?", seededAtKey).Limit(1).Find(&row).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("read meta: %w", err)
	}
	if row.Value != "" {
		return time.Parse(timeLayout, row.Value)
	}
	var first struct{ Tstamp time.Time }
	err = s.db.WithContext(ctx).Table("goose_db_version").Select("tstamp").Where("version_id > 0").Order("id").Limit(1).Scan(&first).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("read the migration log: %w", err)
	}
	return first.Tstamp.UTC(), nil
}
