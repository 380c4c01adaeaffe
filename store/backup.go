package store

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/klauspost/compress/gzip"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Backups are logical archives: every table of the store (records, links, evidence,
// vocabularies, tokens' hashes, the audit log, idempotency keys, meta, and whatever tables
// later migrations add), read in one transaction and written as gzip'd JSON Lines in one
// format for both kinds of store, so an archive of SQLite loads into PostgreSQL and back.
// The tables are found in the database's own catalogue rather than listed here, so a table
// a migration adds is in the next backup without anyone remembering to add it.
//
// The file, once gunzipped:
//
//	{"format":"evidence-kb-archive","format_version":1,"taken_at":"…","source":"sqlite","schema_version":6,"dataset_version":"…","revision":14,…,
//	 "tables":[{"name":"audit","columns":[{"name":"id","type":"integer"},{"name":"at","type":"text"},…],"rows":13},…]}
//	{"table":"audit"}
//	[1,"2026-12-07T10:00:00.000000000Z",2,"alice","curator",…]
//	…
//	{"table":"disadvantages"}
//	…
//
// The header line says what follows: each table in turn, parents before the tables whose
// foreign keys refer to them, as a line naming it and then one JSON array a row, in the
// header's column order. Row counts are in the header, so a restore knows an archive that
// ends early; gzip's checksum catches one that was damaged.

const (
	archiveFormat = "evidence-kb-archive"
	// ArchiveFormatVersion is the version of the archive layout this build writes and reads.
	ArchiveFormatVersion = 1
)

// Portable column types: what a column holds, whichever database it is in. A SQLite
// INTEGER column that PostgreSQL declares BOOLEAN carries 0 and 1 out of SQLite and
// true and false out of PostgreSQL; a restore converts each value to the type of the
// column it goes into.
const (
	columnText      = "text"
	columnInteger   = "integer"
	columnReal      = "real"
	columnBoolean   = "boolean"
	columnBlob      = "blob"      // base64 in the archive
	columnTimestamp = "timestamp" // RFC 3339 in the archive
)

// migrationTables are the migration tool's own bookkeeping: an archive records the schema
// version instead, and a restore migrates its target to it.
var migrationTables = map[string]bool{goose.DefaultTablename: true, lock.DefaultLockTableName: true}

// restoredFromKey is the meta key that says which archive a restored store came from.
const restoredFromKey = "restored_from"

// ArchiveHeader is the first line of an archive: what it holds and where it comes from.
type ArchiveHeader struct {
	Format         string         `json:"format"`
	FormatVersion  int            `json:"format_version"`
	TakenAt        time.Time      `json:"taken_at"`
	Source         string         `json:"source"`         // the kind of store: "sqlite" or "postgres"
	SchemaVersion  int64          `json:"schema_version"` // the last migration the database had applied
	DatasetVersion string         `json:"dataset_version"`
	Revision       int64          `json:"revision"`
	SeedSource     string         `json:"seed_source,omitempty"`
	SeedVersion    string         `json:"seed_version,omitempty"`
	Tables         []ArchiveTable `json:"tables"`
}

// ArchiveTable is one table of an archive: its columns, in the order each row lists its
// values, and how many rows follow.
type ArchiveTable struct {
	Name    string          `json:"name"`
	Columns []ArchiveColumn `json:"columns"`
	Rows    int64           `json:"rows"`
}

// ArchiveColumn is a column of an archived table, with its portable type.
type ArchiveColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Rows is how many rows the archive holds of the named table; 0 when it has no such table.
func (h *ArchiveHeader) Rows(table string) int64 {
	for _, t := range h.Tables {
		if t.Name == table {
			return t.Rows
		}
	}
	return 0
}

// TotalRows is how many rows the archive holds in all.
func (h *ArchiveHeader) TotalRows() int64 {
	var n int64
	for _, t := range h.Tables {
		n += t.Rows
	}
	return n
}

// Backup writes an archive of every table of the store at db (a SQLite file or a
// postgres:// URL) to w, gzip'd, and returns its header. It reads in one transaction — a
// read snapshot on SQLite, REPEATABLE READ READ ONLY on PostgreSQL — so the archive is one
// consistent moment of the store even while servers write to it; it writes nothing to the
// database, does not migrate it, and holds no lock that would make a writer wait.
func Backup(ctx context.Context, db string, w io.Writer) (*ArchiveHeader, error) {
	conn, err := openForBackup(db)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	postgres := IsPostgres(db)
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	if !postgres {
		opts = nil // SQLite's deferred transaction takes its snapshot at the first read, and holds it to the end
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("backup: begin the read transaction: %w", err)
	}
	defer tx.Rollback() // it only read
	header, tables, err := describeForBackup(ctx, tx, postgres)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(gz, 1<<16)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(header); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	for i, t := range tables {
		if err := enc.Encode(tableMarker{Table: t.name}); err != nil {
			return nil, fmt.Errorf("backup: write: %w", err)
		}
		n, err := dumpTable(ctx, tx, t, enc)
		if err != nil {
			return nil, fmt.Errorf("backup: table %s: %w", t.name, err)
		}
		if n != header.Tables[i].Rows {
			// cannot happen within one snapshot; if it does, the archive would not load
			return nil, fmt.Errorf("backup: table %s gave %d rows after counting %d: the read was not one snapshot", t.name, n, header.Tables[i].Rows)
		}
	}
	if err := buf.Flush(); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	return header, tx.Commit()
}

// tableMarker is the line that starts each table's rows in an archive.
type tableMarker struct {
	Table string `json:"table"`
}

// openForBackup opens the database at db for reading only: a SQLite file read-only and
// with deferred transactions (the store's own connections begin IMMEDIATE, which would
// take the write lock for as long as the backup reads), or PostgreSQL.
func openForBackup(db string) (*sql.DB, error) {
	if IsPostgres(db) {
		g, err := openPostgres(db)
		if err != nil {
			return nil, err
		}
		return g.DB()
	}
	if _, err := os.Stat(db); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("backup: there is no store at %s", db)
		}
		return nil, fmt.Errorf("backup: %w", err)
	}
	g, err := gorm.Open(sqlite.Open("file:"+db+"?mode=ro&_busy_timeout=5000"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", db, err)
	}
	conn, err := g.DB()
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1) // one connection, so every query runs in the one transaction's snapshot
	return conn, nil
}

// describeForBackup reads, within tx, the store's tables and what the header says of them.
func describeForBackup(ctx context.Context, tx *sql.Tx, postgres bool) (*ArchiveHeader, []tableSchema, error) {
	names, err := listTables(ctx, tx, postgres)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: list tables: %w", err)
	}
	if !slices.Contains(names, goose.DefaultTablename) || !slices.Contains(names, "meta") {
		return nil, nil, errors.New("backup: the database holds no evidence-kb store (it has no migrations table or no meta table)")
	}
	tables, err := describeTables(ctx, tx, names, postgres)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: %w", err)
	}
	h := &ArchiveHeader{Format: archiveFormat, FormatVersion: ArchiveFormatVersion, TakenAt: time.Now().UTC(), Source: "sqlite"}
	if postgres {
		h.Source = "postgres"
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM "+quote(goose.DefaultTablename)).Scan(&h.SchemaVersion); err != nil {
		return nil, nil, fmt.Errorf("backup: read the schema version: %w", err)
	}
	m, err := readMetaRows(ctx, tx)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: %w", err)
	}
	h.DatasetVersion, h.SeedSource, h.SeedVersion = m[versionKey], m[seedSourceKey], m[seedVersionKey]
	h.Revision, _ = strconv.ParseInt(m[revisionKey], 10, 64)
	for _, t := range tables {
		at := ArchiveTable{Name: t.name}
		for _, c := range t.columns {
			at.Columns = append(at.Columns, ArchiveColumn{Name: c.name, Type: c.typ})
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quote(t.name)).Scan(&at.Rows); err != nil {
			return nil, nil, fmt.Errorf("backup: count %s: %w", t.name, err)
		}
		h.Tables = append(h.Tables, at)
	}
	return h, tables, nil
}

// readMetaRows reads the meta table as it is, every key.
func readMetaRows(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT key, value FROM meta")
	if err != nil {
		return nil, fmt.Errorf("read meta: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read meta: %w", err)
		}
		m[k] = v
	}
	return m, rows.Err()
}

// dumpTable writes every row of t, in primary-key order (so two archives of the same data
// list it alike), one JSON array a row.
func dumpTable(ctx context.Context, tx *sql.Tx, t tableSchema, enc *json.Encoder) (int64, error) {
	query := "SELECT " + quoteList(t.columnNames()) + " FROM " + quote(t.name)
	if len(t.key) > 0 {
		query += " ORDER BY " + quoteList(t.key)
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	values := make([]any, len(t.columns))
	scan := make([]any, len(t.columns))
	for i := range values {
		scan[i] = &values[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return n, err
		}
		for i, c := range t.columns {
			v, err := archiveValue(values[i], c.typ)
			if err != nil {
				return n, fmt.Errorf("column %s: %w", c.name, err)
			}
			values[i] = v
		}
		if err := enc.Encode(values); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// archiveValue is a value as the database driver gives it, as the archive carries it.
func archiveValue(v any, typ string) (any, error) {
	switch x := v.(type) {
	case nil, int64, bool:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v has no JSON form", x)
		}
		return x, nil
	case string:
		if typ == columnBlob {
			return base64.StdEncoding.EncodeToString([]byte(x)), nil
		}
		return validText(x)
	case []byte:
		if typ == columnBlob {
			return base64.StdEncoding.EncodeToString(x), nil
		}
		return validText(string(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	}
	return nil, fmt.Errorf("a value of type %T, which backups do not carry", v)
}

// validText refuses text that is not UTF-8, which JSON would carry changed (each bad byte
// as U+FFFD): a backup that cannot be restored as it was is an error, not a copy.
func validText(s string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("text that is not valid UTF-8: %q", s[:min(len(s), 40)])
	}
	return s, nil
}

// columnValue is an archived value as it goes into a column of type typ.
func columnValue(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case columnText:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number: // SQLite keeps what it is given; a number in a text column reads back as text
			return x.String(), nil
		}
	case columnInteger:
		switch x := v.(type) {
		case json.Number:
			return x.Int64()
		case bool: // a PostgreSQL BOOLEAN into SQLite's INTEGER
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case columnReal:
		if x, ok := v.(json.Number); ok {
			return x.Float64()
		}
	case columnBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number: // SQLite's INTEGER 0 or 1 into a PostgreSQL BOOLEAN
			switch x.String() {
			case "0":
				return false, nil
			case "1":
				return true, nil
			}
		}
	case columnBlob:
		if x, ok := v.(string); ok {
			return base64.StdEncoding.DecodeString(x)
		}
	case columnTimestamp:
		if x, ok := v.(string); ok {
			return time.Parse(time.RFC3339Nano, x)
		}
	}
	return nil, fmt.Errorf("%v (%T) does not fit a %s column", v, v, typ)
}

// RedactedDSN is a -db value fit to print: a database URL's password hidden.
func RedactedDSN(dsn string) string { return redact(dsn) }

// Restoring

// ErrNotEmpty is the error Restore returns (wrapped, with what the database holds) for a
// target that holds data, unless told to replace it.
var ErrNotEmpty = errors.New("the database is not empty")

// RestoreOptions configure Restore.
type RestoreOptions struct {
	DB     string // the target: a SQLite file (created if missing) or a postgres:// URL
	Force  bool   // replace whatever the target holds (in the same one transaction)
	Image  string // the target's catalogue image (ImagePath), rebuilt after the restore; "" for none
	Logger *slog.Logger
}

// Restored says what a restore did.
type Restored struct {
	Archive *ArchiveHeader
	// Replaced counts, by table, the rows the target held before (Force); nil when it was empty.
	Replaced map[string]int64
	// The store as it now serves: its revision and dataset version, which are new (see
	// Restore), and its records.
	Revision             int64
	DatasetVersion       string
	Studies              int
	Interventions        int
	Loaded, Built, Total time.Duration // the transaction; building the catalogue (and image); both
}

// Restore loads the archive read from r into the store at opts.DB, of either kind. It
// refuses a target that holds data (an error wrapping ErrNotEmpty) unless opts.Force.
//
// The target is migrated to the archive's schema version, the rows are loaded in one
// transaction (a damaged or short archive rolls it back, leaving the target as it was),
// and then the migrations since are applied, as they would have been to the archived
// database. The restored store gets a revision past both the archive's and the target's
// old one, with no change-log entries, and a dataset version of its own: so every process
// serving the target, and every catalogue image of it, finds on its next poll or start
// that it cannot catch up by replaying the log, and rebuilds from the tables. Records'
// ETags, which hash their content, are the archive's. Last, the catalogue is built from
// the restored tables and its image saved at opts.Image, which also proves they load.
func Restore(ctx context.Context, r io.Reader, opts RestoreOptions) (*Restored, error) {
	began := time.Now()
	archive, err := openArchive(r)
	if err != nil {
		return nil, err
	}
	h := archive.header
	latest, err := latestSchemaVersion(IsPostgres(opts.DB))
	if err != nil {
		return nil, err
	}
	if h.SchemaVersion > latest {
		return nil, fmt.Errorf("restore: the archive was taken at schema version %d, and this build knows versions up to %d: restore it with the release that took it, or a later one", h.SchemaVersion, latest)
	}
	out := &Restored{Archive: h}
	if err := restoreTables(ctx, archive, opts, out); err != nil {
		return nil, err
	}
	out.Loaded = time.Since(began)
	if opts.Image != "" {
		// the image of what the target held before is of no use now; the build below
		// writes the new one
		if err := os.Remove(opts.Image); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("restore: remove the old catalogue image: %w", err)
		}
	}
	built := time.Now()
	st, err := Open(ctx, Options{DB: opts.DB, Image: opts.Image, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("restore: the restored store does not open: %w", err)
	}
	out.Revision, out.DatasetVersion = st.Revision(), st.DatasetVersion()
	out.Studies, out.Interventions = st.Catalog().Size()
	if err := st.Close(); err != nil { // waits for the image to be saved
		return nil, err
	}
	out.Built, out.Total = time.Since(built), time.Since(began)
	return out, nil
}

// restoreTables migrates the target to the archive's schema version, loads the archive in
// one transaction, and migrates the target the rest of the way.
func restoreTables(ctx context.Context, archive *archiveReader, opts RestoreOptions, out *Restored) error {
	h := archive.header
	postgres := IsPostgres(opts.DB)
	g, err := openDB(opts.DB)
	if err != nil {
		return err
	}
	conn, err := g.DB()
	if err != nil {
		return err
	}
	defer conn.Close()
	migrations, err := migrationProvider(conn, postgres)
	if err != nil {
		return err
	}
	current, err := migrations.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("restore: read the target's schema version: %w", err)
	}
	if current > h.SchemaVersion {
		return fmt.Errorf("restore: the database at %s is at schema version %d, newer than the archive's %d, so the archive's rows may not fit its tables: restore into a new, empty database (restore migrates it to the archive's version, loads the rows, then applies the later migrations)",
			redact(opts.DB), current, h.SchemaVersion)
	}
	if _, err := migrations.UpTo(ctx, h.SchemaVersion); err != nil {
		return fmt.Errorf("restore: migrate the target to the archive's schema version %d: %w", h.SchemaVersion, err)
	}
	if err := loadArchive(ctx, conn, archive, opts, out); err != nil {
		return err
	}
	if _, err := migrations.Up(ctx); err != nil {
		// the restored rows are in, at the archive's schema version, as consistent as the
		// archived database was; the next start migrates again
		return fmt.Errorf("restore: the archive is loaded, but migrating it from schema version %d failed: %w", h.SchemaVersion, err)
	}
	return nil
}

// latestSchemaVersion is the version of the last migration this build has for the dialect.
func latestSchemaVersion(postgres bool) (int64, error) {
	dir, err := dialectMigrations(postgres)
	if err != nil {
		return 0, err
	}
	files, err := fs.Glob(dir, "*.sql")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, f := range files {
		prefix, _, _ := strings.Cut(path.Base(f), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: no version number", f)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// loadArchive replaces the target's rows with the archive's in one transaction.
func loadArchive(ctx context.Context, conn *sql.DB, archive *archiveReader, opts RestoreOptions, out *Restored) error {
	h := archive.header
	postgres := IsPostgres(opts.DB)
	// one connection, so PostgreSQL's COPY runs on the connection of the transaction
	one, err := conn.Conn(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer one.Close()
	tx, err := one.BeginTx(ctx, nil) // SQLite: BEGIN IMMEDIATE (the store's DSN), the write lock from the start
	if err != nil {
		return fmt.Errorf("restore: begin: %w", err)
	}
	defer tx.Rollback() // after Commit, a no-op
	// Claim the revision row first, as every write does: writers in other processes queue
	// behind the restore, then find the revision moved on, catch up (a full reload) and
	// check their write again against the restored records.
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = value WHERE key = '"+revisionKey+"'"); err != nil {
		return fmt.Errorf("restore: lock the revision: %w", err)
	}
	names, err := listTables(ctx, tx, postgres)
	if err != nil {
		return fmt.Errorf("restore: list the target's tables: %w", err)
	}
	tables, err := describeTables(ctx, tx, names, postgres)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	byName := map[string]tableSchema{}
	for _, t := range tables {
		byName[t.name] = t
	}
	if err := checkArchiveFits(h, byName); err != nil {
		return err
	}
	held, previousRevision, err := heldRows(ctx, tx, tables)
	if err != nil {
		return err
	}
	if len(held) > 0 {
		if !opts.Force {
			return fmt.Errorf("restore: %w: %s holds %s", ErrNotEmpty, redact(opts.DB), describeHeld(tables, held))
		}
		out.Replaced = held
	}
	// children first, so no foreign key is ever broken
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+quote(tables[i].name)); err != nil {
			return fmt.Errorf("restore: clear %s: %w", tables[i].name, err)
		}
	}
	for _, at := range h.Tables {
		if err := archive.loadTable(ctx, one, tx, at, byName[at.Name], postgres); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := archive.end(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if postgres {
		if err := moveSequencesPast(ctx, tx, tables); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := writeRestoredMeta(ctx, tx, h, previousRevision, postgres); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("restore: commit: %w", err)
	}
	return nil
}

// checkArchiveFits makes sure every archived table and column has a place in the target,
// and that the archive lists each table after those its foreign keys refer to.
func checkArchiveFits(h *ArchiveHeader, target map[string]tableSchema) error {
	loaded := map[string]bool{}
	for _, at := range h.Tables {
		t, ok := target[at.Name]
		if !ok {
			return fmt.Errorf("restore: the archive has a table %s, which the target at schema version %d does not", at.Name, h.SchemaVersion)
		}
		for _, c := range at.Columns {
			if _, ok := t.column(c.Name); !ok {
				return fmt.Errorf("restore: the archive's table %s has a column %s, which the target's does not", at.Name, c.Name)
			}
		}
		for _, parent := range t.parents {
			if !loaded[parent] && h.Rows(parent) > 0 {
				return fmt.Errorf("restore: the archive lists table %s before %s, which it refers to", at.Name, parent)
			}
		}
		loaded[at.Name] = true
	}
	return nil
}

// heldRows counts the rows of each table of the target that hold data, and reads its
// revision. A store that was opened but never seeded or written to (its meta says no
// dataset version, and every other table is empty) holds nothing.
func heldRows(ctx context.Context, tx *sql.Tx, tables []tableSchema) (map[string]int64, int64, error) {
	held := map[string]int64{}
	for _, t := range tables {
		if t.name == "meta" {
			continue
		}
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quote(t.name)).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("restore: count %s: %w", t.name, err)
		}
		if n > 0 {
			held[t.name] = n
		}
	}
	m, err := readMetaRows(ctx, tx)
	if err != nil {
		return nil, 0, fmt.Errorf("restore: %w", err)
	}
	if m[versionKey] != "" {
		held["meta"] = int64(len(m))
	}
	revision, _ := strconv.ParseInt(m[revisionKey], 10, 64)
	return held, revision, nil
}

// describeHeld lists what a target holds, the tables people know first: "110 rows of
// studies, 33 of interventions, 2 of tokens, …".
func describeHeld(tables []tableSchema, held map[string]int64) string {
	names := []string{"studies", "interventions", "tokens", "sessions", "audit"}
	for _, t := range tables {
		if !slices.Contains(names, t.name) {
			names = append(names, t.name)
		}
	}
	var parts []string
	for _, name := range names {
		n, ok := held[name]
		switch {
		case !ok:
		case len(parts) == 0:
			parts = append(parts, fmt.Sprintf("%d rows of %s", n, name))
		default:
			parts = append(parts, fmt.Sprintf("%d of %s", n, name))
		}
	}
	return strings.Join(parts, ", ")
}

// moveSequencesPast sets each PostgreSQL identity or serial column's sequence past the
// largest value restored into it: the rows came with their ids, which a sequence does not
// notice, and the next insert would otherwise take an id that is in use. (SQLite's
// AUTOINCREMENT notices by itself.)
func moveSequencesPast(ctx context.Context, tx *sql.Tx, tables []tableSchema) error {
	for _, t := range tables {
		for _, c := range t.columns {
			if !c.identity {
				continue
			}
			query := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE(MAX(%[1]s), 0), 1), COALESCE(MAX(%[1]s), 0) > 0) FROM %[2]s",
				quote(c.name), quote(t.name))
			if _, err := tx.ExecContext(ctx, query, quote(t.name), c.name); err != nil {
				return fmt.Errorf("move the sequence of %s.%s past the restored ids: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

// writeRestoredMeta gives the restored store its revision and dataset version, and says
// where it came from. The revision is past both the archive's and what the target had, so
// every process serving the target sees it move; it has no change-log entries, so none can
// replay its way there, and each rebuilds from the tables. The version is new, unlike one
// a write derives from the last: a catalogue image saved of another history at the same
// revision could otherwise pass for this one.
func writeRestoredMeta(ctx context.Context, tx *sql.Tx, h *ArchiveHeader, previousRevision int64, postgres bool) error {
	revision := max(h.Revision, previousRevision) + 1
	version := ""
	if h.DatasetVersion != "" { // an archive of a store never seeded stays unseeded: a server's start seeds it
		nonce := make([]byte, 16)
		if _, err := rand.Read(nonce); err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(h.DatasetVersion + "\nrestored\n" + strconv.FormatInt(revision, 10) + "\n" + hex.EncodeToString(nonce)))
		version = hex.EncodeToString(sum[:8])
	}
	from := fmt.Sprintf("a %s archive of dataset version %s at revision %d, taken %s", h.Source, h.DatasetVersion, h.Revision, h.TakenAt.Format(time.RFC3339))
	for _, kv := range [][2]string{{revisionKey, strconv.FormatInt(revision, 10)}, {versionKey, version}, {restoredFromKey, from}} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = "+placeholder(postgres, 1), kv[0]); err != nil {
			return fmt.Errorf("write meta: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ("+placeholder(postgres, 1)+", "+placeholder(postgres, 2)+")", kv[0], kv[1]); err != nil {
			return fmt.Errorf("write meta: %w", err)
		}
	}
	return nil
}

// archiveReader reads an archive: its header, then each table's rows in turn.
type archiveReader struct {
	header *ArchiveHeader
	dec    *json.Decoder
}

// openArchive reads the header of the archive r, gzip'd as Backup writes it or already
// gunzipped.
func openArchive(r io.Reader) (*archiveReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var in io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("restore: the archive is not readable: %w", err)
		}
		in = gz
	}
	dec := json.NewDecoder(in)
	dec.UseNumber() // integers as they were: float64 would round ids and revisions past 2^53
	var h ArchiveHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("restore: the archive does not start with a header: %w", err)
	}
	if h.Format != archiveFormat {
		return nil, fmt.Errorf("restore: not an evidence-kb archive (its first line says format %q)", h.Format)
	}
	if h.FormatVersion != ArchiveFormatVersion {
		return nil, fmt.Errorf("restore: the archive is in format version %d; this build reads version %d", h.FormatVersion, ArchiveFormatVersion)
	}
	for _, t := range h.Tables {
		if migrationTables[t.Name] {
			return nil, fmt.Errorf("restore: the archive holds the migration tool's table %s, which backups never carry", t.Name)
		}
	}
	return &archiveReader{header: &h, dec: dec}, nil
}

// loadTable loads the archive's next table, at, into the target's table t, within tx (on
// conn): on PostgreSQL by COPY, which costs the server a fraction of what INSERTs do;
// on SQLite, where an INSERT is a call into the library, many rows a statement.
func (a *archiveReader) loadTable(ctx context.Context, conn *sql.Conn, tx *sql.Tx, at ArchiveTable, t tableSchema, postgres bool) error {
	var marker tableMarker
	if err := a.dec.Decode(&marker); err != nil {
		return fmt.Errorf("the archive ends, or is damaged, before table %s: %w", at.Name, err)
	}
	if marker.Table != at.Name {
		return fmt.Errorf("the archive is damaged: table %q where its header lists %s", marker.Table, at.Name)
	}
	rows := &archivedRows{archive: a, table: at, names: make([]string, len(at.Columns)), types: make([]string, len(at.Columns))}
	for i, c := range at.Columns {
		rows.names[i] = c.Name
		target, _ := t.column(c.Name)
		rows.types[i] = target.typ
	}
	var loaded int64
	var err error
	if postgres {
		loaded, err = copyRows(ctx, conn, rows)
	} else {
		loaded, err = insertRows(ctx, tx, rows)
	}
	switch {
	case rows.err != nil: // the archive's fault, not the database's
		return rows.err
	case err != nil:
		return fmt.Errorf("load table %s: %w", at.Name, err)
	case loaded != at.Rows:
		return fmt.Errorf("load table %s: %d rows went in of the archive's %d", at.Name, loaded, at.Rows)
	}
	return nil
}

// archivedRows reads one table's rows from an archive, each converted to its target
// column's type, as pgx.CopyFromSource.
type archivedRows struct {
	archive *archiveReader
	table   ArchiveTable
	names   []string
	types   []string // the target columns' portable types
	read    int64
	row     []any
	err     error
}

func (r *archivedRows) Next() bool {
	if r.err != nil || r.read == r.table.Rows {
		return false
	}
	r.read++
	r.row = r.row[:0]
	if err := r.archive.dec.Decode(&r.row); err != nil {
		r.err = fmt.Errorf("the archive ends, or is damaged, at row %d of %d of table %s: %w", r.read, r.table.Rows, r.table.Name, err)
		return false
	}
	if len(r.row) != len(r.names) {
		r.err = fmt.Errorf("the archive is damaged: row %d of table %s has %d values for %d columns", r.read, r.table.Name, len(r.row), len(r.names))
		return false
	}
	for i := range r.row {
		v, err := columnValue(r.row[i], r.types[i])
		if err != nil {
			r.err = fmt.Errorf("table %s, row %d, column %s: %w", r.table.Name, r.read, r.names[i], err)
			return false
		}
		r.row[i] = v
	}
	return true
}

func (r *archivedRows) Values() ([]any, error) { return r.row, nil }

func (r *archivedRows) Err() error { return r.err }

// copyRows copies rows into PostgreSQL with COPY, on conn, inside the transaction open on it.
func copyRows(ctx context.Context, conn *sql.Conn, rows *archivedRows) (int64, error) {
	var n int64
	err := conn.Raw(func(driverConn any) error {
		pg, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs pgx's connection, not %T", driverConn)
		}
		var err error
		n, err = pg.Conn().CopyFrom(ctx, pgx.Identifier{rows.table.Name}, rows.names, rows)
		return err
	})
	return n, err
}

// insertRows inserts rows into SQLite within tx, many a statement.
func insertRows(ctx context.Context, tx *sql.Tx, rows *archivedRows) (int64, error) {
	ins := newRowInserter(tx, rows.table.Name, rows.names)
	var n int64
	for rows.Next() {
		if err := ins.add(ctx, rows.row); err != nil {
			return n, err
		}
		n++
	}
	return n, ins.close(ctx)
}

// end reads to the end of the archive, which must hold nothing after its last table;
// reading to the end is also what makes gzip check the archive's checksum.
func (a *archiveReader) end() error {
	var extra json.RawMessage
	switch err := a.dec.Decode(&extra); {
	case err == nil:
		return errors.New("the archive is damaged: it holds more than its header lists")
	case !errors.Is(err, io.EOF):
		return fmt.Errorf("the archive is damaged: %w", err)
	}
	return nil
}

// rowInserter inserts rows into one table many at a time: a statement of many rows costs
// the database little more than one of one row.
type rowInserter struct {
	tx       *sql.Tx
	table    string
	columns  []string
	perBatch int
	pending  []any
	full     *sql.Stmt // a full batch's statement, prepared once
}

// maxParameters keeps a statement within SQLite's limit on bound values (32,766).
const maxParameters = 30000

func newRowInserter(tx *sql.Tx, table string, columns []string) *rowInserter {
	return &rowInserter{tx: tx, table: table, columns: columns,
		perBatch: max(1, min(1000, maxParameters/max(1, len(columns))))}
}

func (ins *rowInserter) add(ctx context.Context, row []any) error {
	ins.pending = append(ins.pending, row...)
	if len(ins.pending) < ins.perBatch*len(ins.columns) {
		return nil
	}
	if ins.full == nil {
		stmt, err := ins.tx.PrepareContext(ctx, insertStatement(ins.table, ins.columns, ins.perBatch))
		if err != nil {
			return err
		}
		ins.full = stmt
	}
	_, err := ins.full.ExecContext(ctx, ins.pending...)
	ins.pending = ins.pending[:0]
	return err
}

// close inserts the rows still pending, and releases the prepared statement.
func (ins *rowInserter) close(ctx context.Context) error {
	var err error
	if rows := len(ins.pending) / max(1, len(ins.columns)); rows > 0 {
		_, err = ins.tx.ExecContext(ctx, insertStatement(ins.table, ins.columns, rows), ins.pending...)
	}
	if ins.full != nil {
		err = errors.Join(err, ins.full.Close())
	}
	return err
}

// insertStatement is an INSERT of rows rows into table's columns, for SQLite.
func insertStatement(table string, columns []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(table) + " (" + quoteList(columns) + ") VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range columns {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	return b.String()
}

// placeholder is the n-th bound value's mark in a statement: $n on PostgreSQL, ? on SQLite.
func placeholder(postgres bool, n int) string {
	if postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// Schemas, read from the database's own catalogue

// tableSchema is a table as backup and restore see it.
type tableSchema struct {
	name    string
	columns []columnSchema
	key     []string // the primary key's columns, in order
	parents []string // the tables its foreign keys refer to
}

type columnSchema struct {
	name     string
	typ      string // a portable type: columnText, …
	identity bool   // PostgreSQL: its values come from a sequence
}

func (t tableSchema) columnNames() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	return names
}

func (t tableSchema) column(name string) (columnSchema, bool) {
	for _, c := range t.columns {
		if c.name == name {
			return c, true
		}
	}
	return columnSchema{}, false
}

// listTables names every table of the database, the migration tool's too.
func listTables(ctx context.Context, tx *sql.Tx, postgres bool) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	return queryStrings(ctx, tx, query)
}

// describeTables describes the named tables, but for the migration tool's, parents before
// the tables that refer to them.
func describeTables(ctx context.Context, tx *sql.Tx, names []string, postgres bool) ([]tableSchema, error) {
	var tables []tableSchema
	for _, name := range names {
		if migrationTables[name] {
			continue
		}
		t := tableSchema{name: name}
		var err error
		if postgres {
			err = describePostgresTable(ctx, tx, &t)
		} else {
			err = describeSQLiteTable(ctx, tx, &t)
		}
		if err != nil {
			return nil, fmt.Errorf("describe table %s: %w", name, err)
		}
		tables = append(tables, t)
	}
	return dependencyOrder(tables)
}

func describeSQLiteTable(ctx context.Context, tx *sql.Tx, t *tableSchema) error {
	rows, err := tx.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	keyAt := map[int]string{}
	for rows.Next() {
		var name, declared string
		var pk int
		if err := rows.Scan(&name, &declared, &pk); err != nil {
			return err
		}
		typ, err := sqliteColumnType(declared)
		if err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		t.columns = append(t.columns, columnSchema{name: name, typ: typ})
		if pk > 0 {
			keyAt[pk] = name
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := 1; i <= len(keyAt); i++ {
		t.key = append(t.key, keyAt[i])
	}
	t.parents, err = queryStrings(ctx, tx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, t.name)
	return err
}

// sqliteColumnType is the portable type of a column SQLite declares so, by SQLite's rules
// of type affinity (https://sqlite.org/datatype3.html), with the declared types the
// driver reads as booleans and times first.
func sqliteColumnType(declared string) (string, error) {
	d := strings.ToUpper(declared)
	switch {
	case d == "BOOLEAN":
		return columnBoolean, nil
	case d == "DATE" || d == "DATETIME" || d == "TIMESTAMP":
		return columnTimestamp, nil
	case strings.Contains(d, "INT"):
		return columnInteger, nil
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return columnText, nil
	case strings.Contains(d, "BLOB"):
		return columnBlob, nil
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return columnReal, nil
	}
	return "", fmt.Errorf("backups do not carry columns declared %q", declared)
}

func describePostgresTable(ctx context.Context, tx *sql.Tx, t *tableSchema) error {
	rows, err := tx.QueryContext(ctx, `SELECT column_name, data_type, is_identity = 'YES' OR COALESCE(column_default, '') LIKE 'nextval(%'
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c columnSchema
		var dataType string
		if err := rows.Scan(&c.name, &dataType, &c.identity); err != nil {
			return err
		}
		if c.typ, err = postgresColumnType(dataType); err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
		t.columns = append(t.columns, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if t.key, err = queryStrings(ctx, tx, `SELECT kcu.column_name FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
		WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1 ORDER BY kcu.ordinal_position`, t.name); err != nil {
		return err
	}
	// pg_catalog rather than information_schema, whose views of constraints show only the
	// tables the current role owns
	t.parents, err = queryStrings(ctx, tx, `SELECT DISTINCT parent.relname FROM pg_constraint c
		JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = child.relnamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema() AND child.relname = $1`, t.name)
	return err
}

// postgresColumnType is the portable type of a PostgreSQL column of the data type named.
func postgresColumnType(dataType string) (string, error) {
	switch dataType {
	case "text", "character varying", "character":
		return columnText, nil
	case "smallint", "integer", "bigint":
		return columnInteger, nil
	case "real", "double precision":
		return columnReal, nil
	case "boolean":
		return columnBoolean, nil
	case "bytea":
		return columnBlob, nil
	case "timestamp with time zone", "timestamp without time zone", "date":
		return columnTimestamp, nil
	}
	return "", fmt.Errorf("backups do not carry columns of type %s", dataType)
}

// dependencyOrder sorts tables so that each comes after the tables it refers to (a table's
// reference to itself aside), and otherwise by name.
func dependencyOrder(tables []tableSchema) ([]tableSchema, error) {
	slices.SortFunc(tables, func(a, b tableSchema) int { return strings.Compare(a.name, b.name) })
	var ordered []tableSchema
	placed := map[string]bool{}
	for len(ordered) < len(tables) {
		progressed := false
		for _, t := range tables {
			if placed[t.name] {
				continue
			}
			ready := true
			for _, p := range t.parents {
				if p != t.name && !placed[p] {
					ready = false
				}
			}
			if ready {
				ordered = append(ordered, t)
				placed[t.name] = true
				progressed = true
				break // take the first ready table by name, then look again from the start
			}
		}
		if !progressed {
			return nil, errors.New("the tables' foreign keys refer to each other in a cycle, which backups cannot order")
		}
	}
	return ordered, nil
}

func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quote makes a name an SQL identifier, as both databases read it ("window" is a keyword).
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quote(n)
	}
	return strings.Join(quoted, ", ")
}
