// Package storetest gives tests fresh stores on both backends: a package whose TestMain
// calls Main runs all its tests on SQLite, and then, when KB_TEST_PG_DSN names a
// PostgreSQL server, all of them once more on PostgreSQL, each test with a database of its
// own that is dropped when it ends.
//
// Every store a test asks for reads KB_TEST_PG_DSN as the test runs, so go test's cache
// keys the package's result on it: a result cached without PostgreSQL is never replayed
// for a run with it. With KB_TEST_REPORT naming a file, each pass appends a line saying
// how many tests ran on a store of its backend.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver that creates and drops test databases
)

const (
	// DSNVar names the PostgreSQL server the second pass runs on.
	DSNVar = "KB_TEST_PG_DSN"
	// passVar marks the second pass, in the re-run test binary.
	passVar = "KB_TEST_BACKEND"
	// ReportVar names a file each pass appends "PACKAGE BACKEND N" to: N tests used a store.
	ReportVar = "KB_TEST_REPORT"
)

// Postgres reports whether this test binary runs the PostgreSQL pass.
func Postgres() bool { return os.Getenv(passVar) == "postgres" }

// Main runs the package's tests on SQLite, then, when KB_TEST_PG_DSN is set, runs the same
// test binary again with the same flags on PostgreSQL. It exits with the worse outcome.
func Main(m *testing.M) {
	code := m.Run()
	if err := report(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		code = max(code, 1)
	}
	for _, name := range shared {
		if err := dropDatabase(name); err != nil {
			fmt.Fprintln(os.Stderr, "drop test database:", err)
		}
	}
	if code == 0 && os.Getenv(DSNVar) != "" && !Postgres() {
		fmt.Println("=== the same tests on PostgreSQL (" + DSNVar + ")")
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), passVar+"=postgres")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			code = 1
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			}
		}
	}
	os.Exit(code)
}

// Location returns where a fresh, empty store can be opened: a SQLite file in a temporary
// directory, or in the PostgreSQL pass a new database, dropped when the test ends.
func Location(tb testing.TB) string {
	tb.Helper()
	count(tb)
	if !Postgres() {
		return filepath.Join(tb.TempDir(), "kb.db")
	}
	name, err := createDatabase()
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		if err := dropDatabase(name); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := databaseURL(name)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// createDatabase makes an empty database with C collation on the KB_TEST_PG_DSN server.
func createDatabase() (string, error) {
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "kb_test_" + hex.EncodeToString(suffix)
	return name, admin("CREATE DATABASE " + name + " TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
}

// dropDatabase drops a test database, closing the connections still open to it.
func dropDatabase(name string) error { return admin("DROP DATABASE " + name + " WITH (FORCE)") }

func admin(statement string) error {
	db, err := sql.Open("pgx", os.Getenv(DSNVar))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), statement)
	return err
}

// databaseURL is the KB_TEST_PG_DSN URL with its database replaced by name.
func databaseURL(name string) (string, error) {
	u, err := url.Parse(os.Getenv(DSNVar))
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// shared are the databases SharedLocation made, dropped when Main's run ends.
var shared []string

// SharedLocation returns where a store can be opened that lives as long as the test
// binary: a SQLite file in a temporary directory, or a new PostgreSQL database that Main
// drops at the end of the pass. Each test that uses it calls Using.
func SharedLocation() (string, error) {
	if !Postgres() {
		dir, err := os.MkdirTemp("", "kb-test")
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "kb.db"), nil
	}
	name, err := createDatabase()
	if err != nil {
		return "", err
	}
	shared = append(shared, name)
	return databaseURL(name)
}

// users are the top-level tests of this pass that used a store.
var users sync.Map

// Using counts tb as a test that runs on a store of this pass's backend. Location calls
// it; a test that uses the shared store calls it itself.
func Using(tb testing.TB) { count(tb) }

func count(tb testing.TB) {
	// read as the test runs, for the test cache (see the package comment)
	os.Getenv(DSNVar)
	os.Getenv(ReportVar)
	top, _, _ := strings.Cut(tb.Name(), "/")
	users.Store(top, true)
}

// report appends this pass's count to the KB_TEST_REPORT file, if one is named.
func report() error {
	path := os.Getenv(ReportVar)
	if path == "" {
		return nil
	}
	n := 0
	users.Range(func(any, any) bool { n++; return true })
	backend := "sqlite"
	if Postgres() {
		backend = "postgres"
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s %s %d\n", strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"), backend, n)
	return errors.Join(err, f.Close())
}
