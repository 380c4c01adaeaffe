package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

const (
	testIdle   = time.Hour
	testMaxAge = 12 * time.Hour
)

func mustStartSession(tb testing.TB, s *store.Store, token string) string {
	tb.Helper()
	id, _, err := s.StartSession(context.Background(), token, testIdle, testMaxAge)
	if err != nil {
		tb.Fatalf("StartSession: %v", err)
	}
	return id
}

// Two processes on one database (two replicas behind a load balancer, on PostgreSQL in
// the second pass): a session opened through one is known to the other, and signing out
// through either ends it for both.
func TestSessionsAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	loc := storetest.Location(t)
	a, b := mustOpenAt(t, loc), mustOpenAt(t, loc)
	token := mustCreateToken(t, a, "alice", models.RoleCurator)
	id, p, err := a.StartSession(ctx, token, testIdle, testMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if *p != (models.Principal{Name: "alice", Role: models.RoleCurator}) || !strings.HasPrefix(id, store.SessionPrefix) || len(id) != 56 {
		t.Fatalf("StartSession = %q, %+v", id, p)
	}
	for name, s := range map[string]*store.Store{"a": a, "b": b} {
		got, err := s.Session(ctx, id, testIdle)
		if err != nil || *got != *p {
			t.Fatalf("replica %s: Session = %+v, %v; want %+v", name, got, err, p)
		}
	}
	if err := b.EndSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = a.Session(ctx, id, testIdle)
	wantCode(t, err, models.EUnauthorized, "")
}

// Revoking a token ends its sessions at once (in the revocation's own transaction), and
// nobody else's.
func TestRevokeTokenEndsItsSessions(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	alice := mustCreateToken(t, s, "alice", models.RoleCurator)
	bob := mustCreateToken(t, s, "bob", models.RoleAdmin)
	a1, a2, b1 := mustStartSession(t, s, alice), mustStartSession(t, s, alice), mustStartSession(t, s, bob)
	if n, _ := s.CountSessions(ctx, "alice"); n != 2 {
		t.Fatalf("alice has %d sessions; want 2", n)
	}
	if err := s.RevokeToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountSessions(ctx, "alice"); err != nil || n != 0 {
		t.Fatalf("after revocation alice has %d sessions (%v); want 0", n, err)
	}
	for _, id := range []string{a1, a2} {
		_, err := s.Session(ctx, id, testIdle)
		wantCode(t, err, models.EUnauthorized, "")
	}
	if p, err := s.Session(ctx, b1, testIdle); err != nil || p.Name != "bob" || p.Role != models.RoleAdmin {
		t.Fatalf("bob's session after alice's revocation: %+v, %v", p, err)
	}
	// a revoked token opens no new session
	_, _, err := s.StartSession(ctx, alice, testIdle, testMaxAge)
	wantCode(t, err, models.EUnauthorized, "")
}

// A session ends after its idle time without use and at its end, whatever happens; an
// id of the wrong shape, or a token offered as a session id, opens nothing.
func TestSessionEnds(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	token := mustCreateToken(t, s, "alice", models.RoleCurator)
	idle := mustStartSession(t, s, token)
	_, err := s.Session(ctx, idle, 0) // idle for longer than the limit: zero
	wantCode(t, err, models.EUnauthorized, "")
	if _, err := s.Session(ctx, idle, testIdle); err == nil {
		t.Fatal("a session that ended idle was found again")
	}
	ended, _, err := s.StartSession(ctx, token, testIdle, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Session(ctx, ended, testIdle)
	wantCode(t, err, models.EUnauthorized, "")
	for _, bad := range []string{"", "kbs_", token, strings.Repeat("x", 56), store.SessionPrefix + strings.Repeat("a", 52)} {
		_, err := s.Session(ctx, bad, testIdle)
		wantCode(t, err, models.EUnauthorized, "")
	}
	// a session stores only the hash of its id: the id is nowhere in the database's rows
	live := mustStartSession(t, s, token)
	if n, _ := s.CountSessions(ctx, "alice"); n != 1 { // the ended ones were swept out
		t.Errorf("alice has %d sessions after a sweep; want 1", n)
	}
	if p, err := s.Session(ctx, live, testIdle); err != nil || p.Name != "alice" {
		t.Fatalf("Session = %+v, %v", p, err)
	}
}

// A write made through the pages is the API's write: the same checks and one audit entry
// naming the session's token and the request.
func TestWriteRecordAsIsAudited(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	who := models.Principal{Name: "alice", Role: models.RoleCurator}
	d, err := s.Catalog().Study("mol-2008")
	if err != nil {
		t.Fatal(err)
	}
	st := d.Study
	st.Summary += " Corrected in the browser."
	cat, err := s.WriteRecordAs(ctx, who, "req-1", models.KindStudy, models.OpUpdate, st.ID, &st, []string{d.ETag()}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cat.Study("mol-2008"); got.Study.Summary != st.Summary {
		t.Errorf("the snapshot returned does not hold the write")
	}
	// a stale ETag is refused, as the API refuses it
	_, err = s.WriteRecordAs(ctx, who, "req-2", models.KindStudy, models.OpUpdate, st.ID, &st, []string{d.ETag()}, false)
	wantCode(t, err, models.EPreconditionFailed, "")
	// a bad year is refused by the same check, naming the field
	now, _ := s.Catalog().ETag(models.KindStudy, st.ID)
	bad := st
	bad.Year = 2020
	_, err = s.WriteRecordAs(ctx, who, "req-3", models.KindStudy, models.OpUpdate, st.ID, &bad, []string{now}, false)
	wantCode(t, err, models.EUnprocessable, "year")
	entries, total, err := s.AuditLog(ctx, models.KindStudy, "mol-2008", "", "", time.Time{}, time.Time{}, 1, 10)
	if err != nil || total != 1 {
		t.Fatalf("AuditLog: %d entries, %v; want 1", total, err)
	}
	e := entries[0]
	if e.Actor != "alice" || e.Role != models.RoleCurator || e.RequestID != "req-1" || e.Operation != models.OpUpdate || e.Before == nil || e.After == nil {
		t.Errorf("audit entry = %+v", e)
	}
	// the date filters: the entry is inside today, and outside a window that ended before it
	if _, n, _ := s.AuditLog(ctx, "", "", "alice", "", e.At.Add(-time.Minute), e.At.Add(time.Minute), 1, 10); n != 1 {
		t.Errorf("AuditLog around the entry's time finds %d; want 1", n)
	}
	if _, n, _ := s.AuditLog(ctx, "", "", "", "", time.Time{}, e.At.Add(-time.Minute), 1, 10); n != 0 {
		t.Errorf("AuditLog before the entry's time finds %d; want 0", n)
	}
	// deleting a study evidence items cite needs unlink, as in the API
	cited := citedStudy(t, s.Catalog())
	etag, _ := s.Catalog().ETag(models.KindStudy, cited)
	_, err = s.WriteRecordAs(ctx, who, "req-4", models.KindStudy, models.OpDelete, cited, nil, []string{etag}, false)
	wantCode(t, err, models.EConflict, "")
	if _, err := s.WriteRecordAs(ctx, who, "req-5", models.KindStudy, models.OpDelete, cited, nil, []string{etag}, true); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.AuditLog(ctx, "", "", "", "", time.Time{}, time.Time{}, 1, 100); n < 3 {
		t.Errorf("after an unlinking delete the log holds %d entries; want the delete and each unlinked record", n)
	}
}

// citedStudy is a study some intervention's evidence cites.
func citedStudy(tb testing.TB, cat *catalog.Catalog) string {
	tb.Helper()
	for _, iv := range cat.Dataset().Interventions {
		for _, e := range iv.Evidence {
			if e.StudyID != nil {
				return *e.StudyID
			}
		}
	}
	tb.Fatal("no study is cited by evidence")
	return ""
}
