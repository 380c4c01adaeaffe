// Package store is the evidence base's persistence: SQLite (through GORM) is the store of
// record, migrated and seeded from the embedded dataset on first start. It loads the
// records into a models.Dataset and hands them to the query engine (package catalog),
// holding the current snapshot behind an atomic pointer: a write can swap in a new one
// while readers keep the one they started with.
package store

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

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
	log     *slog.Logger
	current atomic.Pointer[snapshot]
	writeMu writeLock      // one write at a time: each starts from the snapshot the last one made
	image   string         // where the catalogue image is kept; "" for nowhere
	saving  sync.WaitGroup // images being saved
	synced  atomic.Int64   // when Sync last found this process at the database's revision (Unix ns)
	health  *dbHealth      // the database's state, as this process's operations find it (errors_health.go)
	timeout time.Duration  // the most one write, token check or audit read waits for the database
	// rebuild is the full build of the catalogue running in the background, if one is;
	// guarded by writeMu (rebuild.go)
	rebuild    *rebuild
	rebuilding sync.WaitGroup
}

// snapshot is what readers see at one moment: the query engine over the store at one
// revision, how long building it took, and that revision's dataset document, made on
// first request.
type snapshot struct {
	cat      *catalog.Catalog
	revision int64
	built    time.Duration
	document func() ([]byte, error)
}

// newSnapshot wraps cat, which took built to make from the records (or from the previous
// snapshot and the changes since).
func newSnapshot(cat *catalog.Catalog, revision int64, built time.Duration) *snapshot {
	return &snapshot{cat: cat, revision: revision, built: built, document: sync.OnceValues(func() ([]byte, error) {
		return models.EncodeDataset(cat.Dataset())
	})}
}

// Options configure Open.
type Options struct {
	DB string // a SQLite file (created if missing), or a postgres:// URL
	// Seed is what a server's start fills an empty store from; nil opens the store as it
	// is, and commands other than serving always leave it nil.
	Seed   *Seed
	Image  string       // a file to keep the catalogue image in, for fast starts (image.go); "" for none
	Logger *slog.Logger // where Open says what it did; nil for nowhere
	// Timeout bounds one write (waiting for the writer lock included), token check or
	// audit-log read against the database; 0 for DefaultTimeout
	Timeout time.Duration
}

// Open opens (creating and migrating if needed) the store at opts.DB and loads the
// catalogue. The database is the source of truth. Only a seed changes records on open:
// it fills an empty store, and it replaces a store's data only when it is a newer version
// of the very source the store was seeded from (a new release's embedded dataset, or the
// same -dataset file changed) and nobody has edited the store since. Any other seed is
// logged as available, to be applied by an explicit import.
func Open(ctx context.Context, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var seedDoc *seedDocument
	if opts.Seed != nil {
		sd, err := opts.Seed.document(opts.Image)
		if err != nil {
			return nil, err
		}
		seedDoc = &sd
	}
	db, err := openDB(opts.DB)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, log: log, image: opts.Image, health: healthOf(db), timeout: cmp.Or(opts.Timeout, DefaultTimeout)}
	s.health.log.Store(log)
	if err := s.init(ctx, seedDoc); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, seedDoc *seedDocument) error {
	if err := migrate(ctx, s.db); err != nil {
		return err
	}
	m, err := readMeta(ctx, s.db)
	if err != nil {
		return err
	}
	switch {
	case m.version == "" && seedDoc != nil:
		raw, err := seedDoc.read()
		if err != nil {
			return err
		}
		d, err := ParseValidDataset(raw)
		if err != nil {
			return err
		}
		m = meta{version: seedDoc.version, revision: 1, seedVersion: seedDoc.version, seedSource: seedDoc.source}
		if err := seed(ctx, s.db, d, m); err != nil {
			return err
		}
		s.log.Info("seeded an empty store", "source", seedDoc.source, "dataset_version", m.version, "studies", len(d.Studies), "interventions", len(d.Interventions))
	default:
		// a store seeded by an earlier release has no revision row yet, and one opened
		// empty by a command none at all: writes claim it
		if err := writeMeta(s.db.WithContext(ctx), m); err != nil {
			return err
		}
	}
	if !s.loadImage(ctx) {
		if err := s.reload(ctx); err != nil {
			return err
		}
	}
	if seedDoc == nil || m.seedVersion == "" {
		return nil
	}
	return s.takeNewerSeed(ctx, m, *seedDoc)
}

// takeNewerSeed applies seedDoc to a store that holds data, as an audited import, when it
// is another version of the source the store was seeded from and nobody has edited the
// store; otherwise the store keeps its data and the log says a different dataset is
// available.
func (s *Store) takeNewerSeed(ctx context.Context, m meta, seedDoc seedDocument) error {
	if m.seedSource == "" && m.seedVersion == seedDoc.version {
		// a store seeded before sources were kept, by this very document: it is its source
		return s.db.WithContext(ctx).Save(&metaRow{Key: seedSourceKey, Value: seedDoc.source}).Error
	}
	if m.seedVersion == seedDoc.version && m.seedSource == seedDoc.source {
		return nil
	}
	keep := func(why string, args ...any) error {
		s.log.Info("the store keeps its data: "+why+"; apply the other dataset with import", append([]any{
			"store_seed_source", m.seedSource, "store_seed_version", m.seedVersion,
			"available_seed_source", seedDoc.source, "available_seed_version", seedDoc.version, "revision", m.revision}, args...)...)
		return nil
	}
	if m.seedSource != seedDoc.source {
		return keep("it was filled from another source")
	}
	var edits int64
	if err := s.db.WithContext(ctx).Model(&auditRow{}).Where("actor <> ?", seedActor.Name).Count(&edits).Error; err != nil {
		return err
	}
	if edits > 0 {
		return keep("its curators have edited it", "edits", edits)
	}
	raw, err := seedDoc.read()
	if err != nil {
		return err
	}
	report, err := s.importFrom(ctx, seedActor, seedDoc.source, raw, false)
	if err != nil {
		return fmt.Errorf("apply the new seed dataset: %w", err)
	}
	s.log.Info("applied a newer version of the seed dataset to a store without edits", "source", seedDoc.source, "dataset_version", s.DatasetVersion(),
		"added", len(report.Added), "changed", len(report.Changed), "removed", len(report.Removed))
	return nil
}

// seedActor is who the audit log names for a seed dataset applied at start.
var seedActor = Actor{Name: "seed", Role: models.RoleAdmin, RequestID: "start"}

// reload builds the catalogue afresh from the database.
func (s *Store) reload(ctx context.Context) error {
	var (
		m   meta
		d   *models.Dataset
		err error
	)
	// one read transaction, so the records and the revision agree
	began := time.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if m, err = readMeta(ctx, tx); err != nil {
			return err
		}
		d, err = load(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	start := time.Now()
	cat := catalog.New(d, m.version)
	built := time.Since(start)
	s.current.Store(newSnapshot(cat, m.revision, built))
	s.saveImage(cat, m.revision)
	s.log.Info("loaded the evidence base", "studies", len(d.Studies), "interventions", len(d.Interventions),
		"revision", m.revision, "read", start.Sub(began).Round(time.Millisecond), "built", built.Round(time.Millisecond))
	return nil
}

// ParseValidDataset reads a dataset document strictly and validates it.
func ParseValidDataset(raw []byte) (*models.Dataset, error) {
	d, err := models.ParseDataset(raw)
	if err != nil {
		return nil, &models.Error{Code: models.EUnprocessable, Message: err.Error()}
	}
	if errs := d.Validate(); len(errs) > 0 {
		return nil, &models.Error{Code: models.EUnprocessable, Message: "dataset does not validate", Fields: errs}
	}
	return d, nil
}

// Close releases the database, once the catalogue image being saved (if any) is saved.
func (s *Store) Close() error {
	s.rebuilding.Wait()
	s.saving.Wait()
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the store of record answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	err := s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
	if err == nil {
		s.health.up()
	}
	return err
}

// Catalog is the current snapshot of the evidence base with its query indexes. A caller
// that asks several questions should ask this once and keep it, so every answer comes
// from the same version.
func (s *Store) Catalog() *catalog.Catalog { return s.current.Load().cat }

// DatasetVersion is the version of the evidence base being served: the seed document's
// content hash until the first write, then a new value with every write.
func (s *Store) DatasetVersion() string { return s.Catalog().Version() }

// Revision counts the writes the store has taken since it was seeded (1 when seeded).
func (s *Store) Revision() int64 { return s.current.Load().revision }

// BuildDuration is how long the current snapshot took to build: the whole catalogue
// after a load or an import, or the changes applied to the previous one after a write.
func (s *Store) BuildDuration() time.Duration { return s.current.Load().built }

// DatasetDocument returns the evidence base of the snapshot cat as one dataset document:
// it validates, and importing it changes nothing. It is encoded once per snapshot.
func (s *Store) DatasetDocument(cat *catalog.Catalog) ([]byte, error) {
	if snap := s.current.Load(); snap.cat == cat {
		return snap.document()
	}
	return models.EncodeDataset(cat.Dataset())
}
