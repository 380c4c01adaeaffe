package catalog

import "github.com/evidence-kb/parental-engagement/models"

// EvidenceSummary summarises an intervention's evidence items, giving each impact item the
// design of its study in this snapshot (models.Intervention.EvidenceSummary).
func (cat *Catalog) EvidenceSummary(iv *models.Intervention) models.EvidenceSummary {
	return iv.EvidenceSummary(cat.study)
}

// study is the live study with id, or nil.
func (cat *Catalog) study(id string) *models.Study {
	if o, ok := cat.studies.byID.get(id); ok {
		return cat.studyRecs.at(o)
	}
	return nil
}
