package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Replicas: several processes may serve one database. Each write moves the revision row on
// in its own transaction, with the audit entries of the records it changed, so a process
// learns of other processes' writes by polling that one row, and catches up by reading the
// audit entries after its revision: the change log. This works on any PostgreSQL-compatible
// engine (and on a SQLite file shared by processes on one machine); no LISTEN/NOTIFY,
// advisory locks or changefeeds are needed.

// Follow polls the database every interval until ctx ends, catching up with writes that
// other processes make. The revision a replica serves is never older than the database's
// was one interval ago, plus the time to apply what changed.
func (s *Store) Follow(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("catching up with the database failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync catches up with the database once: when its revision is ahead of this process's,
// the writes in between are applied to the catalogue, record by record, as the writer
// applied them (an import or a vocabulary change rebuilds it instead).
func (s *Store) Sync(ctx context.Context) error {
	var rev []string
	if err := s.db.WithContext(ctx).Raw("SELECT value FROM meta WHERE key = ?", revisionKey).Scan(&rev).Error; err != nil {
		return fmt.Errorf("poll revision: %w", err)
	}
	if len(rev) == 1 {
		if n, _ := strconv.ParseInt(rev[0], 10, 64); n <= s.Revision() {
			s.synced.Store(time.Now().UnixNano())
			return nil
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.catchUp(ctx); err != nil {
		return err
	}
	s.synced.Store(time.Now().UnixNano())
	return nil
}

// catchUp brings the snapshot to the database's revision; the caller holds writeMu.
func (s *Store) catchUp(ctx context.Context) error {
	next, ok, err := s.replay(ctx, s.current.Load())
	if err != nil {
		return err
	}
	if !ok {
		return s.reload(ctx)
	}
	s.current.Store(next)
	return nil
}

// replay applies the change log after snap's revision to snap, and returns the snapshot at
// the database's revision; false when the log cannot account for every revision since (a
// vocabulary change or an import, or a snapshot of another history): only a full load can
// catch up then.
func (s *Store) replay(ctx context.Context, snap *snapshot) (*snapshot, bool, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("revision > ?", snap.revision).Order("revision, id").Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("read the change log: %w", err)
	}
	cat, revision := snap.cat, snap.revision
	begun := time.Now()
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].Revision == rows[start].Revision {
			end++
		}
		if rows[start].Revision != revision+1 {
			break // a revision without entries (nothing changed): only a full load can tell
		}
		change, ok, err := changeOf(rows[start:end])
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, nil // a vocabulary change or an import
		}
		revision++
		cat = cat.Apply(change, nextVersion(cat.Version(), revision))
		start = end
	}
	built := time.Since(begun)
	m, err := readMeta(ctx, s.db)
	if err != nil {
		return nil, false, err
	}
	if m.revision != revision || m.version != cat.Version() {
		return nil, false, nil // the log does not lead to the tables' revision and version
	}
	if revision == snap.revision {
		return snap, true, nil
	}
	return newSnapshot(cat, revision, built), true, nil
}

// changeOf turns the audit entries of one revision into the change they describe; false
// when it is not a change of records alone.
func changeOf(rows []auditRow) (catalog.Change, bool, error) {
	var ch catalog.Change
	for _, r := range rows {
		kind, ok := replayKinds[r.Kind]
		if r.Operation == models.OpImport || !ok {
			return ch, false, nil // an import, or a vocabulary change
		}
		if err := kind.replay(&ch, r); err != nil {
			return ch, false, err
		}
	}
	return ch, true, nil
}

// replayKinds are the record kinds by the name the audit log gives them: the kinds whose
// entries a replica replays record by record.
var replayKinds = map[string]interface {
	replay(ch *catalog.Change, r auditRow) error
}{StudyWrites.Name: StudyWrites, InterventionWrites.Name: InterventionWrites}

// replay makes ch do again what the audit entry r records: put the record as it was
// after the write, or delete it.
func (k *WriteKind[T, D]) replay(ch *catalog.Change, r auditRow) error {
	if r.AfterDoc == nil {
		k.Delete(ch, r.RecordID)
		return nil
	}
	var rec T
	if err := json.Unmarshal([]byte(*r.AfterDoc), &rec); err != nil {
		return fmt.Errorf("audit entry %d: %w", r.ID, err)
	}
	k.Normalize(&rec)
	k.Put(ch, rec)
	return nil
}

// Ready says whether this process serves the database's current revision: it has caught
// up within maxLag. A process that never follows (no Follow running) is ready once open.
func (s *Store) Ready(maxLag time.Duration) error {
	last := s.synced.Load()
	if last == 0 {
		return nil
	}
	if lag := time.Since(time.Unix(0, last)); lag > maxLag {
		return fmt.Errorf("last caught up with the database %s ago", lag.Round(time.Millisecond))
	}
	return nil
}
