package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

var tokenPattern = regexp.MustCompile(`^kbt_[a-z2-7]{52}$`)

func mustCreateToken(tb testing.TB, s *store.Store, name string, role models.Role) string {
	tb.Helper()
	token, err := s.CreateToken(context.Background(), name, role)
	if err != nil {
		tb.Fatalf("CreateToken(%q, %q): %v", name, role, err)
	}
	return token
}

// wantCode fails unless err is a models.Error with the code, and (when field is not "")
// about that field.
func wantCode(tb testing.TB, err error, code, field string) {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) || e.Code != code {
		tb.Fatalf("err = %v; want a %s error", err, code)
	}
	if field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != field) {
		tb.Errorf("err fields = %+v; want one about %q", e.Fields, field)
	}
}

func TestCreateTokenAuthenticates(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	curator := mustCreateToken(t, s, "alice", models.RoleCurator)
	admin := mustCreateToken(t, s, "ops@example.org", models.RoleAdmin)
	for _, tok := range []string{curator, admin} {
		if !tokenPattern.MatchString(tok) {
			t.Errorf("token %q is not kbt_ and 52 base32 characters", tok)
		}
	}
	if curator == admin {
		t.Fatal("two tokens are equal")
	}
	for tok, want := range map[string]models.Principal{curator: {Name: "alice", Role: models.RoleCurator}, admin: {Name: "ops@example.org", Role: models.RoleAdmin}} {
		p, err := s.Authenticate(ctx, tok)
		if err != nil {
			t.Fatalf("Authenticate(%s…): %v", tok[:12], err)
		}
		if *p != want {
			t.Errorf("Authenticate(%s…) = %+v; want %+v", tok[:12], *p, want)
		}
	}
}

func TestAuthenticateRefusesUnknownTokens(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	tok := mustCreateToken(t, s, "alice", models.RoleCurator)
	last := "a"
	if strings.HasSuffix(tok, "a") {
		last = "b"
	}
	for _, bad := range []string{"", "kbt_", tok[:len(tok)-1], tok[:len(tok)-1] + last, tok + "a", strings.ToUpper(tok), "Bearer " + tok, " " + tok} {
		p, err := s.Authenticate(ctx, bad)
		if p != nil {
			t.Errorf("Authenticate(%q) = %+v; want nobody", bad, *p)
		}
		wantCode(t, err, models.EUnauthorized, "")
	}
}

func TestRevokedTokenIsRefused(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	alice := mustCreateToken(t, s, "alice", models.RoleAdmin)
	bob := mustCreateToken(t, s, "bob", models.RoleCurator)
	if err := s.RevokeToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Authenticate(ctx, alice)
	wantCode(t, err, models.EUnauthorized, "")
	if _, err := s.Authenticate(ctx, bob); err != nil {
		t.Errorf("revoking alice's token refused bob's: %v", err)
	}

	list, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Name != "alice" || list[0].RevokedAt == nil {
		t.Fatalf("alice's token is not listed as revoked: %+v", list[0])
	}
	first := *list[0].RevokedAt
	if err := s.RevokeToken(ctx, "alice"); err != nil {
		t.Errorf("revoking again: %v; want no error", err)
	}
	list, _ = s.ListTokens(ctx)
	if !list[0].RevokedAt.Equal(first) {
		t.Errorf("revoking again moved revoked_at from %v to %v", first, *list[0].RevokedAt)
	}
	wantCode(t, s.RevokeToken(ctx, "carol"), models.ENotFound, "")
}

func TestListTokens(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListTokens on a fresh store = %+v, %v; want none", list, err)
	}
	tokens := map[string]string{}
	for _, n := range []string{"zoe", "alice", "mo.b"} {
		tokens[n] = mustCreateToken(t, s, n, models.RoleCurator)
	}
	if _, err := s.Authenticate(ctx, tokens["zoe"]); err != nil {
		t.Fatal(err)
	}
	list, err = s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, info := range list {
		names = append(names, info.Name)
		if info.Role != models.RoleCurator || info.CreatedAt.IsZero() || info.RevokedAt != nil {
			t.Errorf("%+v: want a valid curator token with its creation time", info)
		}
		if tok := tokens[info.Name]; len(info.Prefix) < 8 || !strings.HasPrefix(tok, info.Prefix) || len(info.Prefix) > len(tok)/4 {
			t.Errorf("%s: prefix %q is not a short start of the token", info.Name, info.Prefix)
		}
		if used := info.LastUsedAt != nil; used != (info.Name == "zoe") {
			t.Errorf("%s: last used %v; only zoe's token has been used", info.Name, info.LastUsedAt)
		}
	}
	if strings.Join(names, " ") != "alice mo.b zoe" {
		t.Errorf("names %v; want alice mo.b zoe, in name order", names)
	}
}

func TestCreateTokenRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	mustCreateToken(t, s, "alice", models.RoleCurator)
	if err := s.RevokeToken(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		role  models.Role
		field string
	}{
		{"alice", models.RoleCurator, "name"}, // taken, though revoked
		{"alice", models.RoleAdmin, "name"},
		{"", models.RoleCurator, "name"},
		{"has space", models.RoleCurator, "name"},
		{"semi;colon", models.RoleCurator, "name"},
		{"ünïcode", models.RoleCurator, "name"},
		{strings.Repeat("a", 65), models.RoleCurator, "name"},
		{"bob", "root", "role"},
		{"bob", "", "role"},
		{"bob", "Admin", "role"},
	}
	for _, tc := range cases {
		tok, err := s.CreateToken(ctx, tc.name, tc.role)
		if tok != "" {
			t.Errorf("CreateToken(%q, %q) gave a token", tc.name, tc.role)
		}
		wantCode(t, err, models.EInvalid, tc.field)
	}
	mustCreateToken(t, s, strings.Repeat("a", 64), models.RoleCurator)
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("ListTokens = %d tokens, %v; want alice's and the 64-character name's", len(list), err)
	}
}

// TestTokensAreStoredAsHashes reads the tokens table, and every byte of the database
// files, and finds only the SHA-256 of each token, never the token.
func TestTokensAreStoredAsHashes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kb.db")
	s := mustOpenAt(t, path)
	tokens := []string{mustCreateToken(t, s, "alice", models.RoleCurator), mustCreateToken(t, s, "bob", models.RoleAdmin)}
	if _, err := s.Authenticate(ctx, tokens[0]); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name, role, prefix, hash, created_at, COALESCE(last_used_at, ''), COALESCE(revoked_at, '') FROM tokens ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var i int
	for ; rows.Next(); i++ {
		cols := make([]string, 7)
		if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6]); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(tokens[i]))
		if cols[3] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: hash column %q is not the SHA-256 of the token", cols[0], cols[3])
		}
		for _, c := range cols {
			if strings.Contains(c, tokens[i][len("kbt_")+8:]) {
				t.Errorf("%s: the table holds the token's secret part: %q", cols[0], c)
			}
		}
	}
	if err := rows.Err(); err != nil || i != 2 {
		t.Fatalf("read %d rows, %v; want 2", i, err)
	}

	files, _ := filepath.Glob(path + "*") // the database, its WAL and shared memory
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if bytes.Contains(b, []byte(tok)) || bytes.Contains(b, []byte(tok[len("kbt_")+8:])) {
				t.Errorf("%s holds a token", filepath.Base(f))
			}
		}
	}
}

// TestTokensOutliveImport: replacing the dataset replaces the evidence, not the tokens.
func TestTokensOutliveImport(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	tok := mustCreateToken(t, s, "alice", models.RoleCurator)
	before := s.DatasetVersion()
	d := embedded(t)
	d.Studies = d.Studies[1:]
	other, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, store.Actor{Name: "alice", Role: models.RoleAdmin}, other, false); err != nil {
		t.Fatal(err)
	}
	if s.DatasetVersion() == before {
		t.Fatal("the import did not change the store")
	}
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Errorf("after reseeding, the token is refused: %v", err)
	}
}
