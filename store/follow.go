package store

import (
	"context"
	"encoding/json"
	"errors"
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
// was one interval ago, plus the time to apply what changed. The polls are also how a
// replica learns that the database went away and came back (DBState): while it is away,
// the replica goes on serving reads from its snapshot, and says so once in the log rather
// than at every poll.
func (s *Store) Follow(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrUnavailable) {
			s.log.Warn("catching up with the database failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync catches up with the database once: when its revision or version differs from
// this process's, the writes in between are applied to the catalogue, record by record,
// as the writer applied them (an import or a vocabulary change rebuilds it instead). A
// database whose revision is behind this process's, or at the same revision with another
// version, lost writes this process served (a failover to a standby that had not received
// them, a restore from a backup): the catalogue is then loaded afresh from it, so that
// replicas agree with the database again rather than serving what it no longer holds.
func (s *Store) Sync(ctx context.Context) error {
	pollCtx, cancel := s.bounded(ctx)
	revision, version, err := s.head(pollCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("poll revision: %w", err)
	}
	s.health.up()
	if snap := s.current.Load(); revision == snap.revision && version == snap.cat.Version() {
		s.synced.Store(time.Now().UnixNano())
		return nil
	}
	ctx, cancel = context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	if err := s.writeMu.LockContext(ctx); err != nil {
		return err
	}
	defer s.writeMu.Unlock()
	if err := s.catchUp(ctx); err != nil {
		return s.classified(err)
	}
	s.synced.Store(time.Now().UnixNano())
	return nil
}

// head reads the database's revision and dataset version, in one statement so the two
// agree.
func (s *Store) head(ctx context.Context) (int64, string, error) {
	var rows []metaRow
	if err := s.db.WithContext(ctx).Where("key IN ?", []string{revisionKey, versionKey}).Find(&rows).Error; err != nil {
		return 0, "", err
	}
	var (
		revision int64
		version  string
	)
	for _, r := range rows {
		switch r.Key {
		case revisionKey:
			revision, _ = strconv.ParseInt(r.Value, 10, 64)
		case versionKey:
			version = r.Value
		}
	}
	return revision, version, nil
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
// up within maxLag of the database answering. A process that never follows (no Follow
// running) is ready once open.
//
// While the database is unavailable no process can catch up, and none can write: every
// replica serves the revision it last caught up with, which is the database's latest as
// of when it went away. Such a replica stays ready, so that a load balancer keeps sending
// it reads (DBState says the database is down); only one that was already behind when
// the database went away is not. Once the database answers again, the lag counts from
// then, so a replica is not reported behind for the outage itself.
func (s *Store) Ready(maxLag time.Duration) error {
	last := s.synced.Load()
	if last == 0 {
		return nil
	}
	synced, db := time.Unix(0, last), s.health.snapshot()
	if !db.Up {
		if behind := db.Since.Sub(synced); behind > maxLag {
			return fmt.Errorf("had not caught up with the database for %s when it became unavailable", behind.Round(time.Millisecond))
		}
		return nil
	}
	from := synced
	if db.Since.After(from) {
		from = db.Since
	}
	if lag := time.Since(from); lag > maxLag {
		return fmt.Errorf("last caught up with the database %s ago", time.Since(synced).Round(time.Millisecond))
	}
	return nil
}
