package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// seedDocument is the dataset a store is seeded from: its version, and how to read it.
type seedDocument struct {
	version string
	read    func() ([]byte, error)
}

func seedOf(opts Options) (seedDocument, error) {
	raw := opts.Seed
	switch {
	case opts.SeedFile != "":
		version, err := fileVersion(opts.SeedFile, opts.Image)
		if err != nil {
			return seedDocument{}, fmt.Errorf("read %s: %w", opts.SeedFile, err)
		}
		return seedDocument{version: version, read: func() ([]byte, error) { return os.ReadFile(opts.SeedFile) }}, nil
	case raw == nil:
		raw = embeddedDataset
	}
	return seedDocument{version: models.DocumentVersion(raw), read: func() ([]byte, error) { return raw, nil }}, nil
}

// fileVersion is the document version of the file at path. Hashing a large seed takes a
// good part of a second, so beside the catalogue image (when there is one) a note keeps
// the last file's size, modification time and version: a file that has not changed since
// is not read again. (A file rewritten with the same size and time would go unnoticed, as
// it would by make: touch it.)
func fileVersion(path, image string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	stamp := fmt.Sprintf("%s\n%d %d\n", path, info.Size(), info.ModTime().UnixNano())
	note := image + ".seed"
	if image != "" {
		if b, err := os.ReadFile(note); err == nil {
			if version, ok := strings.CutPrefix(string(b), stamp); ok && len(version) == 16 {
				return version, nil
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	version, err := models.DocumentVersionOf(f)
	if err == nil && image != "" {
		_ = os.MkdirAll(filepath.Dir(note), 0o755)
		_ = os.WriteFile(note, []byte(stamp+version), 0o644) // only a cache: without it, the next start hashes again
	}
	return version, err
}
