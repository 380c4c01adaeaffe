// Package store is the evidence base's persistence and query engine. SQLite (through GORM)
// is the store of record: migrated and seeded from the embedded dataset on first start.
// Reads are served from an immutable in-memory catalogue built from it, with per-tag
// bitmaps, sorted orders and a search index, so no list costs more than a few
// microseconds of SQL-free work per page.
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
)

//go:embed seed/dataset.json
var embeddedDataset []byte

// EmbeddedDataset returns the curated dataset compiled into the binary.
func EmbeddedDataset() []byte { return embeddedDataset }

// ParseDataset decodes a dataset document strictly: an unknown field is an error, so a
// curator's typo cannot silently drop data.
func ParseDataset(b []byte) (*models.Dataset, error) {
	var d models.Dataset
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("parse dataset: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse dataset: trailing data after the document")
	}
	return &d, nil
}

// Version is the content hash that identifies a dataset document.
func Version(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Store is the evidence base.
type Store struct {
	db  *gorm.DB
	cat *catalog
	raw []byte // the dataset document being served, as given
}

// Options configure Open. The zero value of Dataset means the embedded dataset.
type Options struct {
	Path    string // SQLite file; created if missing
	Dataset []byte // dataset document to serve; nil for the embedded one
	Logger  *slog.Logger
}

// Open opens (creating and migrating if needed) the SQLite store at opts.Path, seeds it in
// one transaction when it is empty or holds another dataset version, and loads the catalogue.
func Open(ctx context.Context, opts Options) (*Store, error) {
	raw := opts.Dataset
	if raw == nil {
		raw = embeddedDataset
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := openSQLite(opts.Path)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db}
	if err := s.init(ctx, raw, log); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, raw []byte, log *slog.Logger) error {
	if err := migrate(ctx, s.db); err != nil {
		return err
	}
	version := Version(raw)
	stored, err := storedVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("read dataset version: %w", err)
	}
	if stored != version {
		d, err := ParseDataset(raw)
		if err != nil {
			return err
		}
		if errs := d.Validate(); len(errs) > 0 {
			return &models.Error{Code: models.EInvalid, Message: "dataset does not validate", Fields: errs}
		}
		if err := seed(ctx, s.db, d, version); err != nil {
			return err
		}
		log.Info("seeded store", "dataset_version", version, "replaced", stored, "studies", len(d.Studies), "interventions", len(d.Interventions))
	}
	d, err := load(ctx, s.db)
	if err != nil {
		return err
	}
	s.cat = newCatalog(d, version)
	s.raw = raw
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the store of record answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// DatasetVersion is the content hash of the dataset being served.
func (s *Store) DatasetVersion() string { return s.cat.version }

// DatasetDocument returns the dataset document being served, byte for byte: its
// content hash is DatasetVersion.
func (s *Store) DatasetDocument() []byte { return s.raw }

// Dataset returns the whole evidence base being served, records in id order. It is the
// catalogue's own copy: callers must not modify it.
func (s *Store) Dataset() *models.Dataset { return s.cat.dataset }
