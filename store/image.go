package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
	f, err := os.Open(s.image)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	var data []byte
	var info os.FileInfo
	if err == nil {
		defer f.Close()
		if info, err = f.Stat(); err == nil {
			data, err = mapFile(f, info.Size())
		}
	}
	if err != nil {
		s.log.Warn("cannot use the catalogue image; building from the database", "path", s.image, "err", err)
		return false
	}
	// the checksum is verified while the image is decoded, and nothing decoded is used
	// unless it holds; it reads the file rather than the mapping, so the pages it reads
	// do not become the process's
	checked := make(chan error, 1)
	go func() { checked <- catalog.CheckImage(f, info.Size()) }()
	cat, revision, err := catalog.ReadImage(data)
	if cerr := <-checked; cerr != nil {
		err = cerr
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
	})
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
