package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// outageStudyBody is a new, valid study in the dataset format.
func outageStudyBody(t *testing.T, id string) []byte {
	t.Helper()
	b, err := json.Marshal(models.Study{
		ID: id, Title: "Parents and the database that went away", Authors: []string{"Okafor, N."},
		Year: 2012, Type: "journal-article", Summary: strings.Repeat("Parents read with their children at home in this study. ", 8),
		KeyFindings: []string{"Parents read more often."}, Themes: []string{"engaging-with-fathers"},
		Strands: []string{}, DisadvantageFocus: []string{"low-income"}, Interventions: []string{},
		VerifiedIn: []string{"https://example.org/outage"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replica is one process's store and server, following the database as main runs it.
type replica struct {
	name string
	st   *store.Store
	srv  http.Handler
}

func startReplica(t *testing.T, name, dsn string) replica {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: dsn, Seed: store.EmbeddedSeed(), Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Follow(ctx, 50*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return replica{name: name, st: st, srv: apitest.Serve(t, st, apitest.Setup{API: api.Options{MaxLag: 500 * time.Millisecond}})}
}

func readiness(t *testing.T, r replica) api.Readiness {
	t.Helper()
	rec := apitest.Get(t, r.srv, "/readyz")
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: /readyz = %d: %s", r.name, rec.Code, rec.Body)
	}
	return apitest.Decode[api.Readiness](t, rec)
}

// wantRefused checks a problem answered because the database is away: status, type,
// Retry-After for a 503, and a detail that names the database.
func wantRefused(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, slug string) {
	t.Helper()
	p := apitest.WantProblem(t, rec, status, "")
	if !strings.HasSuffix(p.Type, "/problems/"+slug) || !strings.Contains(p.Detail, "database") {
		t.Errorf("%s: problem %+v; want type %s naming the database", what, p, slug)
	}
	if ra := rec.Header().Get("Retry-After"); status == http.StatusServiceUnavailable && ra != "2" {
		t.Errorf("%s: Retry-After = %q; want 2", what, ra)
	}
}

// The database of two replicas stops and starts again, as the outage does: reads
// answer 200 throughout, writes 503 problems with Retry-After at once, /readyz 200 saying
// the database is unavailable, the metrics too; within 5 s of its return writes succeed,
// an Idempotency-Key retry through the other replica is a replay, the replicas converge,
// and nothing was applied twice.
func TestDatabaseOutage(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("starts a PostgreSQL server of its own: runs in the first pass")
	}
	pg := storetest.StartCluster(t)
	a := startReplica(t, "A", pg.URL())
	b := startReplica(t, "B", pg.URL())
	curator := apitest.Token(t, a.st, "outage-curator", models.RoleCurator)
	admin := apitest.Token(t, a.st, "outage-admin", models.RoleAdmin)
	post := func(r replica, id, key string) *httptest.ResponseRecorder {
		return apitest.Send(t, r.srv, http.MethodPost, "/api/v1/studies", curator, "application/json", outageStudyBody(t, id), "Idempotency-Key", key)
	}
	if rec := post(a, "before-outage-2012", "k-before"); rec.Code != http.StatusCreated {
		t.Fatalf("a write before the outage = %d: %s", rec.Code, rec.Body)
	}
	etag := apitest.Get(t, a.srv, "/api/v1/studies/lindsay-2008").Header().Get("ETag")
	if _, ok := storetest.Wait(5*time.Second, func() bool {
		return readiness(t, a).DatasetVersion == readiness(t, b).DatasetVersion
	}); !ok {
		t.Fatal("B did not follow A's write")
	}
	for _, r := range []replica{a, b} {
		if rd := readiness(t, r); rd.Status != "ready" || rd.Database != "up" {
			t.Fatalf("%s before the outage: %+v", r.name, rd)
		}
	}

	pg.Stop(t)
	for _, r := range []replica{a, b} {
		for _, target := range []string{"/api/v1/studies/lindsay-2008", "/api/v1/studies/before-outage-2012", "/api/v1/studies?q=parents&facets=theme",
			"/api/v1/interventions", "/api/v1/evidence-map?rows=theme&cols=strand", "/api/v1/stats", "/api/v1/dataset"} {
			if rec := apitest.Get(t, r.srv, target); rec.Code != http.StatusOK {
				t.Errorf("%s: GET %s during the outage = %d", r.name, target, rec.Code)
			}
		}
		began := time.Now()
		rec := post(r, "during-outage-2012", "k-during")
		if took := time.Since(began); took > 3*time.Second {
			t.Errorf("%s: a write during the outage took %s", r.name, took)
		}
		wantRefused(t, r.name+" POST", rec, http.StatusServiceUnavailable, "unavailable")
		rec = apitest.Send(t, r.srv, http.MethodPatch, "/api/v1/studies/lindsay-2008", curator, "application/merge-patch+json",
			[]byte(`{"country":"England"}`), "If-Match", etag)
		wantRefused(t, r.name+" PATCH", rec, http.StatusServiceUnavailable, "unavailable")
		rec = apitest.Get(t, r.srv, "/api/v1/studies/lindsay-2008/history")
		wantRefused(t, r.name+" history", rec, http.StatusServiceUnavailable, "unavailable")
		rec = apitest.Send(t, r.srv, http.MethodGet, "/api/v1/audit", admin, "", nil)
		wantRefused(t, r.name+" audit", rec, http.StatusServiceUnavailable, "unavailable")
	}
	time.Sleep(700 * time.Millisecond) // past MaxLag: the outage itself is not lag
	for _, r := range []replica{a, b} {
		rd := readiness(t, r)
		if rd.Status != "degraded" || rd.Database != "unavailable" || !strings.Contains(rd.Detail, "503") || rd.DatasetVersion == "" {
			t.Errorf("%s: /readyz during the outage = %+v; want 200, degraded, the database unavailable", r.name, rd)
		}
		if m := scrape(t, r.srv, "192.0.2.50"); m["kb_db_up"] != 0 || m[`kb_db_errors_total{class="connection"}`]+m[`kb_db_errors_total{class="shutdown"}`] == 0 {
			t.Errorf("%s: metrics during the outage: kb_db_up %v, connection errors %v", r.name, m["kb_db_up"], m[`kb_db_errors_total{class="connection"}`])
		}
	}

	pg.Start(t)
	var rec *httptest.ResponseRecorder
	took, ok := storetest.Wait(5*time.Second, func() bool {
		rec = post(a, "during-outage-2012", "k-during")
		if rec.Code != http.StatusCreated && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("a write after the database's return = %d: %s", rec.Code, rec.Body)
		}
		return rec.Code == http.StatusCreated
	})
	if !ok {
		t.Fatalf("writes did not succeed within %s of the database's return: %s", took, rec.Body)
	}
	t.Logf("writes succeeded %s after the database's return", took.Round(time.Millisecond))
	if rec = post(b, "during-outage-2012", "k-during"); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the same Idempotency-Key through B = %d (replayed %q): %s", rec.Code, rec.Header().Get("Idempotent-Replayed"), rec.Body)
	}
	if _, ok := storetest.Wait(5*time.Second, func() bool {
		return readiness(t, a).DatasetVersion == readiness(t, b).DatasetVersion
	}); !ok {
		t.Fatalf("the replicas did not converge: %+v / %+v", readiness(t, a), readiness(t, b))
	}
	history := apitest.Decode[api.AuditList](t, apitest.Get(t, b.srv, "/api/v1/studies/during-outage-2012/history"))
	if len(history.Data) != 1 || history.Data[0].Operation != models.OpCreate {
		t.Errorf("the study's history = %+v; want one create", history.Data)
	}
	for _, r := range []replica{a, b} {
		if rd := readiness(t, r); rd.Status != "ready" || rd.Database != "up" {
			t.Errorf("%s after the outage: %+v", r.name, rd)
		}
		m := scrape(t, r.srv, "192.0.2.50")
		if m["kb_db_up"] != 1 || m["kb_db_reconnects_total"] < 1 {
			t.Errorf("%s: metrics after the outage: kb_db_up %v, reconnects %v", r.name, m["kb_db_up"], m["kb_db_reconnects_total"])
		}
	}
	if m := scrape(t, a.srv, "192.0.2.50"); m["kb_db_last_write_timestamp_seconds"] < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("kb_db_last_write_timestamp_seconds = %v; want the write just made", m["kb_db_last_write_timestamp_seconds"])
	}
}

// A write meets a full disk (SQLite, on a small file system of the test's own): 507, a
// problem naming the disk; reads go on; the database holds exactly what the replica
// serves (nothing half-written); once space is freed, writes work again.
func TestFullDisk(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("runs on SQLite, on a file system of its own: runs in the first pass")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system (tmpfs) of the test's own needs root")
	}
	mnt := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs of the test's own (%v: %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	dsn := filepath.Join(mnt, "kb.db")
	st, err := store.Open(context.Background(), store.Options{DB: dsn, Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := apitest.Serve(t, st, apitest.Setup{})
	curator := apitest.Token(t, st, "disk-curator", models.RoleCurator)
	post := func(id string) *httptest.ResponseRecorder {
		return apitest.Send(t, srv, http.MethodPost, "/api/v1/studies", curator, "application/json", outageStudyBody(t, id), "Idempotency-Key", "k-"+id)
	}

	filler := filepath.Join(mnt, "filler")
	fillDisk(t, filler)
	var acknowledged []string
	refused := ""
	for i := range 2000 {
		id := fmt.Sprintf("disk-%d-2012", i)
		rec := post(id)
		if rec.Code == http.StatusCreated {
			acknowledged = append(acknowledged, id)
			continue
		}
		wantRefused(t, "POST on a full disk", rec, http.StatusInsufficientStorage, "insufficient-storage")
		refused = id
		break
	}
	if refused == "" {
		t.Fatal("2,000 writes succeeded on a full disk")
	}
	t.Logf("%d writes fitted before the disk was full", len(acknowledged))
	for _, target := range []string{"/api/v1/studies/lindsay-2008", "/api/v1/studies?q=parents", "/api/v1/stats"} {
		if rec := apitest.Get(t, srv, target); rec.Code != http.StatusOK {
			t.Errorf("GET %s on a full disk = %d", target, rec.Code)
		}
	}
	if rec := apitest.Get(t, srv, "/api/v1/studies/"+refused); rec.Code != http.StatusNotFound {
		t.Errorf("the refused study answers %d", rec.Code)
	}
	if rd := apitest.Decode[api.Readiness](t, apitest.Get(t, srv, "/readyz")); rd.Status != "degraded" || rd.Database != "full" || !strings.Contains(rd.Detail, "507") {
		t.Errorf("/readyz on a full disk = %+v; want degraded, full", rd)
	}
	if m := scrape(t, srv, "192.0.2.51"); m["kb_db_storage_full"] != 1 || m[`kb_db_errors_total{class="storage_full"}`] < 1 {
		t.Errorf("metrics on a full disk: kb_db_storage_full %v, errors %v", m["kb_db_storage_full"], m[`kb_db_errors_total{class="storage_full"}`])
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// the database holds exactly what the replica serves: every acknowledged write, not
	// the refused one
	other, err := store.Open(context.Background(), store.Options{DB: dsn})
	if err != nil {
		t.Fatalf("open the store again after the full disk: %v", err)
	}
	served, _ := models.EncodeDataset(st.Catalog().Dataset())
	stored, _ := models.EncodeDataset(other.Catalog().Dataset())
	if other.Revision() != st.Revision() || string(served) != string(stored) {
		t.Errorf("the database (revision %d) does not hold what was served (revision %d)", other.Revision(), st.Revision())
	}
	other.Close()
	for _, id := range acknowledged {
		if rec := apitest.Get(t, srv, "/api/v1/studies/"+id); rec.Code != http.StatusOK {
			t.Errorf("acknowledged study %s answers %d", id, rec.Code)
		}
	}
	if rec := post(refused); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("the refused write once space is freed = %d (replayed %q): %s", rec.Code, rec.Header().Get("Idempotent-Replayed"), rec.Body)
	}
	if rd := apitest.Decode[api.Readiness](t, apitest.Get(t, srv, "/readyz")); rd.Status != "ready" || rd.Database != "up" {
		t.Errorf("/readyz once space is freed = %+v", rd)
	}
	if m := scrape(t, srv, "192.0.2.51"); m["kb_db_storage_full"] != 0 {
		t.Errorf("kb_db_storage_full = %v once space is freed", m["kb_db_storage_full"])
	}
}

// fillDisk writes a file until its file system has no room left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	small := make([]byte, 512) // the last few bytes too
	for {
		if _, err := f.Write(small); err != nil {
			return
		}
	}
}
