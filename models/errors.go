package models

import (
	"fmt"
	"strings"
)

// Error codes of the domain. The API maps each to one HTTP status in one place.
const (
	EInvalid = "invalid" // the request names a field or value that does not exist
	// a query parameter the endpoint does not take, or one given twice
	EUnknownParameter = "unknown_parameter"
	ENotFound         = "not_found" // no record has that id
	EInternal         = "internal"  // anything else; never shown to clients
)

// Error codes of access control, for requests that write.
const (
	EUnauthorized = "unauthorized" // no valid credentials: no token, or an unknown or revoked one
	EForbidden    = "forbidden"    // valid credentials whose role does not allow the request
)

// Error codes of writes.
const (
	EUnprocessable        = "unprocessable"         // a record that does not validate
	EConflict             = "conflict"              // the write clashes with the data: an id taken, a record still linked
	EPreconditionFailed   = "precondition_failed"   // If-Match names a version that is no longer current
	EPreconditionRequired = "precondition_required" // a change to an existing record without If-Match
)

// Error codes of the store of record itself: the database does not answer, or has no room
// to write. The store's own errors (store.ErrUnavailable, store.ErrStorageFull) read as
// these, so that every surface answers them with a status, never as an internal error.
const (
	EUnavailable = "unavailable"  // the database does not answer; retrying later may succeed
	EStorageFull = "storage_full" // the database's disk is full; nothing was written
)

// Error is a domain error: a code, a human message, and the fields it concerns.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError names one offending field (a parameter, or a record field in a dataset) and
// says why; Valid lists the accepted values where there is a closed list.
type FieldError struct {
	Field  string   `json:"field"`
	Reason string   `json:"reason"`
	Valid  []string `json:"valid,omitempty"`
} // @name FieldError

func (e *Error) Error() string {
	if len(e.Fields) <= 1 || e.Code != EInvalid {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Invalid returns an EInvalid error about one field.
func Invalid(field, reason string, valid ...string) *Error {
	return &Error{Code: EInvalid, Message: field + ": " + reason, Fields: []FieldError{{Field: field, Reason: reason, Valid: valid}}}
}

// NotFound returns an ENotFound error for a record kind and id.
func NotFound(kind, id string) *Error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf("no %s with id %q", kind, id)}
}
