package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// A vocabulary write says what it did to the value, as its audit entry records it: a put
// of a new value creates it, a put of an existing one replaces it, and a delete deletes it.
func TestWriteVocabularyReportsItsOperation(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t)
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	for _, v := range []struct {
		kind, slug    string
		first, second any
	}{
		{models.KindTheme, "community-learning",
			models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings."},
			models.Theme{Slug: "community-learning", Name: "Learning in the community", Description: "Learning in community settings."}},
		{models.KindStrand, "local-partnerships",
			models.Strand{Slug: "local-partnerships", Name: "Local partnerships", Description: "Schools working with local services."},
			models.Strand{Slug: "local-partnerships", Name: "Partnerships", Description: "Schools working with local services."}},
		{models.KindDisadvantage, "young-carers",
			models.DisadvantageFocus{Slug: "young-carers", Name: "Young carers", Description: "Children who care for a family member."},
			models.DisadvantageFocus{Slug: "young-carers", Name: "Carers", Description: "Children who care for a family member."}},
	} {
		t.Run(v.kind, func(t *testing.T) {
			w, err := st.WriteVocabulary(ctx, store.VocabularyWrite{Actor: alice, Kind: v.kind, Slug: v.slug, Item: v.first})
			if err != nil || w.Op != models.OpCreate {
				t.Fatalf("put of a new value: %+v, %v; want %s", w, err, models.OpCreate)
			}
			if w.Catalog != st.Catalog() {
				t.Error("the write does not return the snapshot it published")
			}
			item, etag, ok := st.Catalog().VocabularyItem(v.kind, v.slug)
			if !ok || item != v.first {
				t.Fatalf("after create: %v, %v", item, ok)
			}
			w, err = st.WriteVocabulary(ctx, store.VocabularyWrite{Actor: alice, Kind: v.kind, Slug: v.slug, Item: v.second, IfMatch: []string{etag}})
			if err != nil || w.Op != models.OpUpdate {
				t.Fatalf("put of an existing value: %+v, %v; want %s", w, err, models.OpUpdate)
			}
			if item, _, _ := w.Catalog.VocabularyItem(v.kind, v.slug); item != v.second {
				t.Errorf("after replace: %v", item)
			}
			w, err = st.WriteVocabulary(ctx, store.VocabularyWrite{Actor: alice, Kind: v.kind, Slug: v.slug, Delete: true, IfMatch: []string{"*"}})
			if err != nil || w.Op != models.OpDelete {
				t.Fatalf("delete: %+v, %v; want %s", w, err, models.OpDelete)
			}
			if _, _, ok := w.Catalog.VocabularyItem(v.kind, v.slug); ok {
				t.Error("the deleted value is still served")
			}
			entries, total, err := st.Audit(ctx, store.AuditQuery{Kind: v.kind, RecordID: v.slug, Page: 1, PerPage: 10})
			if err != nil || total != 3 {
				t.Fatalf("audit: %d entries, %v", total, err)
			}
			for i, op := range []string{models.OpDelete, models.OpUpdate, models.OpCreate} { // newest first
				if entries[i].Operation != op {
					t.Errorf("audit entry %d is a %s; want %s", i, entries[i].Operation, op)
				}
			}
			if entries[2].Before != nil || entries[0].After != nil {
				t.Errorf("a create has a before (%s), or a delete an after (%s)", entries[2].Before, entries[0].After)
			}
		})
	}
}

// Two processes put the same new value at once: the one whose transaction commits first
// created it, and the other, planned again against the value it then finds, replaced it.
func TestWriteVocabularyCreatesOnceUnderRace(t *testing.T) {
	ctx := context.Background()
	loc := storetest.Location(t)
	stores := []*store.Store{mustOpenAt(t, loc), mustOpenAt(t, loc)}
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	ops := make([]string, 4)
	var wg sync.WaitGroup
	for i := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			th := models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings."}
			w, err := stores[i%2].WriteVocabulary(ctx, store.VocabularyWrite{Actor: alice, Kind: models.KindTheme, Slug: th.Slug, Item: th, IfMatch: []string{"*"}})
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
				return
			}
			ops[i] = w.Op
		}()
	}
	wg.Wait()
	created := 0
	for _, op := range ops {
		if op == models.OpCreate {
			created++
		}
	}
	if created != 1 {
		t.Errorf("operations %v: want exactly one %s", ops, models.OpCreate)
	}
	_, total, err := stores[0].Audit(ctx, store.AuditQuery{Kind: models.KindTheme, RecordID: "community-learning", Operation: models.OpCreate, Page: 1, PerPage: 10})
	if err != nil || total != 1 {
		t.Errorf("the audit log holds %d creates (%v); want 1", total, err)
	}
}

// A write naming no vocabulary, or carrying another vocabulary's value, is refused and
// changes nothing.
func TestWriteVocabularyRefusesAMismatchedWrite(t *testing.T) {
	ctx := context.Background()
	st := mustOpen(t)
	alice := store.Actor{Name: "alice", Role: models.RoleAdmin, RequestID: "r1"}
	revision := st.Revision()
	th := models.Theme{Slug: "community-learning", Name: "Community learning", Description: "Learning in community settings."}
	for _, w := range []store.VocabularyWrite{
		{Actor: alice, Kind: models.KindStudy, Slug: th.Slug, Item: th},
		{Actor: alice, Kind: "colour", Slug: th.Slug, Item: th},
		{Actor: alice, Kind: models.KindStrand, Slug: th.Slug, Item: th},
	} {
		if _, err := st.WriteVocabulary(ctx, w); err == nil {
			t.Errorf("a %s write carrying a theme is accepted", w.Kind)
		}
	}
	if st.Revision() != revision {
		t.Errorf("refused writes moved the revision from %d to %d", revision, st.Revision())
	}
}
