package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// A backup holds every table; a restore into an empty database of the same kind gives the
// same tables, row for row (meta's revision and version aside, which a restore moves on),
// and a store that serves the same records, ETags, audit log and histories, knows the same
// tokens and idempotency keys, and takes writes.
func TestBackupRoundTrip(t *testing.T) {
	ctx := context.Background()
	srcLoc := storetest.Location(t)
	src := openSeededForBackup(t, srcLoc)
	token := writeBeforeBackup(t, src)

	archive, h := backupOf(t, srcLoc)
	latest, err := latestSchemaVersion(IsPostgres(srcLoc))
	if err != nil {
		t.Fatal(err)
	}
	wantSource := map[bool]string{false: "sqlite", true: "postgres"}[IsPostgres(srcLoc)]
	if h.Source != wantSource || h.SchemaVersion != latest || h.Revision != src.Revision() || h.DatasetVersion != src.DatasetVersion() ||
		h.SeedSource != EmbeddedSource || time.Since(h.TakenAt) > time.Minute {
		t.Errorf("header: source %s, schema %d, revision %d, version %s, seed source %s, taken %s; want %s, %d, %d, %s, %s, now",
			h.Source, h.SchemaVersion, h.Revision, h.DatasetVersion, h.SeedSource, h.TakenAt, wantSource, latest, src.Revision(), src.DatasetVersion(), EmbeddedSource)
	}
	srcTables := tableContents(t, srcLoc)
	var archived []string
	for _, at := range h.Tables {
		archived = append(archived, at.Name)
		if got, want := at.Rows, int64(len(srcTables[at.Name])); got != want {
			t.Errorf("the header counts %d rows in %s; the table has %d", got, at.Name, want)
		}
	}
	if want := slices.Sorted(maps.Keys(srcTables)); !reflect.DeepEqual(slices.Sorted(slices.Values(archived)), want) {
		t.Errorf("the archive holds tables %v; the database has %v", archived, want)
	}
	t.Logf("archived rows: %d in all, %d of sessions, %d of tokens", h.TotalRows(), h.Rows("sessions"), h.Rows("tokens"))
	if _, ok := srcTables["sessions"]; ok && h.Rows("sessions") == 0 {
		t.Error("the store has sessions, but the archive holds none")
	}
	for _, table := range []string{"meta", "studies", "interventions", "evidence", "study_interventions", "themes", "tokens", "audit", "idempotency"} {
		if h.Rows(table) == 0 {
			t.Errorf("the archive holds no rows of %s", table)
		}
	}
	plain := gunzip(t, archive)
	if bytes.Contains(plain, []byte(token)) || bytes.Contains(plain, []byte(token[len(TokenPrefix)+8:])) {
		t.Error("the archive holds a token in plain text")
	}
	if !bytes.Contains(plain, []byte(hashToken(token))) {
		t.Error("the archive does not hold the token's hash")
	}
	// primary-key order: the same data gives the same archive, its time of taking aside
	again, _ := backupOf(t, srcLoc)
	if _, rows, _ := bytes.Cut(plain, []byte("\n")); !bytes.HasSuffix(gunzip(t, again), rows) {
		t.Error("two archives of an unchanged store list its rows differently")
	}

	dstLoc := storetest.Location(t)
	image := filepath.Join(t.TempDir(), "restored.image")
	r, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: dstLoc, Image: image})
	if err != nil {
		t.Fatalf("restore into an empty database: %v", err)
	}
	studies, interventions := src.Catalog().Size()
	if r.Revision != h.Revision+1 || r.DatasetVersion == h.DatasetVersion || r.DatasetVersion == "" || r.Replaced != nil ||
		r.Studies != studies || r.Interventions != interventions {
		t.Errorf("restored: revision %d, version %q, replaced %v, %d studies, %d interventions; want revision %d, a new version, nothing replaced, %d, %d",
			r.Revision, r.DatasetVersion, r.Replaced, r.Studies, r.Interventions, h.Revision+1, studies, interventions)
	}
	sameTables(t, srcTables, tableContents(t, dstLoc))
	if _, err := os.Stat(image); err != nil {
		t.Errorf("the restore did not save the catalogue image: %v", err)
	}
	dst := openForTest(t, Options{DB: dstLoc, Image: image})
	sameServed(t, src, dst)
	if p, err := dst.Authenticate(ctx, token); err != nil || p.Name != "bob" {
		t.Errorf("the token made before the backup authenticates after the restore as %+v, %v; want bob", p, err)
	}

	// an Idempotency-Key used before the backup is still known
	created, _ := src.Catalog().Study(createdBeforeBackup)
	retry := created.Study
	w, err := dst.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpCreate, ID: retry.ID, Study: &retry,
		IdempotencyKey: "backup-key-1", RequestHash: "backup-body-1"})
	if err != nil || !w.Replayed {
		t.Errorf("retrying an idempotent create after the restore: %+v, %v; want it answered as a replay", w, err)
	}
	// and the restored store takes writes, with audit ids after the restored ones
	restoredEntries := allAudit(t, dst)
	patch, _ := dst.Catalog().Study("lindsay-2008")
	next := patch.Study
	next.Title = "Written after the restore"
	if _, err := dst.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: next.ID, Study: &next, IfMatch: []string{patch.ETag()}}); err != nil {
		t.Fatalf("a write after the restore: %v", err)
	}
	entries := allAudit(t, dst)
	if len(entries) != len(restoredEntries)+1 || entries[0].ID <= restoredEntries[0].ID || entries[0].Revision != r.Revision+1 {
		t.Errorf("after a write, the audit log's newest entry is %d at revision %d; want an id past %d, at revision %d",
			entries[0].ID, entries[0].Revision, restoredEntries[0].ID, r.Revision+1)
	}
}

// An archive of SQLite loads into PostgreSQL and back again: the tables come back as they
// were (booleans as SQLite's 0 and 1), and the PostgreSQL store serves the same data.
func TestBackupRestoreAcrossKinds(t *testing.T) {
	if !storetest.Postgres() {
		t.Skip("runs in the PostgreSQL pass (set KB_TEST_PG_DSN)")
	}
	ctx := context.Background()
	sqliteLoc := filepath.Join(t.TempDir(), "kb.db")
	src := openSeededForBackup(t, sqliteLoc)
	token := writeBeforeBackup(t, src)
	archive, _ := backupOf(t, sqliteLoc)

	pgLoc := storetest.Location(t)
	if _, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: pgLoc}); err != nil {
		t.Fatalf("restore a SQLite archive into PostgreSQL: %v", err)
	}
	sqliteTables := tableContents(t, sqliteLoc)
	sameTables(t, sqliteTables, tableContents(t, pgLoc))
	pg := openForTest(t, Options{DB: pgLoc})
	sameServed(t, src, pg)
	if _, err := pg.Authenticate(ctx, token); err != nil {
		t.Errorf("the token does not authenticate on PostgreSQL: %v", err)
	}
	r, _ := pg.Catalog().Study("lindsay-2008")
	s := r.Study
	s.Title = "Written on PostgreSQL after the restore"
	if _, err := pg.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatalf("a write on PostgreSQL after the restore (the audit id's sequence): %v", err)
	}

	back, h := backupOf(t, pgLoc)
	if h.Source != "postgres" {
		t.Errorf("the archive of PostgreSQL says its source is %q", h.Source)
	}
	backLoc := filepath.Join(t.TempDir(), "back.db")
	if _, err := Restore(ctx, bytes.NewReader(back), RestoreOptions{DB: backLoc}); err != nil {
		t.Fatalf("restore a PostgreSQL archive into SQLite: %v", err)
	}
	sameTables(t, tableContents(t, pgLoc), tableContents(t, backLoc))
	sameServed(t, pg, openForTest(t, Options{DB: backLoc}))
}

// A target that holds anything — records, or only a token — is refused, and left as it
// was, unless forced; forced, the restore replaces everything, and a process serving the
// target catches up with it on its next poll.
func TestBackupRestoreRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	srcLoc := storetest.Location(t)
	src := openSeededForBackup(t, srcLoc)
	writeBeforeBackup(t, src)
	archive, h := backupOf(t, srcLoc)

	targetLoc := storetest.Location(t)
	serving := openSeededForBackup(t, targetLoc)
	other, _ := serving.Catalog().Study("kirk-2011")
	s := other.Study
	s.Title = "Only the target has this"
	for range 3 { // the target's revision ends past the archive's
		if _, err := serving.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
	}
	before := tableContents(t, targetLoc)
	_, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: targetLoc})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "110 rows of studies") || !strings.Contains(err.Error(), "3 of audit") {
		t.Fatalf("restore into a store that holds data: %v; want ErrNotEmpty, saying what it holds", err)
	}
	sameTables(t, before, tableContents(t, targetLoc))
	if m := before["meta"]; !reflect.DeepEqual(m, tableContents(t, targetLoc)["meta"]) {
		t.Error("the refused restore changed the target's meta")
	}

	tokensOnly := storetest.Location(t)
	st := openForTest(t, Options{DB: tokensOnly})
	if _, err := st.CreateToken(ctx, "carol", models.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: tokensOnly}); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "tokens") {
		t.Errorf("restore into a store that holds only a token: %v; want ErrNotEmpty naming tokens", err)
	}
	openedOnly := storetest.Location(t)
	openForTest(t, Options{DB: openedOnly}) // migrated and given its meta rows by a command, never seeded
	if _, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: openedOnly}); err != nil {
		t.Errorf("restore into a store that was opened but holds nothing: %v", err)
	}

	r, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: targetLoc, Force: true})
	if err != nil {
		t.Fatalf("forced restore: %v", err)
	}
	if r.Replaced["studies"] != int64(len(before["studies"])) || r.Replaced["audit"] != 3 {
		t.Errorf("the forced restore says it replaced %v", r.Replaced)
	}
	if r.Revision <= max(h.Revision, serving.Revision()) {
		t.Errorf("the restored revision %d is not past both the archive's %d and the target's %d", r.Revision, h.Revision, serving.Revision())
	}
	sameTables(t, tableContents(t, srcLoc), tableContents(t, targetLoc))
	if err := serving.Sync(ctx); err != nil {
		t.Fatalf("the serving process catching up with the restore: %v", err)
	}
	if serving.Revision() != r.Revision || serving.DatasetVersion() != r.DatasetVersion {
		t.Errorf("the serving process is at revision %d, version %s; the restored store at %d, %s", serving.Revision(), serving.DatasetVersion(), r.Revision, r.DatasetVersion)
	}
	sameServed(t, src, serving)
}

// A catalogue image saved of another history is never served in place of the restored
// tables, even at the very revision the restore gives: two stores seeded alike and written
// to as often are at the same revision and dataset version, so only the new version a
// restore takes tells the image apart.
func TestBackupRestoredStoreIgnoresStaleImage(t *testing.T) {
	ctx := context.Background()
	titled := func(title string) ([]byte, *ArchiveHeader) {
		loc := storetest.Location(t)
		s := openSeededForBackup(t, loc)
		r, _ := s.Catalog().Study("goodall-2011")
		st := r.Study
		st.Title = title
		if _, err := s.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: st.ID, Study: &st, IfMatch: []string{r.ETag()}}); err != nil {
			t.Fatal(err)
		}
		return backupOf(t, loc)
	}
	archiveA, headerA := titled("History A")
	archiveB, headerB := titled("History B")
	if headerA.Revision != headerB.Revision || headerA.DatasetVersion != headerB.DatasetVersion {
		t.Fatalf("the two histories are at %d/%s and %d/%s; the test needs them alike", headerA.Revision, headerA.DatasetVersion, headerB.Revision, headerB.DatasetVersion)
	}
	image := filepath.Join(t.TempDir(), "kb.image")
	if _, err := Restore(ctx, bytes.NewReader(archiveA), RestoreOptions{DB: storetest.Location(t), Image: image}); err != nil {
		t.Fatal(err)
	}
	loc := storetest.Location(t)
	rb, err := Restore(ctx, bytes.NewReader(archiveB), RestoreOptions{DB: loc}) // leaves A's image where it is
	if err != nil {
		t.Fatal(err)
	}
	s := openForTest(t, Options{DB: loc, Image: image})
	if r, _ := s.Catalog().Study("goodall-2011"); r.Study.Title != "History B" || s.Revision() != rb.Revision {
		t.Errorf("the store restored from B serves %q at revision %d; want History B at %d", r.Study.Title, s.Revision(), rb.Revision)
	}
}

// Backups taken while writes go on are each one moment of the store: the revision in meta
// has exactly its writes in the audit log, and each record is as its last audit entry left
// it.
func TestBackupIsConsistentUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	loc := storetest.Location(t)
	s := openSeededForBackup(t, loc)
	ids := []string{"goodall-2011", "lindsay-2008", "kirk-2011", "harris-2009-a"}
	for _, id := range ids {
		if _, err := s.Catalog().Study(id); err != nil {
			t.Fatal(err)
		}
	}
	var (
		writes atomic.Int64
		stop   = make(chan struct{})
		done   sync.WaitGroup
	)
	done.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r, _ := s.Catalog().Study(ids[i%len(ids)])
			st := r.Study
			st.Title = fmt.Sprintf("Title of write %d", i)
			if _, err := s.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: st.ID, Study: &st, IfMatch: []string{r.ETag()}}); err != nil {
				t.Errorf("write %d: %v", i, err)
				return
			}
			writes.Add(1)
		}
	})
	var last []byte
	for range 4 {
		deadline := time.Now().Add(time.Minute)
		for seen := writes.Load(); writes.Load() < seen+5; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the writes stopped")
			}
		}
		archive, h := backupOf(t, loc)
		checkArchiveConsistent(t, archive, h, ids)
		last = archive
	}
	close(stop)
	done.Wait()
	if writes.Load() < 20 {
		t.Fatalf("only %d writes ran during the backups", writes.Load())
	}
	if _, err := Restore(ctx, bytes.NewReader(last), RestoreOptions{DB: storetest.Location(t)}); err != nil {
		t.Errorf("restore of a backup taken during writes: %v", err)
	}
}

// checkArchiveConsistent reads an archive taken while only record updates ran (one audit
// entry each) and checks it is one moment of the store.
func checkArchiveConsistent(t *testing.T, archive []byte, h *ArchiveHeader, ids []string) {
	t.Helper()
	tables := archiveRows(t, archive)
	revisions := map[int64]int{}
	last := map[string]int64{}    // record id → id of its last audit entry
	titles := map[string]string{} // record id → title after that entry
	for _, e := range tables["audit"] {
		rev, _ := e["revision"].(json.Number).Int64()
		id, _ := e["id"].(json.Number).Int64()
		revisions[rev]++
		record := e["record_id"].(string)
		if id > last[record] {
			last[record] = id
			var after models.Study
			if err := json.Unmarshal([]byte(e["after_doc"].(string)), &after); err != nil {
				t.Fatal(err)
			}
			titles[record] = after.Title
		}
	}
	if int64(len(tables["audit"])) != h.Revision-1 || len(revisions) != int(h.Revision-1) {
		t.Errorf("archive at revision %d holds %d audit entries over %d revisions; want %d of each", h.Revision, len(tables["audit"]), len(revisions), h.Revision-1)
	}
	for rev := int64(2); rev <= h.Revision; rev++ {
		if revisions[rev] != 1 {
			t.Errorf("archive at revision %d has %d audit entries of revision %d; want 1", h.Revision, revisions[rev], rev)
		}
	}
	for _, row := range tables["studies"] {
		id := row["id"].(string)
		if want, ok := titles[id]; ok && row["title"] != want {
			t.Errorf("archive at revision %d: study %s is titled %q; its last audit entry says %q", h.Revision, id, row["title"], want)
		}
	}
}

// An archive of an older schema loads into a new database at that schema, and the later
// migrations then bring it up to date; a target already past the archive's schema, or an
// archive past this build's, is refused.
func TestBackupOfOlderSchemaRestoresAndMigrates(t *testing.T) {
	ctx := context.Background()
	const oldVersion = 3 // before typed evidence: evidence has outside_window
	srcLoc := storetest.Location(t)
	func() {
		g, err := openDB(srcLoc)
		if err != nil {
			t.Fatal(err)
		}
		conn, _ := g.DB()
		defer conn.Close()
		p, err := migrationProvider(conn, IsPostgres(srcLoc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, oldVersion); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			"INSERT INTO meta (key, value) VALUES ('dataset_version', 'v3'), ('revision', '1'), ('seed_version', 'v3'), ('seed_source', 'test')",
			"INSERT INTO themes (slug, position, name, description, provisional) VALUES ('home-learning', 0, 'Home learning', 'At home.', " + sqlBool(srcLoc, true) + ")",
			"INSERT INTO studies (id, position, title, authors, year, type, summary, key_findings, verified_in) VALUES ('old-2010', 0, 'An old study', '[\"A. Author\"]', 2010, 'journal-article', 'A summary.', '[]', '[]')",
			"INSERT INTO interventions (id, position, name, aliases, summary, verified_in) VALUES ('old-programme', 0, 'Old programme', '[]', 'A programme.', '[]')",
			"INSERT INTO evidence (intervention_id, position, finding, study_id, outside_window) VALUES ('old-programme', 0, 'It helped.', 'old-2010', " + sqlBool(srcLoc, true) + ")",
			"INSERT INTO study_themes (study_id, slug, position) VALUES ('old-2010', 'home-learning', 0)",
			"INSERT INTO study_interventions (study_id, intervention_id, position) VALUES ('old-2010', 'old-programme', 0)",
		} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}()
	archive, h := backupOf(t, srcLoc)
	if h.SchemaVersion != oldVersion {
		t.Fatalf("the archive says schema version %d; want %d", h.SchemaVersion, oldVersion)
	}

	current := storetest.Location(t)
	openForTest(t, Options{DB: current}) // empty, but migrated to the latest schema
	if _, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: current}); err == nil || !strings.Contains(err.Error(), "newer than the archive's 3") {
		t.Errorf("restore of a version 3 archive into a database at the latest schema: %v; want a refusal", err)
	}

	dstLoc := storetest.Location(t)
	r, err := Restore(ctx, bytes.NewReader(archive), RestoreOptions{DB: dstLoc})
	if err != nil {
		t.Fatalf("restore of a version 3 archive into a new database: %v", err)
	}
	if r.Studies != 1 || r.Interventions != 1 {
		t.Errorf("the restored old store serves %d studies and %d interventions; want 1 and 1", r.Studies, r.Interventions)
	}
	dst := openForTest(t, Options{DB: dstLoc})
	iv, err := dst.Catalog().Intervention("old-programme")
	if err != nil || len(iv.Intervention.Evidence) != 1 || iv.Intervention.Evidence[0].Window != "in" || iv.Intervention.Evidence[0].Kind != "description" {
		t.Errorf("the old evidence after the later migrations: %+v, %v; want window in, kind description", iv, err)
	}

	newer := rewriteHeader(t, archive, func(h map[string]any) { h["schema_version"] = 99 })
	if _, err := Restore(ctx, bytes.NewReader(newer), RestoreOptions{DB: storetest.Location(t)}); err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Errorf("restore of an archive from a newer schema: %v; want a refusal naming its version", err)
	}
}

// A damaged or short archive is refused and leaves its target empty, never half-written;
// a store that is not there is not backed up (nor made).
func TestBackupDamagedArchiveChangesNothing(t *testing.T) {
	ctx := context.Background()
	srcLoc := storetest.Location(t)
	writeBeforeBackup(t, openSeededForBackup(t, srcLoc))
	archive, _ := backupOf(t, srcLoc)
	plain := gunzip(t, archive)

	flipped := bytes.Clone(archive)
	flipped[len(flipped)*2/3] ^= 0xff
	extra := append(bytes.Clone(plain), []byte("[\"one row too many\"]\n")...)
	for name, damaged := range map[string][]byte{
		"cut short":                  archive[:len(archive)/2],
		"a byte changed":             flipped,
		"cut short, uncompressed":    plain[:len(plain)*3/4],
		"a row more than it lists":   extra,
		"a header of something else": []byte(`{"format":"something-else","format_version":1}`),
		"not an archive":             []byte("hello"),
	} {
		t.Run(name, func(t *testing.T) {
			loc := storetest.Location(t)
			_, err := Restore(ctx, bytes.NewReader(damaged), RestoreOptions{DB: loc})
			if err == nil {
				t.Fatal("the damaged archive was restored")
			}
			t.Logf("refused: %v", err)
			if !IsPostgres(loc) {
				if _, err := os.Stat(loc); err != nil {
					return // refused before it made the file
				}
			}
			for table, rows := range tableContents(t, loc) {
				if len(rows) > 0 && table != "meta" {
					t.Errorf("the refused restore left %d rows in %s", len(rows), table)
				}
			}
		})
	}
	// uncompressed archives restore too (zcat archive | restore)
	if _, err := Restore(ctx, bytes.NewReader(plain), RestoreOptions{DB: storetest.Location(t)}); err != nil {
		t.Errorf("restore of an uncompressed archive: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "missing.db")
	if _, err := Backup(ctx, missing, io.Discard); err == nil || !strings.Contains(err.Error(), "no store at") {
		t.Errorf("backup of a store that is not there: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("backup of a store that is not there made the file")
	}
}

// Helpers

var backupTester = Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "backup-test"}

// createdBeforeBackup is the id of the study writeBeforeBackup creates.
const createdBeforeBackup = "backup-created-2012"

// writeBeforeBackup makes one write of each kind there is: a record patched and one
// created (with an Idempotency-Key), a vocabulary value added, a token made, and a
// browser session opened with it where the store has sessions. It returns the token.
func writeBeforeBackup(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	r, err := s.Catalog().Study("goodall-2011")
	if err != nil {
		t.Fatal(err)
	}
	patched := r.Study
	patched.Title = "Corrected before the backup"
	if _, err := s.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpUpdate, ID: patched.ID, Study: &patched, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatalf("patch: %v", err)
	}
	created := r.Study
	created.ID, created.DOI, created.Title = createdBeforeBackup, nil, "Created before the backup"
	if _, err := s.Write(ctx, RecordWrite{Actor: backupTester, Kind: models.KindStudy, Op: models.OpCreate, ID: created.ID, Study: &created,
		IdempotencyKey: "backup-key-1", RequestHash: "backup-body-1"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	theme := models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings."}
	if _, err := s.WriteVocabulary(ctx, VocabularyWrite{Actor: backupTester, Kind: models.KindTheme, Slug: theme.Slug, Item: theme}); err != nil {
		t.Fatalf("vocabulary: %v", err)
	}
	token, err := s.CreateToken(ctx, "bob", models.RoleCurator)
	if err != nil {
		t.Fatal(err)
	}
	// sessions are a newer table: asked for by method, so this test does not depend on them
	if sessions, ok := any(s).(interface {
		StartSession(ctx context.Context, token string, idle, maxAge time.Duration) (string, *models.Principal, error)
	}); ok {
		if _, _, err := sessions.StartSession(ctx, token, time.Hour, 24*time.Hour); err != nil {
			t.Fatalf("session: %v", err)
		}
	}
	return token
}

func openSeededForBackup(t *testing.T, loc string) *Store {
	t.Helper()
	return openForTest(t, Options{DB: loc, Seed: EmbeddedSeed()})
}

func openForTest(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", opts.DB, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func backupOf(t *testing.T, loc string) ([]byte, *ArchiveHeader) {
	t.Helper()
	var buf bytes.Buffer
	h, err := Backup(context.Background(), loc, &buf)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes(), h
}

func gunzip(t *testing.T, archive []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// rewriteHeader returns the archive with its header changed by edit.
func rewriteHeader(t *testing.T, archive []byte, edit func(map[string]any)) []byte {
	t.Helper()
	first, rest, _ := bytes.Cut(gunzip(t, archive), []byte("\n"))
	var h map[string]any
	if err := json.Unmarshal(first, &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	line, _ := json.Marshal(h)
	return append(append(line, '\n'), rest...)
}

// archiveRows reads an archive's tables as rows keyed by column, numbers as json.Number.
func archiveRows(t *testing.T, archive []byte) map[string][]map[string]any {
	t.Helper()
	a, err := openArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, at := range a.header.Tables {
		var marker tableMarker
		if err := a.dec.Decode(&marker); err != nil || marker.Table != at.Name {
			t.Fatalf("table %s: marker %q, %v", at.Name, marker.Table, err)
		}
		for range at.Rows {
			var row []any
			if err := a.dec.Decode(&row); err != nil {
				t.Fatal(err)
			}
			m := map[string]any{}
			for i, c := range at.Columns {
				m[c.Name] = row[i]
			}
			out[at.Name] = append(out[at.Name], m)
		}
	}
	if err := a.end(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tableContents reads every table of the database at loc (but the migration tool's), by
// queries of its own rather than backup's: each row as JSON with its columns by name,
// booleans as 0 and 1 (as SQLite keeps them), rows sorted.
func tableContents(t *testing.T, loc string) map[string][]string {
	t.Helper()
	g, err := openDB(loc)
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := g.DB()
	defer conn.Close()
	ctx := context.Background()
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if IsPostgres(loc) {
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	names := queryColumn(t, conn, query)
	out := map[string][]string{}
	for _, name := range names {
		if name == "goose_db_version" || name == "goose_lock" {
			continue
		}
		rows, err := conn.QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		out[name] = []string{}
		for rows.Next() {
			values := make([]any, len(cols))
			scan := make([]any, len(cols))
			for i := range values {
				scan[i] = &values[i]
			}
			if err := rows.Scan(scan...); err != nil {
				t.Fatal(err)
			}
			row := map[string]any{}
			for i, c := range cols {
				switch v := values[i].(type) {
				case bool:
					row[c] = map[bool]int{false: 0, true: 1}[v]
				case []byte:
					row[c] = string(v)
				default:
					row[c] = v
				}
			}
			b, _ := json.Marshal(row)
			out[name] = append(out[name], string(b))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(out[name])
	}
	return out
}

func queryColumn(t *testing.T, conn *sql.DB, query string) []string {
	t.Helper()
	rows, err := conn.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// sameTables fails unless the two databases' tables hold the same rows, meta's revision,
// dataset version and restored_from aside, which a restore sets anew.
func sameTables(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if !reflect.DeepEqual(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))) {
		t.Errorf("tables %v; want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for name, wantRows := range want {
		gotRows := got[name]
		if name == "meta" {
			wantRows, gotRows = stableMeta(wantRows), stableMeta(gotRows)
		}
		if !reflect.DeepEqual(wantRows, gotRows) {
			t.Errorf("table %s differs: %d rows, want %d; first rows:\n got %v\nwant %v", name, len(gotRows), len(wantRows), first(gotRows, 3), first(wantRows, 3))
		}
	}
}

func stableMeta(rows []string) []string {
	return slices.DeleteFunc(slices.Clone(rows), func(r string) bool {
		for _, key := range []string{versionKey, revisionKey, restoredFromKey} {
			if strings.Contains(r, `"key":"`+key+`"`) {
				return true
			}
		}
		return false
	})
}

func first(rows []string, n int) []string { return rows[:min(n, len(rows))] }

// sameServed fails unless the two stores serve the same dataset, ETags, audit log and
// record histories.
func sameServed(t *testing.T, want, got *Store) {
	t.Helper()
	wd, _ := models.EncodeDataset(want.Catalog().Dataset())
	gd, _ := models.EncodeDataset(got.Catalog().Dataset())
	if !bytes.Equal(wd, gd) {
		t.Error("the stores serve different datasets")
	}
	d := want.Catalog().Dataset()
	for _, s := range d.Studies {
		w, _ := want.Catalog().ETag(models.KindStudy, s.ID)
		if g, _ := got.Catalog().ETag(models.KindStudy, s.ID); g != w {
			t.Errorf("study %s: ETag %s; want %s", s.ID, g, w)
		}
	}
	for _, iv := range d.Interventions {
		w, _ := want.Catalog().ETag(models.KindIntervention, iv.ID)
		if g, _ := got.Catalog().ETag(models.KindIntervention, iv.ID); g != w {
			t.Errorf("intervention %s: ETag %s; want %s", iv.ID, g, w)
		}
	}
	wa, ga := allAudit(t, want), allAudit(t, got)
	if !reflect.DeepEqual(wa, ga) {
		t.Errorf("the audit logs differ: %d entries, want %d", len(ga), len(wa))
	}
	ctx := context.Background()
	q := AuditQuery{Kind: models.KindStudy, RecordID: "goodall-2011", Page: 1, PerPage: 100}
	wh, _, err1 := want.Audit(ctx, q)
	gh, _, err2 := got.Audit(ctx, q)
	if err1 != nil || err2 != nil || len(wh) == 0 || !reflect.DeepEqual(wh, gh) {
		t.Errorf("the history of goodall-2011 differs: %d entries (%v), want %d (%v)", len(gh), err2, len(wh), err1)
	}
	wt, _ := want.ListTokens(ctx)
	gt, _ := got.ListTokens(ctx)
	if !reflect.DeepEqual(wt, gt) {
		t.Errorf("tokens %+v; want %+v", gt, wt)
	}
}

// allAudit is the whole audit log, newest first.
func allAudit(t *testing.T, s *Store) []models.AuditEntry {
	t.Helper()
	var all []models.AuditEntry
	for page := 1; ; page++ {
		entries, total, err := s.Audit(context.Background(), AuditQuery{Page: page, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, entries...)
		if len(all) >= total || len(entries) == 0 {
			return all
		}
	}
}

// sqlBool is a boolean literal as the database at loc spells it.
func sqlBool(loc string, v bool) string {
	if IsPostgres(loc) {
		return strconv.FormatBool(v)
	}
	return map[bool]string{false: "0", true: "1"}[v]
}
