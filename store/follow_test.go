package store_test

import (
	"context"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// Two processes on one database: what one writes, the other serves after it syncs, at the
// same revision, version and ETags; and a write on a stale replica catches up first.
func TestReplicasAgree(t *testing.T) {
	ctx := context.Background()
	loc := storetest.Location(t)
	a, b := mustOpenAt(t, loc), mustOpenAt(t, loc)
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	agree := func(step string) {
		t.Helper()
		if err := b.Sync(ctx); err != nil {
			t.Fatalf("%s: sync: %v", step, err)
		}
		if a.Revision() != b.Revision() || a.DatasetVersion() != b.DatasetVersion() {
			t.Fatalf("%s: replicas at revision %d/%d, version %s/%s", step, a.Revision(), b.Revision(), a.DatasetVersion(), b.DatasetVersion())
		}
		da, db := a.Catalog().Dataset(), b.Catalog().Dataset()
		ea, _ := models.EncodeDataset(da)
		eb, _ := models.EncodeDataset(db)
		if string(ea) != string(eb) {
			t.Fatalf("%s: the replicas serve different data", step)
		}
		for _, s := range da.Studies[:5] {
			ta, _ := a.Catalog().ETag(models.KindStudy, s.ID)
			tb, _ := b.Catalog().ETag(models.KindStudy, s.ID)
			if ta != tb {
				t.Fatalf("%s: ETags of %s differ", step, s.ID)
			}
		}
	}
	r, err := a.Catalog().Study("goodall-2011")
	if err != nil {
		t.Fatal(err)
	}
	s := r.Study
	s.Title = "Corrected on replica A"
	if _, err := a.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	agree("update")
	if got, _ := b.Catalog().Study("goodall-2011"); got.Study.Title != "Corrected on replica A" {
		t.Fatal("B does not serve A's write")
	}

	// B writes while it is behind A: it catches up, then writes
	r, _ = a.Catalog().Study("lindsay-2008")
	s = r.Study
	s.Year = 2009
	if _, err := a.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s.ID, Study: &s, IfMatch: []string{r.ETag()}}); err != nil {
		t.Fatal(err)
	}
	stale, _ := b.Catalog().Study("lindsay-2008") // B has not synced
	s2 := stale.Study
	s2.Title = "A change made without seeing A's"
	_, err = b.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s2.ID, Study: &s2, IfMatch: []string{stale.ETag()}})
	if e, ok := err.(*models.Error); !ok || e.Code != models.EPreconditionFailed {
		t.Fatalf("a write on a stale ETag through the stale replica = %v; want a precondition failure", err)
	}
	other, _ := b.Catalog().Study("kirk-2011")
	s3 := other.Study
	s3.Title = "Written through B"
	if _, err := b.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpUpdate, ID: s3.ID, Study: &s3, IfMatch: []string{other.ETag()}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	agree("writes on both")

	// deletes with unlinks, a vocabulary change and an import travel too
	r, _ = a.Catalog().Study("lindsay-2013")
	if _, err := a.Write(ctx, store.RecordWrite{Actor: alice, Kind: models.KindStudy, Op: models.OpDelete, ID: "lindsay-2013", IfMatch: []string{r.ETag()}, Unlink: true}); err != nil {
		t.Fatal(err)
	}
	agree("delete with unlink")
	theme, etag, _ := a.Catalog().VocabularyItem(models.KindTheme, "family-learning")
	th := theme.(models.Theme)
	th.Name = "Family learning, renamed"
	if _, err := a.WriteVocabulary(ctx, store.VocabularyWrite{Actor: alice, Kind: models.KindTheme, Slug: th.Slug, Item: th, IfMatch: []string{etag}}); err != nil {
		t.Fatal(err)
	}
	agree("vocabulary")
	doc, err := a.DatasetDocument(a.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.ParseDataset(doc)
	if err != nil {
		t.Fatal(err)
	}
	d.Studies[0].Title = "Changed by an import"
	raw, _ := models.EncodeDataset(d)
	if _, err := a.Import(ctx, alice, raw, false); err != nil {
		t.Fatal(err)
	}
	agree("import")
}
