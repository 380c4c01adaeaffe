package catalog_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// Each kind's links are exactly the references a scan of every record finds: evidence
// items that cite a study, studies that name an intervention.
func TestLinksToMatchAScan(t *testing.T) {
	cat := mustCatalog(t)
	d := cat.Dataset()
	for _, s := range d.Studies {
		var want []catalog.Link
		for _, iv := range d.Interventions {
			for j, e := range iv.Evidence {
				if e.StudyID != nil && *e.StudyID == s.ID {
					want = append(want, catalog.Link{Kind: models.KindIntervention, ID: iv.ID, Field: fmt.Sprintf("evidence[%d].study_id", j)})
				}
			}
		}
		if got := catalog.StudyKind.LinksTo(cat, s.ID); !sameLinks(got, want) {
			t.Errorf("links to study %s = %v; want %v", s.ID, got, want)
		}
	}
	for _, iv := range d.Interventions {
		var want []catalog.Link
		for _, s := range d.Studies {
			if slices.Contains(s.Interventions, iv.ID) {
				want = append(want, catalog.Link{Kind: models.KindStudy, ID: s.ID, Field: "interventions"})
			}
		}
		if got := catalog.InterventionKind.LinksTo(cat, iv.ID); !sameLinks(got, want) {
			t.Errorf("links to intervention %s = %v; want %v", iv.ID, got, want)
		}
	}
	if got := catalog.StudyKind.LinksTo(cat, "no-such-study"); got != nil {
		t.Errorf("links to an unknown study = %v", got)
	}
}

func sameLinks(a, b []catalog.Link) bool {
	key := func(l catalog.Link) string { return l.Kind + "/" + l.ID + "." + l.Field }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, l := range a {
		ka[i] = key(l)
	}
	for i, l := range b {
		kb[i] = key(l)
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// Deleting a record with its links unlinked leaves no reference to it, and each
// referring record is otherwise as it was.
func TestUnlinkLeavesNoReference(t *testing.T) {
	cat := mustCatalog(t)
	d := cat.Dataset()
	cited := func() string {
		for _, iv := range d.Interventions {
			for _, e := range iv.Evidence {
				if e.StudyID != nil {
					return *e.StudyID
				}
			}
		}
		t.Fatal("no evidence item cites a study")
		return ""
	}()
	named := func() string {
		for _, s := range d.Studies {
			if len(s.Interventions) > 0 {
				return s.Interventions[0]
			}
		}
		t.Fatal("no study names an intervention")
		return ""
	}()
	for _, c := range []struct {
		name        string
		id          string
		links       func(*catalog.Catalog, string) []catalog.Link
		unlink      func(*catalog.Catalog, string, *catalog.Change) []catalog.Unlinked
		deleteInto  func(*catalog.Change, string)
		deletedFrom func(catalog.Change) []string
	}{
		{"study", cited, catalog.StudyKind.LinksTo, catalog.StudyKind.Unlink, catalog.StudyKind.Delete,
			func(ch catalog.Change) []string { return ch.DeleteStudies }},
		{"intervention", named, catalog.InterventionKind.LinksTo, catalog.InterventionKind.Unlink, catalog.InterventionKind.Delete,
			func(ch catalog.Change) []string { return ch.DeleteInterventions }},
	} {
		t.Run(c.name, func(t *testing.T) {
			links := c.links(cat, c.id)
			var ch catalog.Change
			c.deleteInto(&ch, c.id)
			unlinked := c.unlink(cat, c.id, &ch)
			referrers := map[string]bool{}
			for _, l := range links {
				referrers[l.Kind+"/"+l.ID] = true
			}
			if len(unlinked) != len(referrers) {
				t.Fatalf("%d records unlinked; %d refer to %s", len(unlinked), len(referrers), c.id)
			}
			for _, u := range unlinked {
				if !referrers[u.Kind+"/"+u.ID] || reflect.DeepEqual(u.Before, u.After) {
					t.Errorf("unlinked %s/%s: before %+v, after %+v", u.Kind, u.ID, u.Before, u.After)
				}
			}
			if got := c.deletedFrom(ch); !slices.Equal(got, []string{c.id}) {
				t.Errorf("the change deletes %v", got)
			}
			next := cat.Apply(ch, "next")
			if _, found := next.ETag(c.name, c.id); found {
				t.Errorf("%s %s is still there", c.name, c.id)
			}
			for _, s := range next.Dataset().Studies {
				if slices.Contains(s.Interventions, c.id) {
					t.Errorf("study %s still names %s", s.ID, c.id)
				}
			}
			for _, iv := range next.Dataset().Interventions {
				for _, e := range iv.Evidence {
					if e.StudyID != nil && *e.StudyID == c.id {
						t.Errorf("intervention %s still cites %s", iv.ID, c.id)
					}
				}
			}
		})
	}
}

// What a caller holding only a kind's name finds is what the kind itself finds.
func TestLookupsByNameAgreeWithTheKinds(t *testing.T) {
	cat := mustCatalog(t)
	s := cat.Dataset().Studies[0]
	r, err := catalog.StudyKind.Detail(cat, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if etag, ok := cat.ETag(catalog.StudyKind.Name, s.ID); !ok || etag != r.ETag() || r.Record().ID != s.ID {
		t.Errorf("ETag(study, %s) = %q, %v; the study kind says %q", s.ID, etag, ok, r.ETag())
	}
	if _, ok := cat.ETag(catalog.InterventionKind.Name, s.ID); ok {
		t.Errorf("a study's id names an intervention")
	}
	theme := catalog.ThemeKind.Values(cat)[0]
	item, etag, ok := cat.VocabularyItem(catalog.ThemeKind.Name, theme.Slug)
	want, wantETag, _ := catalog.ThemeKind.Item(cat, theme.Slug)
	if !ok || item != any(want) || etag != wantETag {
		t.Errorf("VocabularyItem(theme, %s) = %v, %q, %v; want %v, %q", theme.Slug, item, etag, ok, want, wantETag)
	}
	if item, _, ok := cat.VocabularyItem(catalog.StrandKind.Name, theme.Slug); ok || item != nil {
		t.Errorf("a theme's slug names a strand: %v", item)
	}
	studies, ivs := cat.TagUse(catalog.ThemeKind.Name, theme.Slug)
	if ws, wi := catalog.ThemeKind.TagUse(cat, theme.Slug); studies != ws || ivs != wi || studies == 0 {
		t.Errorf("TagUse(theme, %s) = %d, %d; the theme kind says %d, %d", theme.Slug, studies, ivs, ws, wi)
	}
}
