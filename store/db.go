package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The migrations of each dialect: the same schema, versioned alike, in each one's SQL.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// IsPostgres reports whether a -db value names a PostgreSQL database rather than a SQLite
// file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openDB opens the store of record a -db value names: a postgres:// URL, or else a SQLite
// file.
func openDB(dsn string) (*gorm.DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(dsn)
	}
	return openSQLite(dsn)
}

// openSQLite opens the store of record with one writer connection: WAL so readiness probes
// never wait on a write, foreign keys on, and immediate transactions so a write never
// fails half-way on a lock upgrade.
func openSQLite(path string) (*gorm.DB, error) {
	dsn := "file:" + path + "?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
	db, err := gorm.Open(&classifying{Dialector: sqlite.Open(dsn), health: newHealth()}, &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1)
	return db, nil
}

// openPostgres opens a PostgreSQL (or PostgreSQL-compatible) database through pgx.
func openPostgres(dsn string) (*gorm.DB, error) {
	dsn = withConnectTimeout(dsn)
	db, err := gorm.Open(&classifying{Dialector: postgres.Open(dsn), health: newHealth()}, &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(16)
	sqlDB.SetMaxIdleConns(4)
	return db, nil
}

// defaultConnectTimeout is how long pgx tries each host of a URL before the next one,
// unless the URL says (connect_timeout): with a multi-host URL
// (postgres://h1,h2/db?target_session_attrs=read-write), a primary that is gone without
// refusing connections (a partition) must not use up a request's whole deadline before
// the standby is tried. Without it pgx would wait for the request's deadline.
const defaultConnectTimeout = "3"

// withConnectTimeout adds connect_timeout to a postgres:// URL that does not set it. The
// URL is extended as text, not parsed and rebuilt: net/url does not take a multi-host
// URL's "h1:p1,h2:p2", and a rebuilt URL could encode a password otherwise.
func withConnectTimeout(dsn string) string {
	_, query, hasQuery := strings.Cut(dsn, "?")
	for _, kv := range strings.Split(query, "&") {
		if strings.HasPrefix(kv, "connect_timeout=") {
			return dsn
		}
	}
	if hasQuery {
		return dsn + "&connect_timeout=" + defaultConnectTimeout
	}
	return dsn + "?connect_timeout=" + defaultConnectTimeout
}

// redact hides a password in a database URL, for messages.
func redact(dsn string) string {
	if at := strings.Index(dsn, "@"); at > 0 {
		if scheme := strings.Index(dsn, "://"); scheme > 0 && scheme+3 < at {
			if colon := strings.Index(dsn[scheme+3:at], ":"); colon >= 0 {
				return dsn[:scheme+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// migrate brings the schema up to date. On PostgreSQL a lock row (not an advisory lock,
// which distributed engines lack) lets several replicas start at once.
func migrate(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	provider, err := migrationProvider(sqlDB, db.Dialector.Name() == "postgres")
	if err != nil {
		return err
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrationProvider is goose over the embedded migrations of the database's dialect, with
// a lock row on PostgreSQL, so that replicas starting together migrate one at a time; migrate
// and restore run it.
func migrationProvider(conn *sql.DB, postgres bool) (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	var opts []goose.ProviderOption
	if postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		locker, err := lock.NewPostgresTableLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(dialect, conn, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}
