package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// backup and restore from the command line, against the database of a server that runs
// (a store handle open on it throughout): the archive restores into an empty store, a
// store that holds data is refused until -force, and the running server then serves the
// restored data.
func TestBackupAndRestoreCommands(t *testing.T) {
	ctx := context.Background()
	db := storetest.Location(t)
	server := openStore(t, store.Options{DB: db, Seed: store.EmbeddedSeed()})
	r, _ := server.Catalog().Study("goodall-2011")
	edited := r.Study
	edited.Title = "Corrected before the backup"
	if _, err := server.Write(ctx, store.RecordWrite{Actor: store.Actor{Name: "alice", Role: models.RoleCurator, RequestID: "cli-test"},
		Kind: models.KindStudy, Op: models.OpUpdate, ID: edited.ID, Study: &edited, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	token, err := server.CreateToken(ctx, "bob", models.RoleCurator)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "kb.jsonl.gz")
	out, _, err := runCommand(t, nil, "backup", "-db", db, "-o", file)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out, "Backed up") || !strings.Contains(out, "studies") || !strings.Contains(out, "audit") {
		t.Errorf("backup printed:\n%s", out)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no archive at -o: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the archive's mode is %v; want 0600 (it holds token hashes and the audit log)", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the backup left %d files beside the archive", len(entries)-1)
	}

	target := storetest.Location(t)
	image := store.ImagePath("", target) // beside a SQLite file
	if store.IsPostgres(target) {
		image = filepath.Join(t.TempDir(), "restored.image") // not the user's cache directory
	}
	out, _, err = runCommand(t, nil, "restore", "-db", target, "-i", file, "-catalog-image", image)
	if err != nil {
		t.Fatalf("restore into an empty store: %v", err)
	}
	if !strings.Contains(out, "Restored "+file) || !strings.Contains(out, "serves 110 studies and 33 interventions") {
		t.Errorf("restore printed:\n%s", out)
	}
	if _, err := os.Stat(image); err != nil {
		t.Errorf("restore did not save the catalogue image: %v", err)
	}
	restored := openStore(t, store.Options{DB: target})
	sameDataset(t, server, restored)
	if _, err := restored.Authenticate(ctx, token); err != nil {
		t.Errorf("the token does not authenticate on the restored store: %v", err)
	}

	// the server's own store holds data: refused, with the way out named
	_, _, err = runCommand(t, nil, "restore", "-db", db, "-i", file)
	if err == nil || exitCode(err) != 1 || !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("restore into a store that holds data: %v (exit %d); want exit status 1, naming -force", err, exitCode(err))
	}
	// a change after the backup, which the forced restore undoes
	r, _ = server.Catalog().Study("goodall-2011")
	later := r.Study
	later.Title = "Changed after the backup"
	if _, err := server.Write(ctx, store.RecordWrite{Actor: store.Actor{Name: "alice", Role: models.RoleCurator, RequestID: "cli-test"},
		Kind: models.KindStudy, Op: models.OpUpdate, ID: later.ID, Study: &later, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	revision := server.Revision()
	if out, _, err = runCommand(t, nil, "restore", "-db", db, "-i", file, "-force", "-catalog-image", "off"); err != nil {
		t.Fatalf("restore -force: %v", err)
	}
	if !strings.Contains(out, "It replaced the") {
		t.Errorf("restore -force printed:\n%s", out)
	}
	if err := server.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := server.Catalog().Study("goodall-2011"); got.Study.Title != "Corrected before the backup" || server.Revision() <= revision {
		t.Errorf("after the forced restore the server serves %q at revision %d (was %d); want the archived title, at a later revision", got.Study.Title, server.Revision(), revision)
	}

	// through a pipe: -o - and -i -
	archive, _, err := runCommand(t, nil, "backup", "-db", db, "-o", "-")
	if err != nil {
		t.Fatalf("backup -o -: %v", err)
	}
	piped := storetest.Location(t)
	if _, _, err := runCommand(t, strings.NewReader(archive), "restore", "-db", piped, "-i", "-", "-catalog-image", "off"); err != nil {
		t.Fatalf("restore -i -: %v", err)
	}
	fromPipe := openStore(t, store.Options{DB: piped})
	sameDataset(t, server, fromPipe)
}

func TestBackupCommandUsageErrors(t *testing.T) {
	db := storetest.Location(t)
	for _, args := range [][]string{
		{"backup", "-db", db},
		{"backup", "-db", db, "-o", "x.gz", "extra"},
		{"backup", "-db", db, "-output", "x.gz"},
		{"restore", "-db", db},
		{"restore", "-db", db, "-i", "x.gz", "extra"},
	} {
		if _, _, err := runCommand(t, nil, args...); exitCode(err) != 2 {
			t.Errorf("%q: %v; want a usage error (exit status 2)", args, err)
		}
	}
	t.Run("KB_FORCE", func(t *testing.T) {
		t.Setenv("KB_FORCE", "true")
		if _, _, err := runCommand(t, nil, "restore", "-db", db, "-i", "x.gz"); exitCode(err) != 2 || !strings.Contains(err.Error(), "KB_FORCE") {
			t.Errorf("restore with KB_FORCE set: %v; want a usage error naming it", err)
		}
	})
	if _, stderr, err := runCommand(t, nil, "backup", "-help"); exitCode(err) != 0 || !strings.Contains(stderr, "-o") {
		t.Errorf("backup -help: %v; printed %s", err, stderr)
	}
	missing, file := filepath.Join(t.TempDir(), "missing.db"), filepath.Join(t.TempDir(), "kb.jsonl.gz")
	if _, _, err := runCommand(t, nil, "backup", "-db", missing, "-o", file); exitCode(err) != 1 || !strings.Contains(err.Error(), "no store at") {
		t.Errorf("backup of a store that is not there: %v; want exit status 1", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed backup left a file at -o")
	}
	if _, _, err := runCommand(t, nil, "restore", "-db", db, "-i", filepath.Join(t.TempDir(), "none.gz")); exitCode(err) != 1 {
		t.Errorf("restore of an archive that is not there: %v; want exit status 1", err)
	}
}

// runCommand runs the program with args, stdin read by restore -i -, and returns what it
// printed.
func runCommand(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if stdin != nil {
		restoreStdin = stdin
		defer func() { restoreStdin = os.Stdin }()
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut, nil)
	return out.String(), errOut.String(), err
}

// sameDataset fails unless the two stores serve the same evidence base.
func sameDataset(t *testing.T, want, got *store.Store) {
	t.Helper()
	w, _ := models.EncodeDataset(want.Catalog().Dataset())
	g, _ := models.EncodeDataset(got.Catalog().Dataset())
	if !bytes.Equal(w, g) {
		t.Error("the restored store serves another evidence base")
	}
}
