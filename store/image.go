package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
)

// The catalogue image: after every full build the store saves the catalogue to a file
// (catalog.WriteImage), stamped with the revision it was built at. A later start reads it
// back instead of reading every record and building again, then catches up through the
// change log, as a replica does, from that revision to the database's. The image is a
// cache: the database stays the source of truth, and an image that is missing, damaged,
// of another layout or of another database's history (its versions do not lead to the
// database's) is ignored, and the catalogue is built from the tables.

// loadImage makes the first snapshot from the image; false when there is no usable one.
func (s *Store) loadImage(ctx context.Context) bool {
	if s.image == "" {
		return false
	}
	began := time.Now()
	cat, revision, err := s.openImage()
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		s.log.Warn("ignoring the catalogue image; building from the database", "path", s.image, "err", err)
		return false
	}
	read := time.Since(began)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	snap, ok, err := s.replay(ctx, newSnapshot(cat, revision, read))
	if err != nil || !ok {
		s.log.Info("the catalogue image does not lead to the database's revision; building from the database", "path", s.image, "image_revision", revision, "err", err)
		return false
	}
	s.current.Store(snap)
	s.log.Info("started from the catalogue image", "path", s.image, "image_revision", revision,
		"revision", snap.revision, "read", read.Round(time.Millisecond), "took", time.Since(began).Round(time.Millisecond))
	return true
}

// openImage maps the image and reads the catalogue it holds, with its revision. Its
// checksum is verified while it is decoded, and nothing decoded is used unless it holds;
// the check reads the file rather than the mapping, so the pages it reads do not become
// the process's.
func (s *Store) openImage() (*catalog.Catalog, int64, error) {
	f, err := os.Open(s.image)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err := mapFile(f, info.Size())
	if err != nil {
		return nil, 0, err
	}
	checked := make(chan error, 1)
	go func() { checked <- catalog.CheckImage(f, info.Size()) }()
	// decoding allocates what it keeps, and little besides (about a third of the image's
	// size in all), so a collection while it runs would only re-mark what is being built:
	// the collector waits until it is done
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	cat, revision, err := catalog.ReadImage(data)
	if cerr := <-checked; cerr != nil {
		return nil, 0, cerr
	}
	return cat, revision, err
}

// saveImage writes cat, a full build at revision, to the image in the background: to a
// temporary file first, renamed over the old image, so a reader never sees half of one.
// Close waits for it.
func (s *Store) saveImage(cat *catalog.Catalog, revision int64) {
	if s.image == "" {
		return
	}
	s.saving.Go(func() {
		began := time.Now()
		if err := writeImage(s.image, cat, revision); err != nil {
			s.log.Warn("cannot save the catalogue image; the next start builds from the database", "path", s.image, "err", err)
			return
		}
		s.log.Info("saved the catalogue image", "path", s.image, "revision", revision, "took", time.Since(began).Round(time.Millisecond))
		if s.adoptImage(cat, revision) {
			// the build is garbage once this goroutine lets go of it too: give it back to
			// the operating system, rather than hold it as resident memory until the
			// runtime's scavenger gets round to it. Two collections: requests that ran on
			// the build may have left it pinned in pooled objects (gin's contexts), which a
			// first collection moves to the pools' victim caches and a second frees.
			cat = nil
			runtime.GC()
			debug.FreeOSMemory()
		}
	})
}

// adoptImage serves from the image just saved, in place of cat, the build it holds, if
// cat is still the current snapshot: most of a mapped catalogue lies outside the heap, so
// a process that built its catalogue ends up as lean as one that started from the image.
func (s *Store) adoptImage(cat *catalog.Catalog, revision int64) bool {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	current := s.current.Load()
	if current.cat != cat {
		return false // a write came first; the next start uses the image
	}
	mapped, stamp, err := s.openImage()
	if err != nil || stamp != revision || mapped.Version() != cat.Version() {
		s.log.Warn("cannot serve from the catalogue image just saved; keeping the build", "path", s.image, "err", err)
		return false
	}
	s.current.Store(newSnapshot(mapped, revision, current.built))
	s.log.Info("serving from the catalogue image", "path", s.image, "revision", revision)
	return true
}

func writeImage(path string, cat *catalog.Catalog, revision int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing there to remove
	err = cat.WriteImage(f, revision)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ImagePath is where the catalogue image of the store at db is kept, given the
// -catalog-image setting: that path; none for "off"; by default a file beside a SQLite
// store, or one per database in the user's cache directory for PostgreSQL (processes on
// one machine share it, which is safe: images are replaced by renaming, and named by a
// hash of the URL, so no password is in a file name). "" means none.
func ImagePath(setting, db string) string {
	switch {
	case setting == "off":
		return ""
	case setting != "":
		return setting
	case !IsPostgres(db):
		return db + ".image"
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(db))
	return filepath.Join(dir, "evidence-kb", hex.EncodeToString(sum[:8])+".image")
}
