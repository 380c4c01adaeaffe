package synth_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
)

func base(t *testing.T) *models.Dataset {
	t.Helper()
	raw, err := os.ReadFile("../../store/seed/dataset.json")
	if err != nil {
		t.Fatal(err)
	}
	var d models.Dataset
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestGenerateIsValidAndDeterministic(t *testing.T) {
	b := base(t)
	d := synth.Generate(b, 2000, 7)
	if len(d.Studies) != 2000 || len(d.Interventions) != 200 {
		t.Fatalf("generated %d studies, %d interventions", len(d.Studies), len(d.Interventions))
	}
	if errs := d.Validate(); len(errs) > 0 {
		t.Fatalf("synthetic dataset does not validate: %d problems, first %+v", len(errs), errs[0])
	}
	if again := synth.Generate(b, 2000, 7); !reflect.DeepEqual(d, again) {
		t.Error("the same seed gave a different dataset")
	}
	if other := synth.Generate(b, 2000, 8); reflect.DeepEqual(d.Studies[0], other.Studies[0]) {
		t.Error("another seed gave the same dataset")
	}
}
