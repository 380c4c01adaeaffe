package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// What a driver's error says of the database: unavailable (503 to the client), full
// (507), or nothing (the request's own error), with the driver's error still reachable.
func TestClassify(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, refused := pgconn.Connect(ctx, "postgres://postgres@127.0.0.1:1/kb?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("a connection to port 1 succeeded")
	}
	for _, tc := range []struct {
		name  string
		err   error
		kind  error
		class string
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, ErrUnavailable, ClassShutdown},
		{"starting up", &pgconn.PgError{Code: "57P03"}, ErrUnavailable, ClassShutdown},
		{"a standby", fmt.Errorf("store: %w", &pgconn.PgError{Code: "25006"}), ErrUnavailable, ClassReadOnly},
		{"connection failure", &pgconn.PgError{Code: "08006"}, ErrUnavailable, ClassConnection},
		{"too many connections", &pgconn.PgError{Code: "53300"}, ErrUnavailable, ClassOverloaded},
		{"disk full", &pgconn.PgError{Code: "53100"}, ErrStorageFull, ClassStorageFull},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, nil, ""},
		{"a serialization failure (retried)", &pgconn.PgError{Code: "40001"}, nil, ""},
		{"SQLITE_FULL", sqlite3.Error{Code: sqlite3.ErrFull}, ErrStorageFull, ClassStorageFull},
		{"an I/O error of a full disk", sqlite3.Error{Code: sqlite3.ErrIoErr, SystemErrno: syscall.ENOSPC}, ErrStorageFull, ClassStorageFull},
		{"SQLITE_BUSY", sqlite3.Error{Code: sqlite3.ErrBusy}, ErrUnavailable, ClassOverloaded},
		{"SQLITE_IOERR", sqlite3.Error{Code: sqlite3.ErrIoErr, SystemErrno: syscall.EIO}, ErrUnavailable, ClassIO},
		{"a SQLite constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, nil, ""},
		{"connection refused", refused, ErrUnavailable, ClassConnection},
		{"a reset connection", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, ErrUnavailable, ClassConnection},
		{"a lost connection", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), ErrUnavailable, ClassConnection},
		{"our deadline", fmt.Errorf("commit: %w", context.DeadlineExceeded), ErrUnavailable, ClassTimeout},
		{"a client that went away", context.Canceled, nil, ""},
		{"no such record", gorm.ErrRecordNotFound, nil, ""},
		{"a domain error", models.NotFound("study", "x"), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err)
			var e *DBError
			switch {
			case tc.kind == nil && errors.As(got, &e):
				t.Fatalf("classify(%v) = %v; want it unclassified", tc.err, got)
			case tc.kind == nil:
				return
			case !errors.As(got, &e) || !errors.Is(got, tc.kind) || e.Class != tc.class || e.Reason == "":
				t.Fatalf("classify(%v) = %#v; want %v of class %s with a reason", tc.err, got, tc.kind, tc.class)
			case !errors.Is(got, tc.err) && !errors.Is(got, errors.Unwrap(tc.err)):
				t.Fatalf("classify(%v) hides the driver's error", tc.err)
			case strings.Contains(e.Reason, "127.0.0.1") || strings.Contains(e.Reason, "postgres"):
				t.Fatalf("the reason %q names a host or user", e.Reason)
			}
			if classify(got) != got {
				t.Error("classifying twice wraps twice")
			}
		})
	}
	var pg *pgconn.PgError
	if !errors.As(classify(&pgconn.PgError{Code: "57P01"}), &pg) || pg.Code != "57P01" {
		t.Error("a classified PostgreSQL error no longer carries its SQLSTATE")
	}
	// to a surface that knows only models, they read as the domain errors they are
	for err, code := range map[error]string{
		classify(&pgconn.PgError{Code: "57P01"}):       models.EUnavailable,
		classify(sqlite3.Error{Code: sqlite3.ErrFull}): models.EStorageFull,
	} {
		var domain *models.Error
		if !errors.As(fmt.Errorf("write: %w", err), &domain) || domain.Code != code || !strings.Contains(domain.Message, Reason(err)) {
			t.Errorf("%v as a domain error = %+v; want code %s with the reason", err, domain, code)
		}
	}
}

// Databases of the outage tests run in the first pass only: each starts a PostgreSQL
// server of its own, whichever backend the pass is for.
func skipSecondPass(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("starts a PostgreSQL server of its own: runs in the first pass")
	}
}

// outageStudy is a new study, valid, with an id of its own.
func outageStudy(id string) *models.Study {
	return &models.Study{
		ID: id, Title: "Parents and the database that went away", Authors: []string{"Okafor, N."},
		Year: 2012, Type: "journal-article", Summary: strings.Repeat("Parents read with their children at home in this study. ", 8),
		KeyFindings: []string{"Parents read more often."}, Themes: []string{"engaging-with-fathers"},
		Strands: []string{}, DisadvantageFocus: []string{"low-income"}, Interventions: []string{},
		VerifiedIn: []string{"https://example.org/outage"},
	}
}

var curator = Actor{Name: "outage-curator", Role: models.RoleCurator, RequestID: "outage"}

func create(id, key string) RecordWrite {
	return RecordWrite{Actor: curator, Kind: models.KindStudy, Op: models.OpCreate, ID: id, Study: outageStudy(id),
		IdempotencyKey: key, RequestHash: "hash-of-" + id}
}

// openFollowing opens a store on dsn that follows the database every 50 ms until the test
// ends.
func openFollowing(t *testing.T, dsn string, timeout time.Duration) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{DB: dsn, Seed: EmbeddedSeed(), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Follow(ctx, 50*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return st
}

// twoReplicas starts a PostgreSQL server of the test's own (in the first pass only) and
// two replicas, A and B, following it with a 3 s timeout on each database call.
func twoReplicas(t *testing.T) (pg *storetest.Cluster, a, b *Store) {
	t.Helper()
	skipSecondPass(t)
	pg = storetest.StartCluster(t)
	return pg, openFollowing(t, pg.URL(), 3*time.Second), openFollowing(t, pg.URL(), 3*time.Second)
}

// openBehindProxy starts a PostgreSQL server of the test's own (in the first pass only)
// and opens a store on it through a proxy the test can freeze or cut, with timeout on
// each database call; the store is closed when the test ends.
func openBehindProxy(t *testing.T, timeout time.Duration) (*Store, *proxy) {
	t.Helper()
	skipSecondPass(t)
	pg := storetest.StartCluster(t)
	px := startProxy(t, fmt.Sprintf("127.0.0.1:%d", pg.Port))
	st, err := Open(context.Background(), Options{DB: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/kb?sslmode=disable", px.port()),
		Seed: EmbeddedSeed(), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, px
}

// creates counts the audit log's create entries of a record: one per record created, so
// a write applied twice would show two.
func creates(t *testing.T, st *Store, id string) int {
	t.Helper()
	var n int64
	if err := st.db.Where("kind = ? AND record_id = ? AND operation = ?", models.KindStudy, id, models.OpCreate).Model(&auditRow{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// The database stops under two replicas and starts again: writes fail fast with
// ErrUnavailable (never hang), reads go on from the snapshot, both replicas stay ready and
// know the database is down; once it is back, writes succeed within 5 s, an
// Idempotency-Key retry through the other replica is a replay, the replicas converge, and
// no connection or goroutine is left behind.
func TestOutageOnPostgres(t *testing.T) {
	pg, a, b := twoReplicas(t)
	ctx := context.Background()
	if _, err := a.Write(ctx, create("before-outage-2012", "k-before")); err != nil {
		t.Fatal(err)
	}
	if _, ok := storetest.Wait(5*time.Second, func() bool { return b.Revision() == a.Revision() }); !ok {
		t.Fatal("B did not follow A's write")
	}
	goroutines := runtime.NumGoroutine()
	revision := a.Revision()

	pg.Stop(t)
	for name, st := range map[string]*Store{"A": a, "B": b} {
		began := time.Now()
		_, err := st.Write(ctx, create("during-outage-2012", "k-during"))
		if took := time.Since(began); !errors.Is(err, ErrUnavailable) || Reason(err) == "" || took > 3*time.Second {
			t.Fatalf("%s: a write with the database down = %v after %s; want ErrUnavailable with a reason, at once", name, err, took)
		}
		if _, err := st.Authenticate(ctx, TokenPrefix+strings.Repeat("a", tokenEncoding.EncodedLen(tokenBytes))); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: a token check with the database down = %v; want ErrUnavailable", name, err)
		}
		if _, _, err := st.Audit(ctx, AuditQuery{Page: 1, PerPage: 10}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: an audit read with the database down = %v; want ErrUnavailable", name, err)
		}
		if _, ok := storetest.Wait(2*time.Second, func() bool { return !st.DBState().Up }); !ok {
			t.Errorf("%s: DBState says the database is up", name)
		}
		if _, err := st.Catalog().Study("before-outage-2012"); err != nil || st.Revision() != revision {
			t.Errorf("%s: reads during the outage: %v at revision %d; want the snapshot at %d", name, err, st.Revision(), revision)
		}
	}
	time.Sleep(600 * time.Millisecond) // past the allowed lag below: the outage itself is no lag
	for name, st := range map[string]*Store{"A": a, "B": b} {
		if err := st.Ready(500 * time.Millisecond); err != nil {
			t.Errorf("%s: not ready for reads during the outage: %v", name, err)
		}
	}

	pg.Start(t)
	var written *Written
	took, ok := storetest.Wait(5*time.Second, func() bool {
		var err error
		written, err = a.Write(ctx, create("during-outage-2012", "k-during"))
		if err != nil && !errors.Is(err, ErrUnavailable) {
			t.Fatalf("a write after the database's return = %v", err)
		}
		return err == nil
	})
	if !ok {
		t.Fatalf("writes did not succeed within %s of the database's return", took)
	}
	t.Logf("writes succeeded %s after the database's return", took.Round(time.Millisecond))
	if written.Replayed {
		t.Error("the first successful write is reported as a replay")
	}
	again, err := b.Write(ctx, create("during-outage-2012", "k-during"))
	if err != nil || !again.Replayed {
		t.Fatalf("the same Idempotency-Key through B = %+v, %v; want a replay", again, err)
	}
	if _, ok := storetest.Wait(5*time.Second, func() bool {
		return b.Revision() == a.Revision() && b.DatasetVersion() == a.DatasetVersion()
	}); !ok {
		t.Fatalf("the replicas did not converge: A at %d, B at %d", a.Revision(), b.Revision())
	}
	if n := creates(t, a, "during-outage-2012"); n != 1 {
		t.Errorf("the study was created %d times", n)
	}
	if a.Revision() != revision+1 {
		t.Errorf("revision %d after one write since %d: a refused write was applied", a.Revision(), revision)
	}
	for name, st := range map[string]*Store{"A": a, "B": b} {
		if err := st.Ready(time.Second); err != nil {
			t.Errorf("%s: not ready after the database's return: %v", name, err)
		}
		db := st.DBState()
		if !db.Up || db.Reconnects < 1 || st.DBErrors(ClassConnection)+st.DBErrors(ClassShutdown) == 0 {
			t.Errorf("%s: DBState %+v, %d connection and %d shutdown errors; want up again after a reconnect, the errors counted",
				name, db, st.DBErrors(ClassConnection), st.DBErrors(ClassShutdown))
		}
	}
	if a.DBState().LastWrite.IsZero() {
		t.Error("A does not record its last write")
	}
	for name, st := range map[string]*Store{"A": a, "B": b} {
		// a leaked connection stays in use; the follower's poll holds one for a moment
		sqlDB, _ := st.db.DB()
		var stats sql.DBStats
		if _, ok := storetest.Wait(5*time.Second, func() bool {
			stats = sqlDB.Stats()
			return stats.InUse == 0 && stats.OpenConnections <= 16
		}); !ok {
			t.Errorf("%s: connections after the outage: %+v; want none in use, at most 16 open", name, stats)
		}
	}
	if _, ok := storetest.Wait(5*time.Second, func() bool { return runtime.NumGoroutine() <= goroutines+4 }); !ok {
		t.Errorf("%d goroutines after the outage; %d before it", runtime.NumGoroutine(), goroutines)
	}
}

// Writers on two replicas keep writing while the database stops and starts, again and
// again: every failure is a classified one (ErrUnavailable, so a 503) or the request's
// own, never an unclassified error (a 500), and nothing acknowledged is lost.
func TestWritesThroughRestartsFailOnlyAsUnavailable(t *testing.T) {
	pg, a, b := twoReplicas(t)
	ctx := context.Background()
	var (
		mu    sync.Mutex
		other []error
		acked []string
	)
	for round := range 3 {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			st := []*Store{a, b}[w%2]
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("restart-r%d-w%d-n%d", round, w, n)
					_, err := st.Write(ctx, create(id, "k-"+id))
					var domain *models.Error
					mu.Lock()
					switch {
					case err == nil:
						acked = append(acked, id)
					case !errors.Is(err, ErrUnavailable) && !errors.As(err, &domain):
						other = append(other, err)
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(20 * time.Millisecond)
					}
				}
			})
		}
		time.Sleep(300 * time.Millisecond)
		pg.Stop(t)
		time.Sleep(300 * time.Millisecond)
		pg.Start(t)
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wg.Wait()
	}
	for _, err := range other {
		t.Errorf("an unclassified error (a 500 to the client): %T %v", err, err)
	}
	if _, ok := storetest.Wait(5*time.Second, func() bool { return a.Revision() == b.Revision() }); !ok {
		t.Fatalf("the replicas did not converge: %d / %d", a.Revision(), b.Revision())
	}
	for _, id := range acked {
		if _, err := b.Catalog().Study(id); err != nil || creates(t, a, id) != 1 {
			t.Fatalf("acknowledged study %s: %v, %d creates", id, err, creates(t, a, id))
		}
	}
	t.Logf("%d writes acknowledged through 3 restarts", len(acked))
}

// proxy relays TCP between the store and a PostgreSQL server, and can misbehave as a
// network or a server does: hang (relay nothing, hold every connection open), or lose
// the connection right after relaying a COMMIT, so that the server commits but the client
// never hears of it.
type proxy struct {
	ln       net.Listener
	target   string
	frozen   atomic.Bool
	cutAfter atomic.Bool // close the connection that sends the next COMMIT, after relaying it
	mu       sync.Mutex
	conns    []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *proxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		cut := new(atomic.Bool) // this connection lost its COMMIT's answer: relay nothing more to the client
		go p.relay(client, server, true, cut)
		go p.relay(server, client, false, cut)
	}
}

// commitMessage is a simple-protocol Query of "commit", as pgx sends it to end a
// transaction: 'Q', its length (4 + 7), the text and its NUL.
var commitMessage = []byte("Q\x00\x00\x00\x0bcommit\x00")

func (p *proxy) relay(from, to net.Conn, fromClient bool, cut *atomic.Bool) {
	defer from.Close()
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		for p.frozen.Load() {
			time.Sleep(10 * time.Millisecond) // hold the bytes: a server that does not answer
		}
		if !fromClient && cut.Load() {
			return
		}
		if n > 0 {
			cutting := fromClient && bytes.Contains(buf[:n], commitMessage) && p.cutAfter.CompareAndSwap(true, false)
			if cutting {
				cut.Store(true) // before the server can answer
			}
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
			if cutting {
				time.Sleep(200 * time.Millisecond) // the server commits; its answer is never relayed
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A database that accepts connections but does not answer (a partition, a stopped
// process): a write, and a write queued behind it, end with ErrUnavailable within the
// store's timeout instead of hanging, and writes work again once it answers.
func TestWriteBoundedWhenTheDatabaseHangs(t *testing.T) {
	st, px := openBehindProxy(t, time.Second)
	ctx := context.Background()
	px.frozen.Store(true)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	tooks := make([]time.Duration, 2)
	for i := range 2 {
		wg.Go(func() {
			began := time.Now()
			_, errs[i] = st.Write(ctx, create(fmt.Sprintf("hung-%d-2012", i), ""))
			tooks[i] = time.Since(began)
		})
	}
	wg.Wait()
	for i := range 2 {
		if !errors.Is(errs[i], ErrUnavailable) || tooks[i] > 3*time.Second {
			t.Errorf("write %d to a database that does not answer = %v after %s; want ErrUnavailable within the 1 s timeout", i, errs[i], tooks[i])
		}
	}
	if st.DBState().Up {
		t.Error("DBState says the database is up")
	}
	px.frozen.Store(false)
	if _, ok := storetest.Wait(5*time.Second, func() bool {
		_, err := st.Write(ctx, create("after-hang-2012", "k-after-hang"))
		return err == nil
	}); !ok {
		t.Fatal("writes did not work again once the database answered")
	}
	sqlDB, _ := st.db.DB()
	if stats := sqlDB.Stats(); stats.InUse != 0 {
		t.Errorf("connections in use after the hang: %+v", stats)
	}
}

// The connection is lost during COMMIT, after the server committed: the client was told
// 503 (ErrUnavailable), so it sends the same create again with its Idempotency-Key, and
// gets the record the first attempt made (a replay), not a conflict, and not a second
// record.
func TestCommitLostIsReplayedByItsIdempotencyKey(t *testing.T) {
	st, px := openBehindProxy(t, 3*time.Second)
	ctx := context.Background()
	revision := st.Revision()
	px.cutAfter.Store(true)
	_, err := st.Write(ctx, create("lost-commit-2012", "k-lost"))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a write whose COMMIT's answer was lost = %v; want ErrUnavailable", err)
	}
	if _, err := st.Catalog().Study("lost-commit-2012"); err == nil {
		t.Fatal("the snapshot shows a write the client was told failed")
	}
	w, err := st.Write(ctx, create("lost-commit-2012", "k-lost"))
	if err != nil || !w.Replayed {
		t.Fatalf("the retry with the same Idempotency-Key = %+v, %v; want a replay of the committed create", w, err)
	}
	if _, err := st.Catalog().Study("lost-commit-2012"); err != nil {
		t.Errorf("after the replay the snapshot lacks the study: %v", err)
	}
	if n := creates(t, st, "lost-commit-2012"); n != 1 || st.Revision() != revision+1 {
		t.Errorf("%d creates, revision %d (from %d); want one create, one revision", n, st.Revision(), revision)
	}
}

// A database that went back (a failover to a standby that lacked the last write, a
// restore): a replica that served the lost write loads the database's data again instead
// of keeping it, and writes go on from the database's revision.
func TestSyncFollowsADatabaseThatWentBack(t *testing.T) {
	loc := storetest.Location(t)
	ctx := context.Background()
	open := func() *Store {
		st, err := Open(ctx, Options{DB: loc, Seed: EmbeddedSeed()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	if _, err := a.Write(ctx, create("kept-2012", "")); err != nil {
		t.Fatal(err)
	}
	kept, keptVersion := a.Revision(), a.DatasetVersion()
	if _, err := a.Write(ctx, create("lost-2012", "")); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil || b.Revision() != kept+1 {
		t.Fatalf("B at %d after sync (%v); want %d", b.Revision(), err, kept+1)
	}
	// the database loses the last write, as a standby promoted without it would
	err := a.db.Transaction(func(tx *gorm.DB) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM studies WHERE id = ?", []any{"lost-2012"}},
			{"DELETE FROM audit WHERE revision = ?", []any{kept + 1}},
			{"UPDATE meta SET value = ? WHERE key = ?", []any{fmt.Sprint(kept), revisionKey}},
			{"UPDATE meta SET value = ? WHERE key = ?", []any{keptVersion, versionKey}},
		} {
			if err := tx.Exec(q.sql, q.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Catalog().Study("lost-2012"); err == nil || b.Revision() != kept || b.DatasetVersion() != keptVersion {
		t.Fatalf("B after the database went back: revision %d, version %s, lost study found: %v; want revision %d, version %s, no study",
			b.Revision(), b.DatasetVersion(), err == nil, kept, keptVersion)
	}
	// A, which also served the lost write, writes: it catches up first, from the database
	if _, err := a.Write(ctx, create("after-2012", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog().Study("lost-2012"); err == nil || a.Revision() != kept+1 {
		t.Errorf("A after writing on a database that went back: revision %d, lost study found %v", a.Revision(), err == nil)
	}
	if err := b.Sync(ctx); err != nil || b.DatasetVersion() != a.DatasetVersion() {
		t.Errorf("the replicas disagree after the database went back: %s / %s (%v)", a.DatasetVersion(), b.DatasetVersion(), err)
	}
}
