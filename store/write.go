package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Actor is who makes a write, as the audit log records it.
type Actor struct {
	Name      string
	Role      models.Role
	RequestID string
}

// RecordWrite is one curator's change to one study or intervention.
type RecordWrite struct {
	Actor        Actor
	Kind         string // models.KindStudy or models.KindIntervention
	Op           string // models.OpCreate, OpUpdate or OpDelete
	ID           string // the record's id: the path's for update and delete
	Study        *models.Study
	Intervention *models.Intervention
	IfMatch      []string // update, delete: the ETags the writer accepts (If-Match); one must be current, or "*"
	Unlink       bool     // delete: also remove the references other records hold to it
	// IdempotencyKey, for a create: a retry with the same key and body is answered with
	// the record the first request created. RequestHash identifies the body.
	IdempotencyKey, RequestHash string
}

// WriteKind is a record kind as a RecordWrite carries it: the catalogue's kind, and where
// a write holds its record.
type WriteKind[T any, D catalog.Detail[T]] struct {
	*catalog.RecordKind[T, D]
	record func(w *RecordWrite) **T
}

// StudyWrites and InterventionWrites are the kinds a RecordWrite may name.
var (
	StudyWrites = &WriteKind[models.Study, *catalog.StudyRecord]{RecordKind: catalog.StudyKind,
		record: func(w *RecordWrite) **models.Study { return &w.Study }}
	InterventionWrites = &WriteKind[models.Intervention, *catalog.InterventionRecord]{RecordKind: catalog.InterventionKind,
		record: func(w *RecordWrite) **models.Intervention { return &w.Intervention }}
)

// writeKinds are the kinds by the name a RecordWrite gives.
var writeKinds = map[string]interface {
	plan(cat *catalog.Catalog, w RecordWrite) (catalog.Change, []models.AuditEntry, error)
}{StudyWrites.Name: StudyWrites, InterventionWrites.Name: InterventionWrites}

// Carry makes w carry r, the record it writes.
func (k *WriteKind[T, D]) Carry(w *RecordWrite, r *T) { *k.record(w) = r }

// Written is the outcome of a write: the snapshot that holds it, and whether the write
// was a repeat of an earlier idempotent create (then nothing was written).
type Written struct {
	Catalog  *catalog.Catalog
	Replayed bool
}

// errStale says the database moved on since the current snapshot was made: another
// process sharing it wrote.
var errStale = errors.New("store: the database has a newer revision than this process")

// Write applies one record write in one transaction, with its audit entries, and returns
// the snapshot that holds it; every read that starts after Write returns sees it. It
// waits for the database at most the store's timeout, the writes queued ahead of it
// included: past it, or when the database does not answer, the error is ErrUnavailable,
// and ErrStorageFull when it has no room.
func (s *Store) Write(ctx context.Context, w RecordWrite) (*Written, error) {
	return boundedWrite(ctx, s, func(ctx context.Context) (*Written, error) { return s.write(ctx, w) })
}

// boundedWrite runs write serialised (see serialised) within the store's timeout, the
// wait for the writer lock included, and returns what it returned.
func boundedWrite[T any](ctx context.Context, s *Store, write func(context.Context) (T, error)) (T, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	var out T
	err := s.serialised(ctx, func() (err error) {
		out, err = write(ctx)
		return err
	})
	return out, err
}

func (s *Store) write(ctx context.Context, w RecordWrite) (*Written, error) {
	kind, ok := writeKinds[w.Kind]
	if !ok {
		return nil, fmt.Errorf("store: no record kind %q", w.Kind)
	}
	snap := s.current.Load()
	cat := snap.cat
	if w.Op == models.OpCreate && w.IdempotencyKey != "" {
		if id, ok, err := s.idempotent(ctx, w); err != nil || ok {
			if err != nil {
				return nil, err
			}
			if _, found := cat.ETag(w.Kind, id); !found {
				// The key's create committed, but this snapshot may not hold it: another
				// replica took it, or the answer to this very request's first attempt was
				// lost with the connection during COMMIT (the client got a 503). Only a
				// record missing from the database's latest revision was deleted since.
				if err := s.catchUp(ctx); err != nil {
					return nil, err
				}
				cat = s.current.Load().cat
			}
			if _, found := cat.ETag(w.Kind, id); !found {
				return nil, &models.Error{Code: models.EConflict,
					Message: fmt.Sprintf("the %s this Idempotency-Key created, %s, has since been deleted", w.Kind, id)}
			}
			return &Written{Catalog: cat, Replayed: true}, nil
		}
	}
	change, entries, err := kind.plan(cat, w)
	if err != nil {
		return nil, err
	}
	next, err := s.commit(ctx, snap, change, entries, func(tx *gorm.DB) error {
		if w.Op != models.OpCreate || w.IdempotencyKey == "" {
			return nil
		}
		return tx.Exec("INSERT INTO idempotency (actor, key, request_hash, kind, record_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			w.Actor.Name, w.IdempotencyKey, w.RequestHash, w.Kind, w.ID, formatTime(time.Now())).Error
	})
	if err != nil {
		return nil, err
	}
	return &Written{Catalog: next}, nil
}

// idempotent looks up an earlier create with the same key by the same token: the id it
// created, or an error when the key came with another body.
func (s *Store) idempotent(ctx context.Context, w RecordWrite) (string, bool, error) {
	var rows []struct {
		RequestHash string
		Kind        string
		RecordID    string
	}
	err := s.db.WithContext(ctx).Raw("SELECT request_hash, kind, record_id FROM idempotency WHERE actor = ? AND key = ?",
		w.Actor.Name, w.IdempotencyKey).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return "", false, err
	}
	if rows[0].RequestHash != w.RequestHash || rows[0].Kind != w.Kind {
		return "", false, &models.Error{Code: models.EUnprocessable, Message: "this Idempotency-Key was used with another request",
			Fields: []models.FieldError{{Field: "Idempotency-Key", Reason: "was used before with a different body or endpoint; use a new key"}}}
	}
	return rows[0].RecordID, true, nil
}

// plan checks a write against the snapshot it starts from and works out the change it
// makes and its audit entries (the revision is filled in at commit).
func (k *WriteKind[T, D]) plan(cat *catalog.Catalog, w RecordWrite) (catalog.Change, []models.AuditEntry, error) {
	var (
		ch     catalog.Change
		etag   string
		before any // the record as it is, for the audit log; nil when there is none
	)
	current, err := k.Detail(cat, w.ID)
	exists := err == nil
	if exists {
		etag, before = current.ETag(), current.Record()
	}
	switch {
	case w.Op == models.OpCreate && exists:
		return ch, nil, &models.Error{Code: models.EConflict,
			Message: fmt.Sprintf("a %s with id %q exists; PUT /%s/%s replaces it", k.Name, w.ID, k.Collection, w.ID),
			Fields:  []models.FieldError{{Field: "id", Reason: "is taken"}}}
	case w.Op != models.OpCreate && !exists:
		return ch, nil, models.NotFound(k.Name, w.ID)
	case w.Op != models.OpCreate && !slices.Contains(w.IfMatch, etag) && !slices.Contains(w.IfMatch, "*"):
		return ch, nil, &models.Error{Code: models.EPreconditionFailed,
			Message: fmt.Sprintf("the %s %s has changed since you read it (its ETag is now %s); GET it again and reapply your change", k.Name, w.ID, etag)}
	}
	entry := func(op, kind, id string, before, after any) models.AuditEntry {
		return models.AuditEntry{Actor: w.Actor.Name, Role: w.Actor.Role, RequestID: w.Actor.RequestID,
			Operation: op, Kind: kind, RecordID: id, Before: document(before), After: document(after)}
	}
	if w.Op != models.OpDelete {
		r := *k.record(&w)
		if errs := k.Check(cat, r); len(errs) > 0 {
			return ch, nil, &models.Error{Code: models.EUnprocessable, Message: fmt.Sprintf("the %s does not validate", k.Name), Fields: errs}
		}
		k.Put(&ch, *r)
		return ch, []models.AuditEntry{entry(w.Op, k.Name, w.ID, before, r)}, nil
	}
	k.Delete(&ch, w.ID)
	entries := []models.AuditEntry{entry(models.OpDelete, k.Name, w.ID, before, nil)}
	links := k.LinksTo(cat, w.ID)
	if len(links) > 0 && !w.Unlink {
		e := &models.Error{Code: models.EConflict,
			Message: fmt.Sprintf("%d references to the %s %s would dangle; remove them first, or delete with unlink=true", len(links), k.Name, w.ID)}
		for _, l := range links {
			e.Fields = append(e.Fields, models.FieldError{Field: l.Kind + "/" + l.ID + "." + l.Field, Reason: "refers to " + w.ID})
		}
		return ch, nil, e
	}
	// unlink: each referring record loses its references, and is audited as updated
	for _, u := range k.Unlink(cat, w.ID, &ch) {
		entries = append(entries, entry(models.OpUpdate, u.Kind, u.ID, u.Before, u.After))
	}
	return ch, entries, nil
}

// document encodes a record for the audit log; nil stays nil.
func document(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain data: they always encode
	}
	return b
}

// commit writes change and its audit entries in one transaction that also moves the
// revision on, then publishes the snapshot that follows. extra runs inside the
// transaction (the idempotency record).
func (s *Store) commit(ctx context.Context, snap *snapshot, change catalog.Change, entries []models.AuditEntry, extra func(*gorm.DB) error) (*catalog.Catalog, error) {
	next, err := s.transact(ctx, snap, nil, entries, func(tx *gorm.DB) error {
		if err := applyChange(tx, change); err != nil {
			return err
		}
		return extra(tx)
	})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	cat := snap.cat.Apply(change, next.version)
	s.current.Store(newSnapshot(cat, next.revision, time.Since(start)))
	s.noteWrite(snap.cat, cat, change, next)
	return cat, nil
}

// transact runs one write transaction: it moves the revision on by one, provided it is
// still the one snap was built at (errStale otherwise: another process wrote), runs write,
// and appends the audit entries under the new revision. whole, when not nil, is the
// dataset document the store now holds as a whole (an import): its version and source
// are recorded. The revision row is claimed first, so concurrent
// writers, in this process or another, queue behind it and the revision follows the
// order of commits.
func (s *Store) transact(ctx context.Context, snap *snapshot, whole *seedDocument, entries []models.AuditEntry, write func(tx *gorm.DB) error) (meta, error) {
	var next meta
	err := retrySerialization(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			claim := tx.Exec("UPDATE meta SET value = ? WHERE key = ? AND value = ?",
				strconv.FormatInt(snap.revision+1, 10), revisionKey, strconv.FormatInt(snap.revision, 10))
			if claim.Error != nil {
				return claim.Error
			}
			if claim.RowsAffected != 1 {
				return errStale
			}
			m, err := readMeta(ctx, tx)
			if err != nil {
				return err
			}
			next = meta{version: nextVersion(m.version, snap.revision+1), revision: snap.revision + 1, seedVersion: m.seedVersion, seedSource: m.seedSource}
			if whole != nil {
				next.seedVersion, next.seedSource = whole.version, whole.source
			}
			if err := write(tx); err != nil {
				return err
			}
			if err := appendAudit(tx, entries, next.revision, time.Now().UTC()); err != nil {
				return err
			}
			return writeMeta(tx, next)
		})
	})
	if err == nil {
		s.health.wrote(time.Now())
	}
	return next, err
}

// retrySerialization runs a whole transaction again, after a growing pause, when the
// database aborted it as a serialization failure (SQLSTATE 40001), as CockroachDB and
// YugabyteDB do under their default isolation; PostgreSQL at READ COMMITTED does not.
func retrySerialization(ctx context.Context, transaction func() error) error {
	pause := 10 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := transaction()
		var pg *pgconn.PgError
		if attempt == 5 || !errors.As(err, &pg) || pg.Code != "40001" {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// serialised runs a write under the writer lock; when another process wrote first, it
// catches up with the database and tries again (the write is checked afresh, so a change
// to the same record is then a 412). It waits for the lock no longer than ctx allows, so
// that writes queued behind one that waits on an unresponsive database end in time too.
func (s *Store) serialised(ctx context.Context, write func() error) error {
	if err := s.writeMu.LockContext(ctx); err != nil {
		return err
	}
	defer s.writeMu.Unlock()
	err := write()
	for attempt := 1; errors.Is(err, errStale); attempt++ {
		if attempt == staleAttempts || ctx.Err() != nil {
			// Writers on other replicas kept claiming the next revision first (they do
			// not catch up before each write, so under a burst, such as the one when the
			// database returns from an outage, one replica can lose many rounds). The
			// database is well: the client is asked to try again, as for an outage, but
			// its state is not marked down.
			return &DBError{Kind: ErrUnavailable, Class: ClassOverloaded, Reason: "other replicas' writes kept coming first", Err: err}
		}
		if attempt > 1 { // out of step with the replica that keeps winning
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))):
			}
		}
		if err := s.catchUp(ctx); err != nil {
			return s.classified(err)
		}
		err = write()
	}
	return s.classified(err)
}

// staleAttempts is how many times a write is tried while other replicas' writes come
// first, within its deadline.
const staleAttempts = 20

// nextVersion derives the version a write produces from the one before it: every process
// sharing the database computes the same one for the same revision.
func nextVersion(prev string, revision int64) string {
	sum := sha256.Sum256([]byte(prev + "\n" + strconv.FormatInt(revision, 10)))
	return hex.EncodeToString(sum[:8])
}

// applyChange writes the records of change: each put record's rows replaced, each deleted
// record's rows gone, keeping a replaced record's position.
func applyChange(tx *gorm.DB, ch catalog.Change) error {
	for i := range ch.PutStudies {
		st := &ch.PutStudies[i]
		pos, err := positionOf(tx, "studies", st.ID)
		if err != nil {
			return err
		}
		if err := deleteLinks(tx, st.ID, studyThemes, studyStrands, studyDisadvantages, studyInterventions); err != nil {
			return err
		}
		// updated in place: other records' references to it stay valid throughout
		row := studyRowOf(st, pos)
		if err := tx.Save(&row).Error; err != nil {
			return fmt.Errorf("store study %s: %w", st.ID, err)
		}
		links := map[linkTable][]linkRow{}
		addStudyLinks(links, st)
		if err := insertAllLinks(tx, links); err != nil {
			return err
		}
	}
	for i := range ch.PutInterventions {
		iv := &ch.PutInterventions[i]
		pos, err := positionOf(tx, "interventions", iv.ID)
		if err != nil {
			return err
		}
		if err := deleteLinks(tx, iv.ID, interventionThemes, interventionStrands, interventionDisadvantages); err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM evidence WHERE intervention_id = ?", iv.ID).Error; err != nil {
			return err
		}
		row := interventionRowOf(iv, pos)
		if err := tx.Save(&row).Error; err != nil {
			return fmt.Errorf("store intervention %s: %w", iv.ID, err)
		}
		if rows := evidenceRowsOf(iv); len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return fmt.Errorf("store evidence of %s: %w", iv.ID, err)
			}
		}
		links := map[linkTable][]linkRow{}
		addInterventionLinks(links, iv)
		if err := insertAllLinks(tx, links); err != nil {
			return err
		}
	}
	for _, id := range ch.DeleteStudies {
		if err := deleteStudyRows(tx, id); err != nil {
			return err
		}
	}
	for _, id := range ch.DeleteInterventions {
		if err := deleteInterventionRows(tx, id); err != nil {
			return err
		}
	}
	return nil
}

// positionOf is a record's position, or the next free one for a new record. Both are
// index look-ups (the primary key; the position index of migration 5, read from its end),
// so neither grows with the number of records.
func positionOf(tx *gorm.DB, table, id string) (int, error) {
	var pos []int
	if err := tx.Raw("SELECT position FROM "+table+" WHERE id = ?", id).Scan(&pos).Error; err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return pos[0], nil
	}
	if err := tx.Raw("SELECT position FROM " + table + " ORDER BY position DESC LIMIT 1").Scan(&pos).Error; err != nil {
		return 0, err
	}
	if len(pos) == 0 {
		return 0, nil
	}
	return pos[0] + 1, nil
}

// deleteLinks removes a record's own rows in its link tables.
func deleteLinks(tx *gorm.DB, id string, tables ...linkTable) error {
	for _, t := range tables {
		if err := tx.Exec("DELETE FROM "+t.name+" WHERE "+t.owner+" = ?", id).Error; err != nil {
			return err
		}
	}
	return nil
}

// A deleted record's link rows and evidence go with it (ON DELETE CASCADE); the records
// that referred to it were unlinked first, in the same change.
func deleteStudyRows(tx *gorm.DB, id string) error {
	return tx.Exec("DELETE FROM studies WHERE id = ?", id).Error
}

func deleteInterventionRows(tx *gorm.DB, id string) error {
	return tx.Exec("DELETE FROM interventions WHERE id = ?", id).Error
}

// auditRow is a row of the audit table.
type auditRow struct {
	ID        int64 `gorm:"primaryKey"`
	At        string
	Revision  int64
	Actor     string
	Role      string
	RequestID string
	Operation string
	Kind      string
	RecordID  string
	BeforeDoc *string
	AfterDoc  *string
}

func (auditRow) TableName() string { return "audit" }

func appendAudit(tx *gorm.DB, entries []models.AuditEntry, revision int64, at time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{At: formatTime(at), Revision: revision, Actor: e.Actor, Role: string(e.Role), RequestID: e.RequestID,
			Operation: e.Operation, Kind: e.Kind, RecordID: e.RecordID, BeforeDoc: text(e.Before), AfterDoc: text(e.After)}
	}
	if err := tx.CreateInBatches(&rows, 200).Error; err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

func text(doc json.RawMessage) *string {
	if doc == nil {
		return nil
	}
	s := string(doc)
	return &s
}
