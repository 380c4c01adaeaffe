package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// logBuffer is a log a test can read while the store writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openWithImage opens the store at loc keeping its image at image, and says whether it
// started from the image.
func openWithImage(t *testing.T, loc, image string) (*store.Store, bool) {
	t.Helper()
	var log logBuffer
	st, err := store.Open(context.Background(), store.Options{DB: loc, Seed: store.EmbeddedSeed(), Image: image, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return st, strings.Contains(log.String(), "started from the catalogue image")
}

func encoded(t *testing.T, st *store.Store) string {
	t.Helper()
	b, err := st.DatasetDocument(st.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A restart starts from the image the last build saved, and then catches up with the
// writes made since, to serve exactly what the database holds.
func TestRestartStartsFromTheImage(t *testing.T) {
	ctx := context.Background()
	loc, image := storetest.Location(t), filepath.Join(t.TempDir(), "kb.image")
	first, fromImage := openWithImage(t, loc, image)
	if fromImage {
		t.Fatal("a first start cannot have an image to start from")
	}
	r, err := first.Catalog().Study("goodall-2011")
	if err != nil {
		t.Fatal(err)
	}
	s := r.Study
	s.Title = "Corrected after the image was saved"
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	if _, err := first.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	want, wantVersion, wantRevision := encoded(t, first), first.DatasetVersion(), first.Revision()
	first.Close()
	if _, err := os.Stat(image); err != nil {
		t.Fatalf("no image saved: %v", err)
	}

	again, fromImage := openWithImage(t, loc, image)
	defer again.Close()
	if !fromImage {
		t.Fatal("the restart did not start from the image")
	}
	if again.DatasetVersion() != wantVersion || again.Revision() != wantRevision {
		t.Errorf("restarted at version %s, revision %d; want %s, %d", again.DatasetVersion(), again.Revision(), wantVersion, wantRevision)
	}
	if got := encoded(t, again); got != want {
		t.Error("the restarted store serves other data than the database holds")
	}
}

// An image that is damaged, or that belongs to another database's history, is ignored:
// the store builds from its own tables.
func TestForeignOrDamagedImageIsIgnored(t *testing.T) {
	ctx := context.Background()
	image := filepath.Join(t.TempDir(), "kb.image")
	seed, _ := retitledSeed(t, "Seeded differently elsewhere")
	other, err := store.Open(ctx, store.Options{DB: storetest.Location(t), Seed: store.DocumentSeed(store.EmbeddedSource, seed), Image: image})
	if err != nil {
		t.Fatal(err)
	}
	other.Close()

	loc := storetest.Location(t)
	st, err := store.Open(ctx, store.Options{DB: loc, Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := st.Catalog().Study("goodall-2011")
	s := r.Study
	s.Title = "Only in this database"
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	if _, err := st.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	want := encoded(t, st)
	st.Close()

	foreign, fromImage := openWithImage(t, loc, image)
	got := encoded(t, foreign)
	foreign.Close()
	if fromImage || got != want {
		t.Errorf("another database's image was used (started from it: %v; same data: %v)", fromImage, got == want)
	}

	raw, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(image, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	damaged, fromImage := openWithImage(t, loc, image)
	defer damaged.Close()
	if fromImage || encoded(t, damaged) != want {
		t.Error("a damaged image was used")
	}
}

// A first start builds the catalogue, saves its image, and then serves from the image:
// the same data, at the same revision and version, with most of it out of the heap.
func TestFirstStartServesFromItsImage(t *testing.T) {
	var log logBuffer
	st, err := store.Open(context.Background(), store.Options{DB: storetest.Location(t), Seed: store.EmbeddedSeed(), Image: filepath.Join(t.TempDir(), "kb.image"),
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	built, version, revision := st.Catalog(), st.DatasetVersion(), st.Revision()
	want := encoded(t, st)
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(log.String(), "serving from the catalogue image"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still serving the build:\n%s", log.String())
		}
	}
	if st.Catalog() == built {
		t.Error("the log says the image is served, but the build still is")
	}
	if st.DatasetVersion() != version || st.Revision() != revision || encoded(t, st) != want {
		t.Error("the image serves other data than the build did")
	}
}

// A seed file's hash is kept beside the image, and a changed file is noticed: a store
// without edits takes the new seed at its next start.
func TestSeedFileChangesAreNoticed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seedPath, image, loc := filepath.Join(dir, "seed.json"), filepath.Join(dir, "kb.image"), storetest.Location(t)
	if err := os.WriteFile(seedPath, store.EmbeddedDataset(), 0o644); err != nil {
		t.Fatal(err)
	}
	seed, err := store.FileSeed(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{DB: loc, Seed: seed, Image: image})
	if err != nil {
		t.Fatal(err)
	}
	if st.DatasetVersion() != models.DocumentVersion(store.EmbeddedDataset()) {
		t.Errorf("seeded at version %s", st.DatasetVersion())
	}
	st.Close()
	if _, err := os.Stat(image + ".seed"); err != nil {
		t.Fatalf("no note of the seed's hash: %v", err)
	}

	raw, retitled := retitledSeed(t, "A corrected title in a new seed")
	if err := os.WriteFile(seedPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(ctx, store.Options{DB: loc, Seed: seed, Image: image})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, err := st.Catalog().Study(retitled.ID); err != nil || got.Study.Title != retitled.Title {
		t.Errorf("the new seed was not applied: %+v, %v", got, err)
	}
}

// retitledSeed is the embedded dataset with its first study's title changed, and that study.
func retitledSeed(t *testing.T, title string) ([]byte, models.Study) {
	t.Helper()
	d := embedded(t)
	d.Studies[0].Title = title
	raw, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	return raw, d.Studies[0]
}

// The catalogue image lives beside a SQLite store, in the cache directory for a
// PostgreSQL one (named by a hash: no password in a file name), where -catalog-image says,
// or nowhere.
func TestCatalogImagePath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/var/cache/test")
	pg := "postgres://kb:secret@db.example:5432/kb?sslmode=disable"
	for _, c := range []struct{ flag, db, want string }{
		{"", "/srv/kb.db", "/srv/kb.db.image"},
		{"/tmp/x.image", "/srv/kb.db", "/tmp/x.image"},
		{"off", "/srv/kb.db", ""},
		{"off", pg, ""},
	} {
		if got := store.ImagePath(c.flag, c.db); got != c.want {
			t.Errorf("store.ImagePath(%q, %q) = %q; want %q", c.flag, c.db, got, c.want)
		}
	}
	got := store.ImagePath("", pg)
	if !strings.HasPrefix(got, "/var/cache/test/evidence-kb/") || !strings.HasSuffix(got, ".image") || strings.Contains(got, "secret") {
		t.Errorf("ImagePath for PostgreSQL = %q", got)
	}
	if other := store.ImagePath("", strings.Replace(pg, "/kb?", "/kb2?", 1)); other == got {
		t.Error("two databases share one image path")
	}
}
