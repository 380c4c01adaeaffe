package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BinVar names the directory of PostgreSQL's server programs (initdb, pg_ctl), for
// StartCluster; by default the newest of Debian's /usr/lib/postgresql/*/bin, or PATH.
const BinVar = "KB_TEST_PG_BIN"

// Cluster is a PostgreSQL server of a test's own, in a temporary directory, on a free
// loopback port: a test can stop it, kill it and start it again, which it may not do to
// the shared server KB_TEST_PG_DSN names. It is removed when the test ends.
type Cluster struct {
	Port int
	dir  string // the cluster's directory: data/ and the server's log
	bin  string
	user string // who runs the server: "postgres" when the test runs as root (PostgreSQL refuses root), else ""
}

// StartCluster creates (initdb) and starts a PostgreSQL server for tb, with trust
// authentication for the user postgres on 127.0.0.1 only, and a database named kb. It
// skips tb, saying why, where PostgreSQL's server programs are missing.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin, err := serverBin()
	if err != nil {
		tb.Skipf("a PostgreSQL server of the test's own is needed: %v", err)
	}
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			tb.Skip("running as root, a PostgreSQL server of the test's own must run as the user postgres, which does not exist (Debian's postgresql package makes it)")
		}
		c.user = "postgres"
	}
	// a directory of its own, not tb.TempDir(): the postgres user must be able to reach
	// it, and TempDir's parents are private to the test's user
	if c.dir, err = os.MkdirTemp("", "kb-pg-"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c.run(tb, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop") // ignore errors: it may be stopped already
		os.RemoveAll(c.dir)
	})
	if c.user != "" {
		u, _ := user.Lookup(c.user)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	if out, err := c.run(tb, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Port = freePort(tb)
	// Settings for a small, fast, throwaway server: it listens on loopback only, keeps its
	// socket in its own directory, and does not wait for the disk (fsync off: these tests
	// stop and kill the server, not the machine).
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nfull_page_writes = off\nshared_buffers = 16MB\nmax_connections = 60\n",
		c.Port, c.dir)
	f, err := os.OpenFile(filepath.Join(c.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if err := errors.Join(err, f.Close()); err != nil {
		tb.Fatal(err)
	}
	c.Start(tb)
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE kb TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return c
}

// URL is the cluster's database kb, as a -db value.
func (c *Cluster) URL() string { return c.url("kb") }

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Start starts the server and waits until it takes connections.
func (c *Cluster) Start(tb testing.TB) {
	tb.Helper()
	if out, err := c.run(tb, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		tb.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop shuts the server down as an administrator would (fast: open sessions are ended,
// with SQLSTATE 57P01), and waits until it has.
func (c *Cluster) Stop(tb testing.TB) {
	tb.Helper()
	if out, err := c.run(tb, "pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		tb.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// run runs one of the server programs, as the user the server runs as.
func (c *Cluster) run(tb testing.TB, program string, args ...string) ([]byte, error) {
	tb.Helper()
	path := filepath.Join(c.bin, program)
	var cmd *exec.Cmd
	if c.user != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.user, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir // the postgres user may not be able to read the test's working directory
	return cmd.CombinedOutput()
}

// serverBin finds the directory of initdb and pg_ctl.
func serverBin() (string, error) {
	if dir := os.Getenv(BinVar); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) }) // newest first
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb and pg_ctl are not installed (Debian: apt-get install postgresql; or set %s to their directory)", BinVar)
}

// versionOf is the major version in a path /usr/lib/postgresql/15/bin.
func versionOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// freePort is a loopback port nothing listens on now.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Wait polls ok every 50 ms until it holds or within passes, and says how long that took;
// false when it did not hold in time.
func Wait(within time.Duration, ok func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if ok() {
			return time.Since(start), true
		}
		if time.Since(start) > within {
			return time.Since(start), false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
