//go:build unix

package catalog_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/models"
)

// A catalogue read from an image mapped read-only, as the store maps it, answers and takes
// writes without writing into the image: a write there would crash this test.
func TestImageMappedReadOnlyTakesWrites(t *testing.T) {
	cat := mustCatalog(t)
	path := filepath.Join(t.TempDir(), "kb.image")
	if err := os.WriteFile(path, writeImage(t, cat, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	data, err := syscall.Mmap(int(f.Fd()), 0, int(info.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	mapped, _, err := catalog.ReadImage(data)
	if err != nil {
		t.Fatal(err)
	}
	d := cat.Dataset()
	changed := d.Studies[5]
	changed.Title, changed.Authors = "Zebras and their fathers", append(changed.Authors, "Zed, A.")
	ch := catalog.Change{PutStudies: []models.Study{changed}, DeleteStudies: []string{d.Studies[6].ID},
		DeleteInterventions: []string{d.Interventions[0].ID}}
	if got, want := ask(t, mapped.Apply(ch, "v2")), ask(t, cat.Apply(ch, "v2")); got != want {
		t.Fatalf("after a write:\n%s", firstDiff(got, want))
	}
}
