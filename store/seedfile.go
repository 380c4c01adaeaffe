package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evidence-kb/parental-engagement/models"
)

// A Seed is a dataset that a server's start may fill an empty store from. Only serving
// seeds: every other command (token, import, …) opens the store without one, as it is,
// and never changes its records by opening it.
type Seed struct {
	// source says where the dataset comes from: EmbeddedSource, "file:" and the file's
	// absolute path, or a name a program gave. A store keeps the source it was seeded
	// from, and takes a newer version of that same source only (seeding.go).
	source string
	raw    []byte // the document; nil to read file
	file   string
}

// EmbeddedSource is the source of the dataset compiled into the binary.
const EmbeddedSource = "embedded"

// EmbeddedSeed is the curated dataset compiled into the binary.
func EmbeddedSeed() *Seed { return &Seed{source: EmbeddedSource, raw: embeddedDataset} }

// FileSeed is the dataset file at path, read only when it is needed (an empty store, or a
// store seeded from this file that holds another version of it).
func FileSeed(path string) (*Seed, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &Seed{source: "file:" + abs, file: abs}, nil
}

// DocumentSeed is a dataset document held in memory, from the source it names (tests and
// synthetic datasets).
func DocumentSeed(source string, raw []byte) *Seed { return &Seed{source: source, raw: raw} }

// seedDocument is a seed made ready: its source, its version, and how to read it.
type seedDocument struct {
	source  string
	version string
	read    func() ([]byte, error)
}

// document reads the seed's version; image is where the catalogue image is kept, beside
// which a file seed's version is remembered.
func (sd *Seed) document(image string) (seedDocument, error) {
	if sd.file != "" {
		version, err := fileVersion(sd.file, image)
		if err != nil {
			return seedDocument{}, fmt.Errorf("read %s: %w", sd.file, err)
		}
		return seedDocument{source: sd.source, version: version, read: func() ([]byte, error) { return os.ReadFile(sd.file) }}, nil
	}
	raw := sd.raw
	return seedDocument{source: sd.source, version: models.DocumentVersion(raw), read: func() ([]byte, error) { return raw, nil }}, nil
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
