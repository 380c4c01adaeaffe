package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/edge"
)

// Costly requests run in query slots: while every slot is taken, a search waits for its
// turn and, past the query timeout, gets 503 with Retry-After and a problem; details and
// plain lists never wait; once a slot frees, searches are answered again.
func TestCostlyRequestsWaitForASlot(t *testing.T) {
	srv := streamServer(t, edge.Config{QuerySlots: 1, QueryTimeout: 50 * time.Millisecond}, Options{}, nil)
	get := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec
	}
	// an export holds the only slot while it encodes its first block, until release
	holding, release, exported := make(chan struct{}), make(chan struct{}), make(chan struct{})
	srv.api.exportHook = func(n int) error {
		if n == 0 {
			close(holding)
			<-release
		}
		return nil
	}
	go func() {
		get("/api/v1/studies?format=csv")
		close(exported)
	}()
	<-holding
	for _, target := range []string{"/api/v1/studies?q=homework", "/api/v1/evidence-map", "/api/v1/studies?facets=theme"} {
		rec := get(target)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s with no slot free = %d, Retry-After %q, %s; want a 503 problem", target, rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Content-Type"))
		}
	}
	for _, target := range []string{"/api/v1/studies/lindsay-2008", "/api/v1/studies", "/api/v1/themes", "/healthz"} {
		if rec := get(target); rec.Code != http.StatusOK {
			t.Errorf("%s with no slot free = %d; cheap requests do not wait", target, rec.Code)
		}
	}
	close(release)
	<-exported
	if rec := get("/api/v1/studies?q=homework"); rec.Code != http.StatusOK {
		t.Errorf("a search once the slot is free = %d", rec.Code)
	}
}

// An export takes a slot for each block of rows it encodes and lets it go while it sends:
// a search waiting beside it gets its turn between blocks.
func TestExportsTakeTurnsWithSearches(t *testing.T) {
	srv := streamServer(t, edge.Config{QuerySlots: 1, QueryTimeout: 5 * time.Second}, Options{}, nil)
	searched := make(chan int)
	srv.api.exportHook = func(n int) error {
		if n == 1 { // inside the first block: a search now waits for the slot
			go func() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/studies?q=homework", nil))
				searched <- rec.Code
			}()
			select {
			case code := <-searched:
				t.Errorf("a search ran (%d) while the export held the only slot", code)
			case <-time.After(50 * time.Millisecond):
			}
		}
		return nil
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/studies?format=csv", nil))
	if rec.Code != http.StatusOK || rec.Header().Get(ExportStatus) != "complete" {
		t.Fatalf("export = %d, %v", rec.Code, rec.Header())
	}
	if code := <-searched; code != http.StatusOK {
		t.Errorf("the waiting search = %d; want 200 once the export let the slot go", code)
	}
}

// A search lets go of its slot once its query work is done: a client slow to read its
// answer does not keep the next search waiting.
func TestSlotIsFreeWhileAnAnswerIsSent(t *testing.T) {
	srv := streamServer(t, edge.Config{QuerySlots: 1, QueryTimeout: 50 * time.Millisecond}, Options{}, nil)
	slow := &stalledWriter{ResponseRecorder: httptest.NewRecorder(), writing: make(chan struct{}), resume: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		srv.ServeHTTP(slow, httptest.NewRequest(http.MethodGet, "/api/v1/studies?q=homework", nil))
		close(done)
	}()
	<-slow.writing
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/studies?q=parents", nil))
	close(slow.resume)
	<-done
	if rec.Code != http.StatusOK {
		t.Errorf("a search while another's answer is being sent = %d; want 200", rec.Code)
	}
	if slow.Code != http.StatusOK {
		t.Errorf("the slow client's search = %d", slow.Code)
	}
}

// stalledWriter is a client that stops reading: its first write waits until resume.
type stalledWriter struct {
	*httptest.ResponseRecorder
	writing, resume chan struct{}
	once            sync.Once
}

func (w *stalledWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.writing) })
	<-w.resume
	return w.ResponseRecorder.Write(b)
}
