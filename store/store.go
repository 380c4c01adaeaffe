// Package store is the evidence base's persistence: SQLite (through GORM) is the store of
// record, migrated and seeded from the embedded dataset on first start. It loads the
// records into a models.Dataset and hands them to the query engine (package catalog),
// holding the current snapshot behind an atomic pointer: a write can swap in a new one
// while readers keep the one they started with.
package store

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

//go:embed seed/dataset.json
var embeddedDataset []byte

// EmbeddedDataset returns the curated dataset compiled into the binary.
func EmbeddedDataset() []byte { return embeddedDataset }

// Store is the evidence base.
type Store struct {
	db      *gorm.DB
	current atomic.Pointer[snapshot]
}

// snapshot is what readers see at one moment: the query engine and the document it was
// built from, swapped together so they never disagree.
type snapshot struct {
	cat *catalog.Catalog
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
	version := models.DocumentVersion(raw)
	stored, err := storedVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("read dataset version: %w", err)
	}
	if stored != version {
		d, err := models.ParseDataset(raw)
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
	s.current.Store(&snapshot{cat: catalog.New(d, version), raw: raw})
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

// Catalog is the current snapshot of the evidence base with its query indexes. A caller
// that asks several questions should ask this once and keep it, so every answer comes
// from the same version.
func (s *Store) Catalog() *catalog.Catalog { return s.current.Load().cat }

// DatasetVersion is the content hash of the dataset being served.
func (s *Store) DatasetVersion() string { return s.Catalog().Version() }

// DatasetDocument returns the dataset document being served, byte for byte: its
// content hash is DatasetVersion.
func (s *Store) DatasetDocument() []byte { return s.current.Load().raw }
