package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// Once writes have used half the room the last full build left the catalogue, the next is
// built in the background and swapped in with every write made meanwhile: no write waits
// for a full build, and the catalogue answers as one loaded afresh from the database.
func TestCrowdedCatalogueIsRebuiltInTheBackground(t *testing.T) {
	ctx := context.Background()
	db := storetest.Location(t)
	s, err := Open(ctx, Options{DB: db, Seed: EmbeddedSeed()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	actor := Actor{Name: "test", Role: models.RoleCurator, RequestID: "rebuild"}
	ids := []string{}
	for _, st := range s.Catalog().Dataset().Studies {
		ids = append(ids, st.ID)
	}
	// 110 studies leave room for 64 writes: half of it is used up after 32, and a write
	// past all of it would build afresh in the write itself
	const writes = 60
	for i := range writes {
		r, err := s.Catalog().Study(ids[i%len(ids)])
		if err != nil {
			t.Fatal(err)
		}
		st := r.Study
		st.Title = fmt.Sprintf("Rebuilt in the background, write %d", i)
		if _, err := s.Write(ctx, RecordWrite{Actor: actor, Kind: models.KindStudy, Op: models.OpUpdate, ID: st.ID,
			Study: &st, IfMatch: []string{r.ETag()}}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	s.rebuilding.Wait()
	cat := s.Catalog()
	if cat.Crowded() {
		t.Error("after 60 writes the catalogue has less than half its room: no background build was swapped in")
	}
	if p, err := cat.Studies(catalog.Query{Search: fmt.Sprintf(`"write %d"`, writes-1)}); err != nil || p.Total != 1 {
		t.Errorf("the last write is not found: %v, %v", p, err)
	}
	fresh, err := Open(ctx, Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	got, err := s.DatasetDocument(cat)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fresh.DatasetDocument(fresh.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || cat.Version() != fresh.DatasetVersion() || s.Revision() != fresh.Revision() {
		t.Errorf("the catalogue after a background build differs from the database's: version %s, want %s; revision %d, want %d",
			cat.Version(), fresh.DatasetVersion(), s.Revision(), fresh.Revision())
	}
}
