package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
)

// AuditQuery selects audit entries: every non-empty field must match. Entries come newest
// first, a page at a time.
type AuditQuery struct {
	Kind      string
	RecordID  string
	Actor     string
	Operation string
	From, To  time.Time // when not zero: entries at or after From, before To
	Page      int       // from 1
	PerPage   int
}

// Audit lists the audit entries q selects, and how many there are in all.
func (s *Store) Audit(ctx context.Context, q AuditQuery) ([]models.AuditEntry, int, error) {
	ctx, cancel := s.bounded(ctx) // a database that does not answer must not hold the request
	defer cancel()
	where := func() *gorm.DB {
		db := s.db.WithContext(ctx).Model(&auditRow{})
		for col, v := range map[string]string{"kind": q.Kind, "record_id": q.RecordID, "actor": q.Actor, "operation": q.Operation} {
			if v != "" {
				db = db.Where(col+" = ?", v)
			}
		}
		if !q.From.IsZero() {
			db = db.Where("at >= ?", formatTime(q.From))
		}
		if !q.To.IsZero() {
			db = db.Where("at < ?", formatTime(q.To))
		}
		return db
	}
	var total int64
	if err := where().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit: %w", err)
	}
	var rows []auditRow
	if err := where().Order("id DESC").Offset((q.Page - 1) * q.PerPage).Limit(q.PerPage).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("read audit: %w", err)
	}
	out := make([]models.AuditEntry, len(rows))
	for i, r := range rows {
		at, err := time.Parse(timeLayout, r.At)
		if err != nil {
			return nil, 0, fmt.Errorf("audit entry %d: %w", r.ID, err)
		}
		out[i] = models.AuditEntry{ID: r.ID, At: at, Revision: r.Revision, Actor: r.Actor, Role: models.Role(r.Role),
			RequestID: r.RequestID, Operation: r.Operation, Kind: r.Kind, RecordID: r.RecordID,
			Before: raw(r.BeforeDoc), After: raw(r.AfterDoc)}
	}
	return out, int(total), nil
}

func raw(doc *string) json.RawMessage {
	if doc == nil {
		return nil
	}
	return json.RawMessage(*doc)
}
