package models

import (
	"encoding/json"
	"time"
)

// Record kinds, as the audit log and imports name them.
const (
	KindStudy        = "study"
	KindIntervention = "intervention"
	KindTheme        = "theme"
	KindStrand       = "strand"
	KindDisadvantage = "disadvantage"
)

// Operations the audit log records.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
	OpImport = "import"
)

// AuditEntry is one change to one record: who made it, when, in which request, and the
// record's document before and after (null when it did not exist).
type AuditEntry struct {
	ID        int64           `json:"id" example:"42"`
	At        time.Time       `json:"at"`
	Revision  int64           `json:"revision" example:"7"`
	Actor     string          `json:"actor" example:"alice"`
	Role      Role            `json:"role" example:"curator"`
	RequestID string          `json:"request_id" example:"3f9c2a6e-4d1b-4c55-9a61-0b7f4e1d2c3a"`
	Operation string          `json:"operation" example:"update" enums:"create,update,delete,import"`
	Kind      string          `json:"kind" example:"study" enums:"study,intervention,theme,strand,disadvantage"`
	RecordID  string          `json:"record_id" example:"lindsay-2008"`
	Before    json.RawMessage `json:"before" swaggertype:"object" extensions:"x-nullable"`
	After     json.RawMessage `json:"after" swaggertype:"object" extensions:"x-nullable"`
} // @name AuditEntry

// RecordRef names one record of a kind.
type RecordRef struct {
	Kind string `json:"kind" example:"study"`
	ID   string `json:"id" example:"lindsay-2008"`
} // @name RecordRef

// RecordChange is a record an import changes, with the top-level fields that differ.
type RecordChange struct {
	Kind   string   `json:"kind" example:"study"`
	ID     string   `json:"id" example:"lindsay-2008"`
	Fields []string `json:"fields" example:"summary,themes"`
} // @name RecordChange

// ImportReport says what an import changes (or, in a dry run, would change).
type ImportReport struct {
	DryRun   bool           `json:"dry_run"`
	Applied  bool           `json:"applied"`
	Revision int64          `json:"revision" example:"8"`
	Added    []RecordRef    `json:"added"`
	Changed  []RecordChange `json:"changed"`
	Removed  []RecordRef    `json:"removed"`
	Errors   []FieldError   `json:"errors"`
} // @name ImportReport
