package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/evidence-kb/parental-engagement/models"
)

// Row types: private to the store, shaped like the tables.
type (
	metaRow struct {
		Key   string `gorm:"primaryKey"`
		Value string
	}
	themeRow struct {
		Slug        string `gorm:"primaryKey"`
		Position    int
		Name        string
		Description string
		Provisional bool
		Note        *string
		SourceURL   *string `gorm:"column:source_url"`
	}
	strandRow struct {
		Slug        string `gorm:"primaryKey"`
		Position    int
		Name        string
		Description string
		Provisional bool
		Note        *string
	}
	disadvantageRow struct {
		Slug        string `gorm:"primaryKey"`
		Position    int
		Name        string
		Description string
	}
	studyRow struct {
		ID                string `gorm:"primaryKey"`
		Position          int
		Title             string
		Authors           []string `gorm:"serializer:json"`
		Year              int
		Type              string
		Venue             *string
		DOI               *string `gorm:"column:doi"`
		URL               *string `gorm:"column:url"`
		Country           *string
		Design            *string
		Stage             *string
		SampleSize        *int
		EffectSize        *float64
		EffectSizeMeasure *string
		Summary           string
		KeyFindings       []string `gorm:"serializer:json"`
		VerifiedIn        []string `gorm:"serializer:json"`
	}
	interventionRow struct {
		ID              string `gorm:"primaryKey"`
		Position        int
		Name            string
		Aliases         []string `gorm:"serializer:json"`
		Origin          *string
		CountryOfOrigin *string
		Summary         string
		Stage           *string
		Setting         *string
		URL             *string  `gorm:"column:url"`
		VerifiedIn      []string `gorm:"serializer:json"`
	}
	evidenceRow struct {
		InterventionID string
		Position       int
		Finding        string
		StudyID        *string
		Design         *string
		Kind           string
		Result         *string
		ResultFact     *string
		Window         string `gorm:"column:window"`
	}
	// linkRow is a row of any many-to-many table: owner, the linked slug or id, position.
	linkRow struct {
		Owner    string
		Target   string
		Position int
	}
)

func (metaRow) TableName() string         { return "meta" }
func (themeRow) TableName() string        { return "themes" }
func (strandRow) TableName() string       { return "strands" }
func (disadvantageRow) TableName() string { return "disadvantages" }
func (studyRow) TableName() string        { return "studies" }
func (interventionRow) TableName() string { return "interventions" }
func (evidenceRow) TableName() string     { return "evidence" }

// linkTable names a many-to-many table and its two columns.
type linkTable struct{ name, owner, target string }

var (
	studyThemes               = linkTable{"study_themes", "study_id", "slug"}
	studyStrands              = linkTable{"study_strands", "study_id", "slug"}
	studyDisadvantages        = linkTable{"study_disadvantages", "study_id", "slug"}
	studyInterventions        = linkTable{"study_interventions", "study_id", "intervention_id"}
	interventionThemes        = linkTable{"intervention_themes", "intervention_id", "slug"}
	interventionStrands       = linkTable{"intervention_strands", "intervention_id", "slug"}
	interventionDisadvantages = linkTable{"intervention_disadvantages", "intervention_id", "slug"}
)

// Keys of the meta table.
const (
	versionKey     = "dataset_version" // what every response reports; changes with every write
	revisionKey    = "revision"        // counts writes since the store was first seeded
	seedVersionKey = "seed_version"    // content hash of the dataset document the store was seeded from
	seedSourceKey  = "seed_source"     // where that document came from (Seed.source), or importSource
	seededAtKey    = "seeded_at"       // when the store was seeded: the date of records no write has touched
)

// importSource is the seed source of a store that an explicit import filled: no seed
// given at start is a newer version of it.
const importSource = "import"

// meta is the store's own state: its revision and the version it reports.
type meta struct {
	version     string
	revision    int64
	seedVersion string
	seedSource  string // "" for a store seeded before sources were kept
}

// readMeta returns the store's meta; version "" means the store has never been seeded.
func readMeta(ctx context.Context, db *gorm.DB) (meta, error) {
	var rows []metaRow
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return meta{}, fmt.Errorf("read meta: %w", err)
	}
	var m meta
	for _, r := range rows {
		switch r.Key {
		case versionKey:
			m.version = r.Value
		case revisionKey:
			m.revision, _ = strconv.ParseInt(r.Value, 10, 64)
		case seedVersionKey:
			m.seedVersion = r.Value
		case seedSourceKey:
			m.seedSource = r.Value
		}
	}
	if m.version != "" && m.seedVersion == "" { // a store seeded before edits were possible
		m.seedVersion, m.revision = m.version, max(m.revision, 1)
	}
	return m, nil
}

func writeMeta(tx *gorm.DB, m meta) error {
	for k, v := range map[string]string{versionKey: m.version, revisionKey: strconv.FormatInt(m.revision, 10),
		seedVersionKey: m.seedVersion, seedSourceKey: m.seedSource} {
		if err := tx.Save(&metaRow{Key: k, Value: v}).Error; err != nil {
			return fmt.Errorf("write meta: %w", err)
		}
	}
	return nil
}

// recordTables are the tables that hold records, children before parents, so that
// clearing them in this order never breaks a foreign key.
var recordTables = []string{"intervention_disadvantages", "intervention_strands", "intervention_themes",
	"study_interventions", "study_disadvantages", "study_strands", "study_themes", "evidence",
	"interventions", "studies", "disadvantages", "strands", "themes"}

// seed fills an empty store with d, in one transaction: a failure leaves it empty.
func seed(ctx context.Context, db *gorm.DB, d *models.Dataset, m meta) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := replaceAll(tx, d); err != nil {
			return err
		}
		if err := tx.Save(&metaRow{Key: seededAtKey, Value: formatTime(time.Now())}).Error; err != nil {
			return fmt.Errorf("write meta: %w", err)
		}
		return writeMeta(tx, m)
	})
}

// replaceAll replaces every record of the store with d's, within tx.
func replaceAll(tx *gorm.DB, d *models.Dataset) error {
	for _, table := range recordTables {
		if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
			return fmt.Errorf("clear %s: %w", table, err)
		}
	}
	if err := insertVocabulary(tx, d); err != nil {
		return err
	}
	studies := make([]studyRow, len(d.Studies))
	links := map[linkTable][]linkRow{}
	for i := range d.Studies {
		studies[i] = studyRowOf(&d.Studies[i], i)
		addStudyLinks(links, &d.Studies[i])
	}
	interventions := make([]interventionRow, len(d.Interventions))
	var evidence []evidenceRow
	for i := range d.Interventions {
		interventions[i] = interventionRowOf(&d.Interventions[i], i)
		evidence = append(evidence, evidenceRowsOf(&d.Interventions[i])...)
		addInterventionLinks(links, &d.Interventions[i])
	}
	for _, rows := range []any{&studies, &interventions, &evidence} {
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("store %T: %w", rows, err)
		}
	}
	return insertAllLinks(tx, links)
}

func insertVocabulary(tx *gorm.DB, d *models.Dataset) error {
	var themes []themeRow
	for i, t := range d.Themes {
		themes = append(themes, themeRow{t.Slug, i, t.Name, t.Description, t.Provisional, t.Note, t.SourceURL})
	}
	var strands []strandRow
	for i, s := range d.Strands {
		strands = append(strands, strandRow{s.Slug, i, s.Name, s.Description, s.Provisional, s.Note})
	}
	var disadvantages []disadvantageRow
	for i, x := range d.Disadvantages {
		disadvantages = append(disadvantages, disadvantageRow{x.Slug, i, x.Name, x.Description})
	}
	for _, rows := range []any{&themes, &strands, &disadvantages} {
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("store %T: %w", rows, err)
		}
	}
	return nil
}

func studyRowOf(s *models.Study, pos int) studyRow {
	return studyRow{s.ID, pos, s.Title, s.Authors, s.Year, s.Type, s.Venue, s.DOI, s.URL, s.Country, s.Design,
		s.Stage, s.SampleSize, s.EffectSize, s.EffectSizeMeasure, s.Summary, s.KeyFindings, s.VerifiedIn}
}

func interventionRowOf(iv *models.Intervention, pos int) interventionRow {
	return interventionRow{iv.ID, pos, iv.Name, iv.Aliases, iv.Origin, iv.CountryOfOrigin, iv.Summary,
		iv.Stage, iv.Setting, iv.URL, iv.VerifiedIn}
}

func evidenceRowsOf(iv *models.Intervention) []evidenceRow {
	rows := make([]evidenceRow, len(iv.Evidence))
	for j, e := range iv.Evidence {
		rows[j] = evidenceRow{iv.ID, j, e.Finding, e.StudyID, e.Design, e.Kind, e.Result, e.ResultFact, e.Window}
	}
	return rows
}

func addStudyLinks(links map[linkTable][]linkRow, s *models.Study) {
	addLinks(links, studyThemes, s.ID, s.Themes)
	addLinks(links, studyStrands, s.ID, s.Strands)
	addLinks(links, studyDisadvantages, s.ID, s.DisadvantageFocus)
	addLinks(links, studyInterventions, s.ID, s.Interventions)
}

func addInterventionLinks(links map[linkTable][]linkRow, iv *models.Intervention) {
	addLinks(links, interventionThemes, iv.ID, iv.Themes)
	addLinks(links, interventionStrands, iv.ID, iv.Strands)
	addLinks(links, interventionDisadvantages, iv.ID, iv.DisadvantageFocus)
}

func insertAllLinks(tx *gorm.DB, links map[linkTable][]linkRow) error {
	for _, t := range []linkTable{studyThemes, studyStrands, studyDisadvantages, studyInterventions,
		interventionThemes, interventionStrands, interventionDisadvantages} {
		for start := 0; start < len(links[t]); start += 300 {
			batch := links[t][start:min(start+300, len(links[t]))]
			if err := insertLinks(tx, t, batch); err != nil {
				return fmt.Errorf("store %s: %w", t.name, err)
			}
		}
	}
	return nil
}

func addLinks(links map[linkTable][]linkRow, t linkTable, owner string, targets []string) {
	for i, target := range targets {
		links[t] = append(links[t], linkRow{owner, target, i})
	}
}

func insertLinks(tx *gorm.DB, t linkTable, rows []linkRow) error {
	query := fmt.Sprintf("INSERT INTO %s (%s, %s, position) VALUES ", t.name, t.owner, t.target)
	args := make([]any, 0, 3*len(rows))
	for i, r := range rows {
		if i > 0 {
			query += ","
		}
		query += "(?, ?, ?)"
		args = append(args, r.Owner, r.Target, r.Position)
	}
	return tx.Exec(query, args...).Error
}

// load reads the whole evidence base back: one query per table, whatever its size.
func load(ctx context.Context, db *gorm.DB) (*models.Dataset, error) {
	db = db.WithContext(ctx)
	var (
		themes        []themeRow
		strands       []strandRow
		disadvantages []disadvantageRow
		interventions []interventionRow
		evidence      []evidenceRow
	)
	for _, rows := range []any{&themes, &strands, &disadvantages} {
		if err := db.Order("position").Find(rows).Error; err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
	}
	// records in id order, the primary key's: the catalogue orders them by id anyway, and
	// a sort of every record by position would cost the database a second at 100,000
	if err := db.Order("id").Find(&interventions).Error; err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	studies, err := loadStudies(db)
	if err != nil {
		return nil, fmt.Errorf("load studies: %w", err)
	}
	if err := db.Order("intervention_id, position").Find(&evidence).Error; err != nil {
		return nil, fmt.Errorf("load evidence: %w", err)
	}
	links := map[linkTable]map[string][]string{}
	for _, t := range []linkTable{studyThemes, studyStrands, studyDisadvantages, studyInterventions,
		interventionThemes, interventionStrands, interventionDisadvantages} {
		m, err := loadLinks(db, t)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", t.name, err)
		}
		links[t] = m
	}

	d := &models.Dataset{FormatVersion: models.DatasetFormatVersion}
	for _, t := range themes {
		d.Themes = append(d.Themes, models.Theme{Slug: t.Slug, Name: t.Name, Description: t.Description, Provisional: t.Provisional, Note: t.Note, SourceURL: t.SourceURL})
	}
	for _, s := range strands {
		d.Strands = append(d.Strands, models.Strand{Slug: s.Slug, Name: s.Name, Description: s.Description, Provisional: s.Provisional, Note: s.Note})
	}
	for _, x := range disadvantages {
		d.Disadvantages = append(d.Disadvantages, models.DisadvantageFocus{Slug: x.Slug, Name: x.Name, Description: x.Description})
	}
	for i := range studies {
		s := &studies[i]
		s.Themes, s.Strands = list(links[studyThemes][s.ID]), list(links[studyStrands][s.ID])
		s.DisadvantageFocus, s.Interventions = list(links[studyDisadvantages][s.ID]), list(links[studyInterventions][s.ID])
	}
	d.Studies = studies
	byIntervention := map[string][]models.Evidence{}
	for _, e := range evidence {
		byIntervention[e.InterventionID] = append(byIntervention[e.InterventionID], models.Evidence{Finding: e.Finding, StudyID: e.StudyID, Design: e.Design,
			Kind: e.Kind, Result: e.Result, ResultFact: e.ResultFact, Window: e.Window})
	}
	d.Interventions = make([]models.Intervention, len(interventions))
	for i, iv := range interventions {
		d.Interventions[i] = models.Intervention{
			ID: iv.ID, Name: iv.Name, Aliases: iv.Aliases, Origin: iv.Origin, CountryOfOrigin: iv.CountryOfOrigin,
			Summary: iv.Summary, Stage: iv.Stage, Setting: iv.Setting,
			Themes: list(links[interventionThemes][iv.ID]), Strands: list(links[interventionStrands][iv.ID]),
			DisadvantageFocus: list(links[interventionDisadvantages][iv.ID]),
			Evidence:          evidenceOrEmpty(byIntervention[iv.ID]), URL: iv.URL, VerifiedIn: iv.VerifiedIn,
		}
	}
	return d, nil
}

// loadStudies reads the studies table in id order, without their links, scanning by hand:
// it is the largest read of a load, and GORM's scanning by reflection cost more than the
// database's work.
func loadStudies(db *gorm.DB) ([]models.Study, error) {
	rows, err := db.Raw(`SELECT id, title, authors, year, type, venue, doi, url, country, design, stage,
		sample_size, effect_size, effect_size_measure, summary, key_findings, verified_in FROM studies ORDER BY id`).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []models.Study
	var authors, findings, verified []byte
	for rows.Next() {
		var s models.Study
		if err := rows.Scan(&s.ID, &s.Title, &authors, &s.Year, &s.Type, &s.Venue, &s.DOI, &s.URL, &s.Country, &s.Design,
			&s.Stage, &s.SampleSize, &s.EffectSize, &s.EffectSizeMeasure, &s.Summary, &findings, &verified); err != nil {
			return nil, err
		}
		for _, c := range []struct {
			raw  []byte
			into *[]string
		}{{authors, &s.Authors}, {findings, &s.KeyFindings}, {verified, &s.VerifiedIn}} {
			if err := json.Unmarshal(c.raw, c.into); err != nil {
				return nil, fmt.Errorf("study %s: %w", s.ID, err)
			}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// loadLinks reads a many-to-many table as each owner's targets in position order. The
// rows are scanned by hand and put in order here, not by the database: the link tables
// are the largest (several rows a record), and both sorting them and scanning them by
// reflection cost more than the rest of a load.
func loadLinks(db *gorm.DB, t linkTable) (map[string][]string, error) {
	rows, err := db.Raw(fmt.Sprintf("SELECT %s, %s, position FROM %s", t.owner, t.target, t.name)).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type target struct {
		slug     string
		position int
	}
	byOwner := map[string][]target{}
	for rows.Next() {
		var owner string
		var tg target
		if err := rows.Scan(&owner, &tg.slug, &tg.position); err != nil {
			return nil, err
		}
		byOwner[owner] = append(byOwner[owner], tg)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m := make(map[string][]string, len(byOwner))
	for owner, ts := range byOwner {
		slices.SortFunc(ts, func(a, b target) int { return cmp.Compare(a.position, b.position) })
		list := make([]string, len(ts))
		for i, tg := range ts {
			list[i] = tg.slug
		}
		m[owner] = list
	}
	return m, nil
}

// list keeps empty lists as [] rather than null in JSON.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func evidenceOrEmpty(e []models.Evidence) []models.Evidence {
	if e == nil {
		return []models.Evidence{}
	}
	return e
}
