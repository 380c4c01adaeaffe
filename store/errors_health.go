package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one write (waiting for the writer lock included), one token check
// and one audit-log read against the database, when Options.Timeout does not say: a
// database that accepts connections but does not answer (a network partition, a stopped
// process, a commit waiting for a standby that is gone) must not hold a request past the
// time a client waits for it. It is well above a write's cost (20 ms at the 99th
// percentile at 100,000 studies), and, with a token check before it, below the server's
// 30 s response deadline.
const DefaultTimeout = 10 * time.Second

// catchUpTimeout bounds one catch-up with the database, which may read every record (a
// full load at 100,000 studies reads for seconds).
const catchUpTimeout = time.Minute

// DBState is the database as this process last found it. Per process: each replica sees
// the database through its own connections.
type DBState struct {
	// Up: the last contact with the database succeeded (or, at start, the store opened).
	Up bool
	// Since is when the database last became up or unavailable.
	Since time.Time
	// Class and Reason say why it is unavailable (see ErrorClasses and Reason); "" when up.
	Class, Reason string
	// StorageFull: the last write met a full disk (ErrStorageFull), and none has
	// succeeded since; FullSince is when that began.
	StorageFull bool
	FullSince   time.Time
	// LastWrite is when this process last committed a write; zero if it has not.
	LastWrite time.Time
	// Reconnects counts the times the database answered again after being unavailable.
	Reconnects int64
}

// dbHealth follows the database's state from what the store's operations meet: every
// classified error (classifying.Translate) and every success that proves the database
// answers (a poll, a write, a ping).
type dbHealth struct {
	log        atomic.Pointer[slog.Logger]
	mu         sync.Mutex
	state      DBState
	reconnects atomic.Int64
	lastWrite  atomic.Int64             // Unix ns
	errors     map[string]*atomic.Int64 // by class; the keys are fixed at creation
}

func newHealth() *dbHealth {
	h := &dbHealth{state: DBState{Up: true, Since: time.Now()}, errors: map[string]*atomic.Int64{}}
	for _, c := range ErrorClasses {
		h.errors[c] = new(atomic.Int64)
	}
	h.log.Store(slog.New(slog.DiscardHandler))
	return h
}

// saw records a failed database operation: a classified one counts under its class, and
// an unavailable database is marked down (logged once, when it goes).
func (h *dbHealth) saw(err error) {
	var e *DBError
	if !errors.As(err, &e) {
		return
	}
	if n, ok := h.errors[e.Class]; ok {
		n.Add(1)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if errors.Is(e.Kind, ErrStorageFull) {
		if !h.state.StorageFull {
			h.state.StorageFull, h.state.FullSince = true, now
			h.log.Load().Error("a write met a full disk: writes are refused (507) until space is freed; reads go on", "err", err)
		}
		return
	}
	if h.state.Up {
		h.state = DBState{Up: false, Since: now, Class: e.Class, Reason: e.Reason,
			StorageFull: h.state.StorageFull, FullSince: h.state.FullSince}
		h.log.Load().Warn("the database is unavailable: reads are served from this process's snapshot, writes are refused (503) until it answers",
			"class", e.Class, "err", err)
	}
}

// up records that the database answered.
func (h *dbHealth) up() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.Up {
		return
	}
	now := time.Now()
	h.log.Load().Info("the database answers again", "unavailable_for", now.Sub(h.state.Since).Round(time.Millisecond), "class", h.state.Class)
	h.state = DBState{Up: true, Since: now, StorageFull: h.state.StorageFull, FullSince: h.state.FullSince}
	h.reconnects.Add(1)
}

// wrote records a committed write: the database answers and has room.
func (h *dbHealth) wrote(at time.Time) {
	h.lastWrite.Store(at.UnixNano())
	h.up()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state.StorageFull {
		h.log.Load().Info("writes succeed again after a full disk", "full_for", at.Sub(h.state.FullSince).Round(time.Millisecond))
		h.state.StorageFull, h.state.FullSince = false, time.Time{}
	}
}

func (h *dbHealth) snapshot() DBState {
	h.mu.Lock()
	st := h.state
	h.mu.Unlock()
	st.Reconnects = h.reconnects.Load()
	if ns := h.lastWrite.Load(); ns != 0 {
		st.LastWrite = time.Unix(0, ns)
	}
	return st
}

// DBState is the database's state as this process last found it (see DBState).
func (s *Store) DBState() DBState { return s.health.snapshot() }

// DBErrors is how many database operations of this process failed with errors of class
// (one of ErrorClasses) since it started.
func (s *Store) DBErrors(class string) int64 {
	if n, ok := s.health.errors[class]; ok {
		return n.Load()
	}
	return 0
}

// classified is err with the database's failures classified (classify), and recorded in
// its health when they were not already: for errors that reach the store other than
// through a statement (a lost connection while rows are read, the writer lock's
// deadline), so that callers see ErrUnavailable for every outage.
func (s *Store) classified(err error) error { return s.health.classified(err) }

// classified classifies err and records a newly classified one in h; an error classified
// already was recorded when it was. Every statement's error passes here (classifying),
// and those Store.classified catches.
func (h *dbHealth) classified(err error) error {
	var seen *DBError
	if err == nil || errors.As(err, &seen) {
		return err
	}
	err = classify(err)
	h.saw(err)
	return err
}

// bounded gives ctx the store's deadline for one operation against the database, unless
// it has an earlier one.
func (s *Store) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// writeLock is the writer lock: a mutex that a write can also wait for under a deadline
// (LockContext), so that writes queued behind one that waits on a database that does not
// answer give up in time too, instead of queueing without end. Its zero value is unlocked.
type writeLock struct {
	once sync.Once
	ch   chan struct{}
}

func (l *writeLock) sem() chan struct{} {
	l.once.Do(func() { l.ch = make(chan struct{}, 1) })
	return l.ch
}

func (l *writeLock) Lock() { l.sem() <- struct{}{} }

func (l *writeLock) Unlock() {
	select {
	case <-l.sem():
	default:
		panic("store: unlock of the unlocked writer lock")
	}
}

// LockContext takes the lock, or gives up when ctx ends: a deadline that passes while the
// write waits is an ErrUnavailable (the writes ahead of it are waiting on the database).
func (l *writeLock) LockContext(ctx context.Context) error {
	select {
	case l.sem() <- struct{}{}:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &DBError{Kind: ErrUnavailable, Class: ClassTimeout,
				Reason: "the writes ahead of this one are waiting for the database", Err: ctx.Err()}
		}
		return ctx.Err()
	}
}
