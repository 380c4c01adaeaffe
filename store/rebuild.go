package store

import (
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
)

// A write derives the next catalogue from the current one (catalog.Apply) within the room
// the last full build left: ordinals to append to, documents of the search index. Once
// the room is used up, Apply builds afresh, which at 100,000 studies takes seconds, and
// every write would wait behind that one. So when half the room is gone (Crowded), the
// store builds the next catalogue in the background from a snapshot, while writes go on;
// the writes made meanwhile are applied to the new build, the last few under the writer
// lock, and the new build is swapped in at the revision the writes reached. Should
// anything but a record write replace the snapshot meanwhile (a vocabulary change, an
// import, another process's writes caught up with), the background build is dropped.

// rebuild is a background build and the writes it must catch up with; guarded by writeMu.
type rebuild struct {
	pending []pendingWrite   // writes since the snapshot the build started from
	last    *catalog.Catalog // the snapshot the last of them produced; nil: dropped
}

// pendingWrite is a record write committed while a background build ran.
type pendingWrite struct {
	change  catalog.Change
	version string
}

// caughtUpUnderLock is how many pending writes the build applies holding the writer lock,
// when it swaps itself in; more than that it applies first without, and looks again.
const caughtUpUnderLock = 8

// noteWrite follows a record write that took the snapshot from prev to cat; the caller
// holds writeMu. It records the write for a background build that runs, or starts one
// when cat is crowded.
func (s *Store) noteWrite(prev, cat *catalog.Catalog, change catalog.Change, m meta) {
	if r := s.rebuild; r != nil {
		if r.last != prev {
			r.last, r.pending = nil, nil // something else replaced the snapshot: drop the build
			return
		}
		r.pending = append(r.pending, pendingWrite{change: change, version: m.version})
		r.last = cat
		return
	}
	if !cat.Crowded() {
		return
	}
	s.rebuild = &rebuild{last: cat}
	s.rebuilding.Go(func() { s.rebuildFrom(cat, m.revision) })
}

// rebuildFrom builds base afresh, applies the writes made since, and swaps the result in.
func (s *Store) rebuildFrom(base *catalog.Catalog, revision int64) {
	began := time.Now()
	fresh := base.Rebuilt()
	applied := 0
	for {
		s.writeMu.Lock()
		r := s.rebuild
		if r.last == nil || r.last != s.current.Load().cat {
			s.rebuild = nil
			s.writeMu.Unlock()
			s.log.Info("dropped the background build of the catalogue: the snapshot changed otherwise", "revision", revision)
			return
		}
		writes := r.pending
		r.pending = nil
		if len(writes) <= caughtUpUnderLock {
			for _, w := range writes {
				fresh = fresh.Apply(w.change, w.version)
			}
			applied += len(writes)
			current := s.current.Load() // r.last: every write since base is in fresh
			if fresh.Version() != current.cat.Version() {
				s.rebuild = nil
				s.writeMu.Unlock()
				s.log.Warn("dropped the background build of the catalogue: it does not lead to the current version", "revision", current.revision)
				return
			}
			s.current.Store(newSnapshot(fresh, current.revision, time.Since(began)))
			s.rebuild = nil
			s.writeMu.Unlock()
			s.log.Info("rebuilt the catalogue in the background", "from_revision", revision, "revision", current.revision,
				"writes_applied", applied, "took", time.Since(began).Round(time.Millisecond))
			return
		}
		s.writeMu.Unlock()
		for _, w := range writes {
			fresh = fresh.Apply(w.change, w.version)
		}
		applied += len(writes)
	}
}
