package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
)

// The database's own failures, as opposed to a request's: a caller (the API) branches on
// these two with errors.Is and answers each the same way whatever the driver, so that a
// database outage is a 503 to retry, not a 500 to report.
var (
	// ErrUnavailable: the database did not answer: it refused or dropped the connection,
	// is shutting down or starting up, is a read-only standby (a failover under way), or
	// did not answer within the store's timeout. Nothing was written, or (a connection
	// lost during COMMIT) the write's outcome is unknown: a retry must be safe to repeat
	// (an Idempotency-Key, an If-Match).
	ErrUnavailable = errors.New("the database is unavailable")
	// ErrStorageFull: the database has no room to write (SQLite's SQLITE_FULL, a disk
	// full under PostgreSQL: SQLSTATE 53100). The write was rolled back; reads go on.
	// Retrying helps only once an operator has freed space.
	ErrStorageFull = errors.New("the database's storage is full")
)

// Error classes, the label of the kb_db_errors_total metric: what kind of failure made a
// database operation fail. Each belongs to ErrUnavailable but ClassStorageFull.
const (
	ClassConnection  = "connection"   // refused, reset or closed connections; a server that cannot be reached
	ClassTimeout     = "timeout"      // no answer within the deadline
	ClassShutdown    = "shutdown"     // the server is shutting down, restarting or recovering
	ClassReadOnly    = "read_only"    // the server (or file) takes no writes: a standby, a failover under way
	ClassOverloaded  = "overloaded"   // too many connections, or the database locked by another writer
	ClassIO          = "io"           // the server or the file system reported an I/O error
	ClassStorageFull = "storage_full" // no room left to write
)

// ErrorClasses are the classes in the order the metrics list them.
var ErrorClasses = []string{ClassConnection, ClassTimeout, ClassShutdown, ClassReadOnly, ClassOverloaded, ClassIO, ClassStorageFull}

// DBError is a database failure the store has classified: ErrUnavailable or
// ErrStorageFull (Kind), its class, and a reason that can be shown to a client (it names
// no host, port, user or statement). errors.Is finds Kind and errors.As the driver's
// error, so code that looks for a PostgreSQL SQLSTATE still sees it.
type DBError struct {
	Kind   error
	Class  string
	Reason string
	Err    error
}

func (e *DBError) Error() string { return e.Kind.Error() + " (" + e.Reason + "): " + e.Err.Error() }

func (e *DBError) Unwrap() []error { return []error{e.Kind, e.Err} }

// As lets a DBError read as the domain error it is to a caller that knows only models
// (the pages, the MCP server): EUnavailable or EStorageFull, with its reason, so that it is
// answered with its status (503, 507) rather than as an internal error.
func (e *DBError) As(target any) bool {
	t, ok := target.(**models.Error)
	if !ok {
		return false
	}
	code := models.EUnavailable
	if e.Kind == ErrStorageFull {
		code = models.EStorageFull
	}
	*t = &models.Error{Code: code, Message: e.Kind.Error() + ": " + e.Reason}
	return true
}

// Reason is what a classified database failure says for people ("connection refused",
// "the database is shutting down"); "" for any other error.
func Reason(err error) string {
	var e *DBError
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// classify wraps a database error that means the database is unavailable or full as a
// DBError; any other error (a constraint, a bad statement, a cancelled request) is
// returned as it is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var done *DBError
	if errors.As(err, &done) {
		return err
	}
	d := classOf(err)
	if d == nil {
		return err
	}
	d.Err = err
	return d
}

// classOf decides what a driver's error says of the database, most specific first: a
// server's SQLSTATE, SQLite's result code, then what the network said; nil when it says
// nothing of the database (the request's own error, or a caller that gave up).
func classOf(err error) *DBError {
	unavailable := func(class, reason string) *DBError {
		return &DBError{Kind: ErrUnavailable, Class: class, Reason: reason}
	}
	full := func(reason string) *DBError {
		return &DBError{Kind: ErrStorageFull, Class: ClassStorageFull, Reason: reason}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "53100":
			return full("the database server's disk is full")
		case strings.HasPrefix(pg.Code, "08"): // connection_exception and its subclasses
			return unavailable(ClassConnection, "the connection to the database failed")
		case pg.Code == "57P01" || pg.Code == "57P02": // admin_shutdown, crash_shutdown
			return unavailable(ClassShutdown, "the database server is shutting down")
		case pg.Code == "57P03": // cannot_connect_now: starting up, shutting down, or recovering
			return unavailable(ClassShutdown, "the database server takes no connections now: starting, stopping or recovering")
		case pg.Code == "25006": // read_only_sql_transaction: a standby, or a primary being demoted
			return unavailable(ClassReadOnly, "the database server is read-only: a standby, or a failover under way")
		case pg.Code == "53300" || pg.Code == "53000": // too_many_connections, insufficient_resources
			return unavailable(ClassOverloaded, "the database server has no room for another connection")
		case pg.Code == "57014": // query_canceled: a statement timeout, or our own deadline
			return unavailable(ClassTimeout, "the database did not answer in time")
		case pg.Code == "58030": // io_error
			return unavailable(ClassIO, "the database server reported an I/O error")
		}
		return nil // an answer from a working server: the request's own error
	}
	var lite sqlite3.Error
	if errors.As(err, &lite) {
		switch {
		case lite.Code == sqlite3.ErrFull || lite.SystemErrno == syscall.ENOSPC:
			return full("the disk holding the database is full")
		case lite.Code == sqlite3.ErrBusy || lite.Code == sqlite3.ErrLocked:
			return unavailable(ClassOverloaded, "the database file is locked by another writer")
		case lite.Code == sqlite3.ErrReadonly:
			return unavailable(ClassReadOnly, "the database file cannot be written")
		case lite.Code == sqlite3.ErrIoErr || lite.Code == sqlite3.ErrCantOpen:
			return unavailable(ClassIO, "the database file could not be read or written")
		}
		return nil
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return full("the disk holding the database is full")
	case errors.Is(err, context.Canceled):
		return nil // the caller gave up (a client that went away): not the database's doing
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		return unavailable(ClassTimeout, "the database did not answer in time")
	case readOnlyTarget(err):
		return unavailable(ClassReadOnly, "no database server takes writes: a standby, or a failover under way")
	case errors.Is(err, syscall.ECONNREFUSED):
		return unavailable(ClassConnection, "connection refused")
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED):
		return unavailable(ClassConnection, "the connection was reset")
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return unavailable(ClassConnection, "the database server cannot be reached")
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return unavailable(ClassTimeout, "the database did not answer in time")
	case errors.As(err, new(*pgconn.ConnectError)):
		return unavailable(ClassConnection, "cannot connect to the database")
	case errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(*net.OpError)):
		return unavailable(ClassConnection, "the connection to the database was lost")
	}
	return nil
}

// readOnlyTarget: pgx found no server that takes writes, as target_session_attrs=read-write
// asks (during a failover, every server left may be a standby).
func readOnlyTarget(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) && strings.Contains(ce.Error(), "read only connection")
}

// classifying is a dialect that classifies every error of the store's statements: GORM
// passes each error of a statement, a BEGIN and a COMMIT through Translate
// (TranslateError), but a raw query's (Raw().Scan, Rows) it sets directly, so a callback
// after the row processor classifies those. This is the one place every database error
// of the store is seen, counted (health) and made an ErrUnavailable or ErrStorageFull where
// it is one; Store.classified catches what fails later, while rows are read.
type classifying struct {
	gorm.Dialector
	health *dbHealth
}

func (d *classifying) Initialize(db *gorm.DB) error {
	if err := d.Dialector.Initialize(db); err != nil {
		return err
	}
	return db.Callback().Row().After("gorm:row").Register("kb:classify", func(db *gorm.DB) {
		if db.Error != nil {
			db.Error = d.health.classified(db.Error)
		}
	})
}

func (d *classifying) Translate(err error) error {
	if t, ok := d.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return d.health.classified(err)
}

// SavePoint and RollbackTo pass nested transactions through to the dialect, which GORM
// looks for by interface: embedding gorm.Dialector alone would hide them.
func (d *classifying) SavePoint(tx *gorm.DB, name string) error {
	if sp, ok := d.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.SavePoint(tx, name)
	}
	return gorm.ErrUnsupportedDriver
}

func (d *classifying) RollbackTo(tx *gorm.DB, name string) error {
	if sp, ok := d.Dialector.(gorm.SavePointerDialectorInterface); ok {
		return sp.RollbackTo(tx, name)
	}
	return gorm.ErrUnsupportedDriver
}

// healthOf is the state of the database db reaches, as its classifying dialect records it.
func healthOf(db *gorm.DB) *dbHealth {
	if d, ok := db.Dialector.(*classifying); ok {
		return d.health
	}
	return newHealth() // a handle opened otherwise: its state is tracked from here on
}
