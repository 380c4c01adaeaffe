package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// mustOpen opens a fresh store seeded with the embedded dataset in a temporary directory.
func mustOpen(tb testing.TB) *store.Store {
	tb.Helper()
	return mustOpenAt(tb, storetest.Location(tb))
}

// mustOpenAt opens a store on loc, seeding it with the embedded dataset if it is empty,
// and closes it when the test ends; two calls on one loc are two replicas.
func mustOpenAt(tb testing.TB, loc string) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), store.Options{DB: loc, Seed: store.EmbeddedSeed()})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// embedded is a fresh copy of the dataset the binary ships, the caller's to change.
func embedded(tb testing.TB) *models.Dataset {
	tb.Helper()
	d, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustStudies(tb testing.TB, s *store.Store, q catalog.Query) *catalog.Page[models.Study] {
	tb.Helper()
	p, err := s.Catalog().Studies(q)
	if err != nil {
		tb.Fatalf("Studies(%+v): %v", q, err)
	}
	return p
}

func TestOpenSeedsEmbeddedDataset(t *testing.T) {
	s := mustOpen(t)
	d := embedded(t)
	p := mustStudies(t, s, catalog.Query{})
	if p.Total != len(d.Studies) {
		t.Errorf("total studies = %d; want %d", p.Total, len(d.Studies))
	}
	ip, err := s.Catalog().Interventions(catalog.Query{})
	if err != nil || ip.Total != len(d.Interventions) {
		t.Errorf("interventions = %v, %v; want %d", ip, err, len(d.Interventions))
	}
	if got, want := s.DatasetVersion(), models.DocumentVersion(store.EmbeddedDataset()); got != want {
		t.Errorf("DatasetVersion = %q; want %q", got, want)
	}
	if studies, ivs := s.Catalog().Size(); studies != len(d.Studies) || ivs != len(d.Interventions) {
		t.Errorf("Size = %d, %d; want %d, %d", studies, ivs, len(d.Studies), len(d.Interventions))
	}
	if s.BuildDuration() <= 0 {
		t.Errorf("BuildDuration = %v; want the time the catalogue took to build", s.BuildDuration())
	}
}

// An invalid seed document is refused, and leaves an empty store empty.
func TestOpenRefusesInvalidSeed(t *testing.T) {
	path := storetest.Location(t)
	ctx := context.Background()
	bad := []byte(`{"format_version":1,"themes":[],"strands":[],"disadvantages":[],"studies":[{"id":"x","year":1999}],"interventions":[]}`)
	if _, err := store.Open(ctx, store.Options{DB: path, Seed: store.DocumentSeed("test", bad)}); err == nil {
		t.Fatal("Open with an invalid seed succeeded")
	}
	s := mustOpenAt(t, path)
	if p := mustStudies(t, s, catalog.Query{}); p.Total != 110 {
		t.Fatalf("after the refused seed, the embedded one gave %d studies", p.Total)
	}
}

// The database is the source of truth: a store that curators have edited keeps its data
// when it is opened with another seed document, and says that a newer dataset is available.
func TestOpenKeepsEditedStoreWhenSeedChanges(t *testing.T) {
	path := storetest.Location(t)
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{DB: path, Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Catalog().Study("goodall-2011")
	if err != nil {
		t.Fatal(err)
	}
	edited := r.Study
	edited.Title = "A curator's correction"
	if _, err := s.Write(ctx, store.RecordWrite{Actor: store.Actor{Name: "alice", Role: models.RoleCurator}, Kind: models.KindStudy,
		Op: models.OpUpdate, ID: edited.ID, Study: &edited, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	version := s.DatasetVersion()
	s.Close()
	d := embedded(t)
	d.Studies = d.Studies[:10]
	other, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	s, err = store.Open(ctx, store.Options{DB: path, Seed: store.DocumentSeed(store.EmbeddedSource, other), Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := mustStudies(t, s, catalog.Query{}); p.Total != 110 || s.DatasetVersion() != version {
		t.Fatalf("the store changed on open: %d studies, version %s (was %s)", p.Total, s.DatasetVersion(), version)
	}
	if !strings.Contains(logged.String(), "apply the other dataset with import") {
		t.Errorf("Open did not say a newer dataset is available; it logged:\n%s", logged.String())
	}
}

// A store nobody has edited takes a new seed document at start, as an audited import.
func TestOpenAppliesNewSeedToUneditedStore(t *testing.T) {
	path, ctx := seededStore(t), context.Background()
	d := embedded(t)
	d.Studies[0].Title = "A title from the new seed"
	other, err := models.EncodeDataset(d)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, store.Options{DB: path, Seed: store.DocumentSeed(store.EmbeddedSource, other)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Catalog().Study(d.Studies[0].ID); err != nil || r.Study.Title != "A title from the new seed" {
		t.Fatalf("the new seed was not applied: %v", err)
	}
	entries, _, err := s.Audit(ctx, store.AuditQuery{Actor: "seed", Page: 1, PerPage: 5})
	if err != nil || len(entries) != 1 || entries[0].Operation != models.OpImport {
		t.Errorf("the new seed was not audited as an import: %+v, %v", entries, err)
	}
}

// A store seeded from one source is never re-seeded from another, edited or not: a
// store filled from a file keeps its records when a start offers the embedded dataset.
func TestOpenNeverTakesAnotherSource(t *testing.T) {
	path, ctx := storetest.Location(t), context.Background()
	fromFile, retitled := retitledSeed(t, "A title only the file has")
	s, err := store.Open(ctx, store.Options{DB: path, Seed: store.DocumentSeed("file:/srv/review.json", fromFile)})
	if err != nil {
		t.Fatal(err)
	}
	version := s.DatasetVersion()
	s.Close()
	for _, opts := range []store.Options{{DB: path, Seed: store.EmbeddedSeed()}, {DB: path}} {
		s, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Catalog().Study(retitled.ID)
		if err != nil || r.Study.Title != retitled.Title || s.DatasetVersion() != version {
			t.Errorf("opened with seed %v, the store is at version %s (want %s), study title %q (%v)", opts.Seed != nil, s.DatasetVersion(), version, r.Study.Title, err)
		}
		s.Close()
	}
}

// A store read back from the database holds every record exactly as seeded: each field,
// and every list (themes, strands, links, evidence) in its order.
func TestReloadedRecordsAreTheSeeded(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{DB: seededStore(t)}) // read back, not the seed's own copy
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed := embedded(t)
	got := s.Catalog().Dataset()
	byID := func(a, b models.Study) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(seed.Studies, byID)
	slices.SortFunc(got.Studies, byID)
	if len(got.Studies) != len(seed.Studies) {
		t.Fatalf("%d studies; want %d", len(got.Studies), len(seed.Studies))
	}
	for i := range seed.Studies {
		if !reflect.DeepEqual(got.Studies[i], seed.Studies[i]) {
			t.Fatalf("study %s read back differs:\n got %+v\nwant %+v", seed.Studies[i].ID, got.Studies[i], seed.Studies[i])
		}
	}
	ivByID := func(a, b models.Intervention) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(seed.Interventions, ivByID)
	slices.SortFunc(got.Interventions, ivByID)
	if !reflect.DeepEqual(got.Interventions, seed.Interventions) {
		t.Error("the interventions read back differ from the seeded ones")
	}
}

// seededStore is the location of a store seeded with the embedded dataset and closed.
func seededStore(t *testing.T) string {
	t.Helper()
	path := storetest.Location(t)
	s, err := store.Open(context.Background(), store.Options{DB: path, Seed: store.EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}
