package catalog_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
)

func writeImage(t *testing.T, cat *catalog.Catalog, stamp int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := cat.WriteImage(&b, stamp); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A catalogue read from its image answers every question as the one built from the
// records did, and saving it again gives the same bytes: nothing is lost on the way.
func TestImageAnswersAsTheBuild(t *testing.T) {
	base := mustCatalog(t)
	for name, cat := range map[string]*catalog.Catalog{
		"curated":   base,
		"synthetic": catalog.New(synth.Generate(base.Dataset(), 3000, 7), "synthetic"),
	} {
		t.Run(name, func(t *testing.T) {
			image := writeImage(t, cat, 42)
			loaded, stamp, err := catalog.ReadImage(image)
			if err != nil {
				t.Fatal(err)
			}
			if stamp != 42 || loaded.Version() != cat.Version() {
				t.Errorf("stamp %d, version %q; want 42, %q", stamp, loaded.Version(), cat.Version())
			}
			if got, want := ask(t, loaded), ask(t, cat); got != want {
				t.Fatalf("the loaded catalogue answers differently:\n%s", firstDiff(got, want))
			}
			if !reflect.DeepEqual(loaded.Dataset(), cat.Dataset()) {
				t.Error("the loaded records differ from the built ones")
			}
			if again := writeImage(t, loaded, 42); !bytes.Equal(again, image) {
				t.Error("saving the loaded catalogue gives other bytes")
			}
		})
	}
}

// A loaded catalogue takes writes as a built one does.
func TestImageTakesWrites(t *testing.T) {
	cat := mustCatalog(t)
	loaded, _, err := catalog.ReadImage(writeImage(t, cat, 1))
	if err != nil {
		t.Fatal(err)
	}
	s := cat.Dataset().Studies[3]
	s.Title = "Zebras at home"
	ch := catalog.Change{PutStudies: []models.Study{s}, DeleteStudies: []string{cat.Dataset().Studies[4].ID}}
	if got, want := ask(t, loaded.Apply(ch, "v2")), ask(t, cat.Apply(ch, "v2")); got != want {
		t.Fatalf("after a write:\n%s", firstDiff(got, want))
	}
}

// A foreign or cut-short file is refused with ErrImage, never a panic, and so is a
// damaged one by CheckImage; a snapshot a write derived is not saved (the image holds
// fresh builds only).
func TestImageRefusesDamage(t *testing.T) {
	cat := mustCatalog(t)
	image := writeImage(t, cat, 1)
	for name, data := range map[string][]byte{
		"empty": nil, "foreign": []byte("SQLite format 3\x00"), "truncated": image[:len(image)-100],
		"header only": image[:12], "cut in the middle": append(bytes.Clone(image[:len(image)/2]), image[len(image)-12:]...),
	} {
		if _, _, err := catalog.ReadImage(data); !errors.Is(err, catalog.ErrImage) {
			t.Errorf("%s: err = %v; want ErrImage", name, err)
		}
		if err := catalog.CheckImage(bytes.NewReader(data), int64(len(data))); !errors.Is(err, catalog.ErrImage) {
			t.Errorf("%s: CheckImage: err = %v; want ErrImage", name, err)
		}
	}
	if err := catalog.CheckImage(bytes.NewReader(image), int64(len(image))); err != nil {
		t.Fatalf("CheckImage refuses a sound image: %v", err)
	}
	for _, at := range []int{9, len(image) / 3, len(image) / 2, len(image) - 5} {
		flipped := bytes.Clone(image)
		flipped[at] ^= 0x40
		if err := catalog.CheckImage(bytes.NewReader(flipped), int64(len(flipped))); !errors.Is(err, catalog.ErrImage) {
			t.Errorf("a bit flipped at %d: err = %v; want ErrImage", at, err)
		}
	}
	s := cat.Dataset().Studies[0]
	if err := cat.Apply(catalog.Change{PutStudies: []models.Study{s}}, "v2").WriteImage(&bytes.Buffer{}, 2); err == nil {
		t.Error("a snapshot derived by a write was saved")
	}
}
