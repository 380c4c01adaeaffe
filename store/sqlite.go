package store

import (
	"context"

	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/evidence-kb/parental-engagement/models"
)

//go:embed migrations/*.sql
var migrations embed.FS

// openSQLite opens the store of record with one writer connection: WAL so readiness probes
// never wait on a write, foreign keys on, and immediate transactions so a write never
// fails half-way on a lock upgrade.
func openSQLite(path string) (*gorm.DB, error) {
	dsn := "file:" + path + "?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1)
	return db, nil
}

func migrate(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, mustSub(migrations, "migrations"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

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

const versionKey = "dataset_version"

// storedVersion returns the dataset version the database holds, or "" when it is empty.
func storedVersion(ctx context.Context, db *gorm.DB) (string, error) {
	var rows []metaRow
	if err := db.WithContext(ctx).Where("key = ?", versionKey).Find(&rows).Error; err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", nil
	}
	return rows[0].Value, nil
}

// seed replaces the whole evidence base with d, in one transaction: a failure leaves the
// previous contents untouched.
func seed(ctx context.Context, db *gorm.DB, d *models.Dataset, version string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, table := range []string{"intervention_disadvantages", "intervention_strands", "intervention_themes",
			"study_interventions", "study_disadvantages", "study_strands", "study_themes", "evidence",
			"interventions", "studies", "disadvantages", "strands", "themes", "meta"} {
			if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
				return fmt.Errorf("clear %s: %w", table, err)
			}
		}
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
		studies := make([]studyRow, len(d.Studies))
		links := map[linkTable][]linkRow{}
		for i, s := range d.Studies {
			studies[i] = studyRow{s.ID, i, s.Title, s.Authors, s.Year, s.Type, s.Venue, s.DOI, s.URL, s.Country, s.Design,
				s.Stage, s.SampleSize, s.EffectSize, s.EffectSizeMeasure, s.Summary, s.KeyFindings, s.VerifiedIn}
			addLinks(links, studyThemes, s.ID, s.Themes)
			addLinks(links, studyStrands, s.ID, s.Strands)
			addLinks(links, studyDisadvantages, s.ID, s.DisadvantageFocus)
			addLinks(links, studyInterventions, s.ID, s.Interventions)
		}
		interventions := make([]interventionRow, len(d.Interventions))
		var evidence []evidenceRow
		for i, iv := range d.Interventions {
			interventions[i] = interventionRow{iv.ID, i, iv.Name, iv.Aliases, iv.Origin, iv.CountryOfOrigin, iv.Summary,
				iv.Stage, iv.Setting, iv.URL, iv.VerifiedIn}
			for j, e := range iv.Evidence {
				evidence = append(evidence, evidenceRow{iv.ID, j, e.Finding, e.StudyID, e.Kind, e.Result, e.ResultFact, e.Window})
			}
			addLinks(links, interventionThemes, iv.ID, iv.Themes)
			addLinks(links, interventionStrands, iv.ID, iv.Strands)
			addLinks(links, interventionDisadvantages, iv.ID, iv.DisadvantageFocus)
		}
		for _, rows := range []any{&themes, &strands, &disadvantages, &studies, &interventions, &evidence} {
			if err := tx.CreateInBatches(rows, 200).Error; err != nil {
				return fmt.Errorf("seed %T: %w", rows, err)
			}
		}
		for _, t := range []linkTable{studyThemes, studyStrands, studyDisadvantages, studyInterventions,
			interventionThemes, interventionStrands, interventionDisadvantages} {
			for start := 0; start < len(links[t]); start += 300 {
				batch := links[t][start:min(start+300, len(links[t]))]
				if err := insertLinks(tx, t, batch); err != nil {
					return fmt.Errorf("seed %s: %w", t.name, err)
				}
			}
		}
		return tx.Create(&metaRow{Key: versionKey, Value: version}).Error
	})
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
		studies       []studyRow
		interventions []interventionRow
		evidence      []evidenceRow
	)
	for _, rows := range []any{&themes, &strands, &disadvantages, &studies, &interventions} {
		if err := db.Order("position").Find(rows).Error; err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
	}
	if err := db.Order("intervention_id, position").Find(&evidence).Error; err != nil {
		return nil, fmt.Errorf("load evidence: %w", err)
	}
	links := map[linkTable]map[string][]string{}
	for _, t := range []linkTable{studyThemes, studyStrands, studyDisadvantages, studyInterventions,
		interventionThemes, interventionStrands, interventionDisadvantages} {
		var rows []linkRow
		q := fmt.Sprintf("SELECT %s AS owner, %s AS target, position FROM %s ORDER BY %s, position", t.owner, t.target, t.name, t.owner)
		if err := db.Raw(q).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("load %s: %w", t.name, err)
		}
		m := map[string][]string{}
		for _, r := range rows {
			m[r.Owner] = append(m[r.Owner], r.Target)
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
	d.Studies = make([]models.Study, len(studies))
	for i, s := range studies {
		d.Studies[i] = models.Study{
			ID: s.ID, Title: s.Title, Authors: s.Authors, Year: s.Year, Type: s.Type, Venue: s.Venue, DOI: s.DOI, URL: s.URL,
			Country: s.Country, Design: s.Design, Stage: s.Stage, SampleSize: s.SampleSize, EffectSize: s.EffectSize,
			EffectSizeMeasure: s.EffectSizeMeasure, Summary: s.Summary, KeyFindings: s.KeyFindings,
			Themes: list(links[studyThemes][s.ID]), Strands: list(links[studyStrands][s.ID]),
			DisadvantageFocus: list(links[studyDisadvantages][s.ID]), Interventions: list(links[studyInterventions][s.ID]),
			VerifiedIn: s.VerifiedIn,
		}
	}
	byIntervention := map[string][]models.Evidence{}
	for _, e := range evidence {
		byIntervention[e.InterventionID] = append(byIntervention[e.InterventionID], models.Evidence{Finding: e.Finding, StudyID: e.StudyID,
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

func mustSub(fsys embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time; absent means a broken build
	}
	return sub
}
