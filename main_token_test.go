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

// runToken runs `evidence-kb token ARGS…` and returns its output.
func runToken(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"token"}, args...), &out, &errOut, nil)
	return out.String(), errOut.String(), err
}

func authenticate(t *testing.T, db, token string) (*models.Principal, error) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close() // closed before the next command runs, as a one-off check would be
	return st.Authenticate(context.Background(), token)
}

// openStore opens the store a command or server left at opts.DB, as a server beside the
// command would, and closes it when the test ends.
func openStore(t *testing.T, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestTokenCommands(t *testing.T) {
	db := storetest.Location(t)
	out, stderr, err := runToken(t, "create", "-db", db, "-name", "alice", "-role", "curator")
	if err != nil {
		t.Fatalf("token create: %v; stderr %s", err, stderr)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, store.TokenPrefix) {
		t.Fatalf("last line of output %q is not a token", tok)
	}
	p, err := authenticate(t, db, tok)
	if err != nil || *p != (models.Principal{Name: "alice", Role: models.RoleCurator}) {
		t.Fatalf("the token printed authenticates as %+v, %v; want alice, curator", p, err)
	}
	if _, _, err := runToken(t, "create", "-db", db, "-name", "root", "-role", "admin"); err != nil {
		t.Fatal(err)
	}

	out, _, err = runToken(t, "list", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "NAME") {
		t.Fatalf("token list:\n%s\nwant a header and two rows", out)
	}
	alice := strings.Fields(rows[1])
	if alice[0] != "alice" || alice[1] != "curator" || !strings.HasPrefix(tok, strings.TrimSuffix(alice[2], "…")) || alice[5] != "-" {
		t.Errorf("alice's row %q: want name, role, the token's prefix and not revoked", rows[1])
	}
	if strings.Contains(out, tok[len(store.TokenPrefix)+8:]) {
		t.Error("token list shows a token")
	}
	if root := strings.Fields(rows[2]); root[0] != "root" || root[1] != "admin" {
		t.Errorf("second row %q: want root, admin", rows[2])
	}

	if _, stderr, err := runToken(t, "revoke", "-db", db, "alice"); err != nil {
		t.Fatalf("token revoke: %v; stderr %s", err, stderr)
	}
	if _, err := authenticate(t, db, tok); err == nil {
		t.Error("the revoked token still authenticates")
	}
	out, _, _ = runToken(t, "list", "-db", db)
	if row := strings.Fields(strings.Split(out, "\n")[1]); row[0] != "alice" || row[5] == "-" {
		t.Errorf("alice's row %v does not show the revocation", row)
	}
	// -name works too, and so do flags after the name
	if _, _, err := runToken(t, "revoke", "-name", "root", "-db", db); err != nil {
		t.Errorf("token revoke -name: %v", err)
	}
	if _, _, err := runToken(t, "revoke", "root", "-db", db); err != nil {
		t.Errorf("token revoke NAME -db: %v", err)
	}
	if _, _, err := runToken(t, "revoke", "-db", db, "nobody"); err == nil || exitCode(err) != 1 {
		t.Errorf("revoking an unknown token: %v; want exit status 1", err)
	}
}

func TestTokenUsageErrors(t *testing.T) {
	db := storetest.Location(t)
	if _, _, err := runToken(t, "create", "-db", db, "-name", "alice"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{},
		{"rename"},
		{"create", "-db", db}, // no name
		{"create", "-db", db, "-name", "bob", "-role", "root"}, // no such role
		{"create", "-db", db, "-name", "bob smith"},            // not a token name
		{"create", "-db", db, "-name", "alice"},                // taken
		{"create", "-db", db, "-name", "bob", "extra"},
		{"create", "-db", db, "-nmae", "bob"},
		{"list", "-db", db, "extra"},
		{"revoke", "-db", db},
		{"revoke", "-db", db, "alice", "bob"},
		{"revoke", "-db", db, "-name", "alice", "bob"},
	} {
		_, _, err := runToken(t, args...)
		var u usageError
		if !errors.As(err, &u) || exitCode(err) != 2 {
			t.Errorf("token %q: %v; want a usage error (exit status 2)", args, err)
		}
	}
	out, _, _ := runToken(t, "list", "-db", db)
	if strings.Count(out, "\n") != 2 {
		t.Errorf("after refused commands, token list:\n%s\nwant alice's token alone", out)
	}
}

// import from the command line: a dry run changes nothing, the real one applies and audits.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	db := storetest.Location(t)
	seeded, err := store.Open(ctx, store.Options{DB: db, Seed: store.EmbeddedSeed()}) // a server's first start
	if err != nil {
		t.Fatal(err)
	}
	seeded.Close()
	d, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		t.Fatal(err)
	}
	d.Studies[0].Title = "A title corrected by import"
	raw, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "batch.json")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"import", "-db", db, "-dry-run", file}, &out, io.Discard, nil); err != nil {
		t.Fatalf("import -dry-run: %v", err)
	}
	if !strings.Contains(out.String(), "change   study "+d.Studies[0].ID+" (title)") || !strings.Contains(out.String(), "dry run: 0 to add, 1 to change") {
		t.Fatalf("dry run printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"import", "-db", db, "-as", "batch-2026", file}, &out, io.Discard, nil); err != nil {
		t.Fatalf("import: %v", err)
	}
	st := openStore(t, store.Options{DB: db})
	if r, err := st.Catalog().Study(d.Studies[0].ID); err != nil || r.Study.Title != "A title corrected by import" {
		t.Errorf("after import the title is %q (%v)", r.Study.Title, err)
	}
	entries, _, err := st.Audit(ctx, store.AuditQuery{Actor: "batch-2026", Page: 1, PerPage: 10})
	if err != nil || len(entries) != 1 || entries[0].Operation != models.OpImport {
		t.Errorf("audit of the import: %+v, %v", entries, err)
	}
	if err := run(ctx, []string{"import", "-db", db}, io.Discard, io.Discard, nil); exitCode(err) != 2 {
		t.Errorf("import without a file: %v", err)
	}
}
