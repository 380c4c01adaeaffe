-- +goose Up
-- The evidence base. Lists of plain strings (authors, aliases, findings, source URLs) are
-- JSON arrays: they are never queried in SQL, only read whole.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE themes (
    slug        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    provisional {{.Boolean}} NOT NULL,
    note        TEXT,
    source_url  TEXT
);

CREATE TABLE strands (
    slug        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    provisional {{.Boolean}} NOT NULL,
    note        TEXT
);

CREATE TABLE disadvantages (
    slug        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE studies (
    id                  TEXT PRIMARY KEY,
    position            INTEGER NOT NULL,
    title               TEXT NOT NULL,
    authors             TEXT NOT NULL,
    year                INTEGER NOT NULL CHECK (year BETWEEN 2008 AND 2014),
    type                TEXT NOT NULL,
    venue               TEXT,
    doi                 TEXT UNIQUE,
    url                 TEXT,
    country             TEXT,
    design              TEXT,
    stage               TEXT,
    sample_size         INTEGER,
    effect_size         {{.Double}},
    effect_size_measure TEXT,
    summary             TEXT NOT NULL,
    key_findings        TEXT NOT NULL,
    verified_in         TEXT NOT NULL
);

CREATE TABLE interventions (
    id                TEXT PRIMARY KEY,
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    aliases           TEXT NOT NULL,
    origin            TEXT,
    country_of_origin TEXT,
    summary           TEXT NOT NULL,
    stage             TEXT,
    setting           TEXT,
    url               TEXT,
    verified_in       TEXT NOT NULL
);

CREATE TABLE evidence (
    intervention_id TEXT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    finding         TEXT NOT NULL,
    study_id        TEXT REFERENCES studies (id),
    outside_window  {{.Boolean}} NOT NULL,
    PRIMARY KEY (intervention_id, position)
);

-- Tags and links: one table for each many-to-many relation.
CREATE TABLE study_themes (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    slug     TEXT NOT NULL REFERENCES themes (slug),
    position INTEGER NOT NULL,
    PRIMARY KEY (study_id, slug)
);
CREATE TABLE study_strands (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    slug     TEXT NOT NULL REFERENCES strands (slug),
    position INTEGER NOT NULL,
    PRIMARY KEY (study_id, slug)
);
CREATE TABLE study_disadvantages (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    slug     TEXT NOT NULL REFERENCES disadvantages (slug),
    position INTEGER NOT NULL,
    PRIMARY KEY (study_id, slug)
);
CREATE TABLE study_interventions (
    study_id        TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    intervention_id TEXT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    PRIMARY KEY (study_id, intervention_id)
);
CREATE TABLE intervention_themes (
    intervention_id TEXT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL REFERENCES themes (slug),
    position        INTEGER NOT NULL,
    PRIMARY KEY (intervention_id, slug)
);
CREATE TABLE intervention_strands (
    intervention_id TEXT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL REFERENCES strands (slug),
    position        INTEGER NOT NULL,
    PRIMARY KEY (intervention_id, slug)
);
CREATE TABLE intervention_disadvantages (
    intervention_id TEXT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL REFERENCES disadvantages (slug),
    position        INTEGER NOT NULL,
    PRIMARY KEY (intervention_id, slug)
);
CREATE INDEX study_interventions_by_intervention ON study_interventions (intervention_id);
CREATE INDEX evidence_by_study ON evidence (study_id);

-- +goose Down
DROP TABLE intervention_disadvantages;
DROP TABLE intervention_strands;
DROP TABLE intervention_themes;
DROP TABLE study_interventions;
DROP TABLE study_disadvantages;
DROP TABLE study_strands;
DROP TABLE study_themes;
DROP TABLE evidence;
DROP TABLE interventions;
DROP TABLE studies;
DROP TABLE disadvantages;
DROP TABLE strands;
DROP TABLE themes;
DROP TABLE meta;
