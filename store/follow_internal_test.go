package store

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/evidence-kb/parental-engagement/models"
)

// changeOf replays the audit entries of record writes, of either kind, as the change they
// made, and declines a revision that holds a vocabulary change or an import.
func TestChangeOfReplaysRecordWrites(t *testing.T) {
	doc := func(v any) *string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		return &s
	}
	study := models.Study{ID: "s1", Title: "A study"}
	iv := models.Intervention{ID: "i1", Name: "An intervention"}
	ch, ok, err := changeOf([]auditRow{
		{ID: 1, Operation: models.OpUpdate, Kind: models.KindStudy, RecordID: "s1", AfterDoc: doc(study)},
		{ID: 2, Operation: models.OpCreate, Kind: models.KindIntervention, RecordID: "i1", AfterDoc: doc(iv)},
		{ID: 3, Operation: models.OpDelete, Kind: models.KindStudy, RecordID: "s2"},
		{ID: 4, Operation: models.OpDelete, Kind: models.KindIntervention, RecordID: "i2"},
	})
	if err != nil || !ok {
		t.Fatalf("changeOf = %v, %v", ok, err)
	}
	if len(ch.PutStudies) != 1 || ch.PutStudies[0].ID != "s1" || ch.PutStudies[0].Title != "A study" ||
		len(ch.PutInterventions) != 1 || ch.PutInterventions[0].ID != "i1" ||
		!slices.Equal(ch.DeleteStudies, []string{"s2"}) || !slices.Equal(ch.DeleteInterventions, []string{"i2"}) {
		t.Errorf("change = %+v", ch)
	}
	// the replayed records are normalised, as the store returns them
	if ch.PutStudies[0].Interventions == nil || ch.PutInterventions[0].Evidence == nil {
		t.Errorf("replayed records are not normalised: %+v", ch)
	}
	for _, rows := range [][]auditRow{
		{{ID: 5, Operation: models.OpUpdate, Kind: models.KindTheme, RecordID: "t", AfterDoc: doc(models.Theme{Slug: "t"})}},
		{{ID: 6, Operation: models.OpImport, Kind: models.KindStudy, RecordID: "s1", AfterDoc: doc(study)}},
		{{ID: 7, Operation: models.OpUpdate, Kind: models.KindStudy, RecordID: "s1", AfterDoc: doc(study)},
			{ID: 8, Operation: models.OpDelete, Kind: models.KindStrand, RecordID: "x"}},
	} {
		if _, ok, err := changeOf(rows); ok || err != nil {
			t.Errorf("changeOf(%s %s) = %v, %v; want false", rows[len(rows)-1].Operation, rows[len(rows)-1].Kind, ok, err)
		}
	}
	bad := "{"
	if _, _, err := changeOf([]auditRow{{ID: 9, Operation: models.OpUpdate, Kind: models.KindIntervention, RecordID: "i1", AfterDoc: &bad}}); err == nil {
		t.Error("a malformed entry is replayed")
	}
}
