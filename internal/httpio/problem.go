// Package httpio is what the JSON API and the web pages share at the HTTP edge: strict
// query-parameter parsing in, JSON and RFC 9457 problem documents out, and the one table
// that maps domain errors to statuses.
package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/models"
)

// Problem is an RFC 9457 problem details document, the body of every error response.
type Problem struct {
	// Type names the kind of problem, an absolute URI a program can branch on, whose page
	// explains it: /problems/ and one of invalid-parameter, unknown-parameter, not-found,
	// unauthorized, forbidden, method-not-allowed, not-acceptable, conflict,
	// precondition-failed, payload-too-large, unsupported-media-type, unprocessable,
	// precondition-required, rate-limited, internal, unavailable, insufficient-storage.
	Type      string              `json:"type" example:"http://localhost:8080/problems/invalid-parameter"`
	Title     string              `json:"title" example:"Bad Request"`
	Status    int                 `json:"status" example:"400"`
	Detail    string              `json:"detail" example:"invalid filter: studies has no field \"colour\""`
	Instance  string              `json:"instance" example:"/api/v1/studies?filter=colour:red"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []models.FieldError `json:"errors,omitempty"`
} // @name Problem

// ProblemType is the media type of every error body.
const ProblemType = "application/problem+json"

// ProblemKind is one kind of problem the server answers with: its type URI's last
// segment, the domain error code that maps to it ("" for problems of HTTP itself), its
// status, and a plain explanation that its page (served by package web) shows.
type ProblemKind struct {
	Slug        string
	Code        string
	Status      int
	Title       string
	Description string
}

// ProblemKinds is the one table that maps domain error codes to statuses and problem
// types. A status that several kinds share is answered, when no code says otherwise, as
// the first of them.
var ProblemKinds = []ProblemKind{
	{"invalid-parameter", models.EInvalid, http.StatusBadRequest, "Invalid parameter",
		"A parameter of the request has a value the endpoint cannot use: a malformed filter, an unknown field or value, a page out of range. The problem's errors name each parameter (field), say why (reason) and, where the values are a closed list, list them (valid). Correct the parameter and send the request again."},
	{"unknown-parameter", models.EUnknownParameter, http.StatusBadRequest, "Unknown parameter",
		"The request carries a query parameter the endpoint does not take, or one it takes given twice. No parameter is ever silently ignored, so a misspelt one cannot go unnoticed. The problem's errors name it and list the parameters the endpoint takes (valid)."},
	{"not-found", models.ENotFound, http.StatusNotFound, "Not found",
		"No record has that id or slug, or there is no endpoint at that path. Ids are lower-case words joined by hyphens; lists and GET /api/v1 show what exists."},
	{"unauthorized", models.EUnauthorized, http.StatusUnauthorized, "Unauthorized",
		"The request writes, or reads the audit log, and carries no valid API token: none, an unknown one or a revoked one. Send Authorization: Bearer <token>, with a token made by `evidence-kb token create`."},
	{"forbidden", models.EForbidden, http.StatusForbidden, "Forbidden",
		"The token is valid but its role does not allow the request: changing vocabularies, importing and reading the audit log need an admin's token."},
	{"method-not-allowed", "", http.StatusMethodNotAllowed, "Method not allowed",
		"The path exists, but not with this HTTP method. The OpenAPI document at /openapi.yaml lists the methods of each path."},
	{"not-acceptable", "", http.StatusNotAcceptable, "Not acceptable",
		"The Accept header rules out every representation the endpoint has. Accept application/json, or name an export format with format= (which wins over Accept)."},
	{"conflict", models.EConflict, http.StatusConflict, "Conflict",
		"The write clashes with the data: the id is taken, or other records still refer to the record being deleted (the problem names each reference). Deleting with unlink=true removes the references in the same transaction."},
	{"precondition-failed", models.EPreconditionFailed, http.StatusPreconditionFailed, "Precondition failed",
		"The record changed since the version named in If-Match: someone else's change came first. GET the record again, reapply the change to it, and send it with the new ETag."},
	{"payload-too-large", "", http.StatusRequestEntityTooLarge, "Payload too large",
		"The request body is larger than the server takes (see the server's -max-body-bytes). Send a smaller body; imports have a larger limit of their own."},
	{"uri-too-long", "", http.StatusRequestURITooLong, "Request target too long",
		"The request target (path and query) is longer than the server takes (8192 bytes). Shorten the filter or the search: a filter of more than a few dozen clauses is better split into several requests."},
	{"headers-too-large", "", http.StatusRequestHeaderFieldsTooLarge, "Header fields too large",
		"The request's header fields are larger than the server takes (16 KiB for the fields, 64 KiB with the request line). Send fewer or shorter headers, such as cookies."},
	{"unsupported-media-type", "", http.StatusUnsupportedMediaType, "Unsupported media type",
		"The body is not in a media type the endpoint reads: records are application/json, patches application/merge-patch+json. Set Content-Type accordingly."},
	{"unprocessable", models.EUnprocessable, http.StatusUnprocessableEntity, "Unprocessable record",
		"The body is well-formed JSON but the record does not validate: unknown fields, wrong types, unknown tags, a malformed id, a year outside 2008–2014, links to records that do not exist. The problem's errors list every problem by field."},
	{"precondition-required", models.EPreconditionRequired, http.StatusPreconditionRequired, "Precondition required",
		"A change to an existing record must name the version it changes, so no one overwrites a change they have not seen. GET the record and send its ETag in If-Match."},
	{"rate-limited", "", http.StatusTooManyRequests, "Rate limited",
		"Too many requests from this client in too short a time. Wait as long as the Retry-After header says, then send the request again."},
	{"internal", models.EInternal, http.StatusInternalServerError, "Internal error",
		"The server could not answer the request. It has been logged with the request id the problem carries (request_id); trying again later may help, and the request id helps a report."},
	{"unavailable", models.EUnavailable, http.StatusServiceUnavailable, "Service unavailable",
		"The server is up but cannot answer now: its database does not answer (an outage, or a failover under way), this replica has fallen behind the database, or the query took longer than one request may (narrow it). Reads of the evidence go on from memory while the database is away; changes and the audit log wait for it. Try again after the time Retry-After gives: a change sent again with the same Idempotency-Key or If-Match is never applied twice."},
	{"insufficient-storage", models.EStorageFull, http.StatusInsufficientStorage, "Insufficient storage",
		"The database has no room to store the change: its disk is full. Nothing was written, and the evidence base can still be read. Writes work again once an operator has freed space; send the change again then."},
}

// ProblemKindOf is the kind of problem a domain error code is; unknown codes are internal.
func ProblemKindOf(code string) ProblemKind {
	for _, k := range ProblemKinds {
		if k.Code == code && code != "" {
			return k
		}
	}
	return ProblemKindOf(models.EInternal)
}

// problemKindOfStatus is the kind of problem a status is, for problems of HTTP itself. A
// status without a kind keeps its status, typed as the internal kind; a test sees that
// every status the server documents has a kind.
func problemKindOfStatus(status int) ProblemKind {
	for _, k := range ProblemKinds {
		if k.Status == status {
			return k
		}
	}
	k := ProblemKindOf(models.EInternal)
	k.Status = status
	return k
}

// StatusOf maps a domain error code to its HTTP status, by the table ProblemKinds.
func StatusOf(code string) int { return ProblemKindOf(code).Status }

// ProblemPath is the path of a problem kind's page, under which its type URI lives.
func ProblemPath(slug string) string { return "/problems/" + slug }

// WriteError answers err as problem+json. Domain errors say what went wrong; anything
// else is logged with the request id and answered as a bare 500 that leaks nothing.
func WriteError(c *gin.Context, log *slog.Logger, err error) {
	var e *models.Error
	if !errors.As(err, &e) {
		log.Error("internal error", "err", err, "request_id", RequestID(c), "path", c.Request.URL.Path)
		e = &models.Error{Code: models.EInternal, Message: "the server could not answer this request; it has been logged"}
	}
	writeProblem(c, ProblemKindOf(e.Code), e.Error(), e.Fields)
}

// maxInstanceBytes bounds the request target a problem echoes as its instance.
const maxInstanceBytes = 2048

// WriteProblem answers a problem document with the given status, detail and field errors;
// its type is the first kind of problem with that status in ProblemKinds.
func WriteProblem(c *gin.Context, status int, detail string, fields []models.FieldError) {
	writeProblem(c, problemKindOfStatus(status), detail, fields)
}

func writeProblem(c *gin.Context, kind ProblemKind, detail string, fields []models.FieldError) {
	status := kind.Status
	instance := c.Request.URL.RequestURI()
	if len(instance) > maxInstanceBytes { // say a 414: do not echo what was refused for its size
		instance = c.Request.URL.Path
		if len(instance) > maxInstanceBytes {
			instance = instance[:maxInstanceBytes]
		}
	}
	p := Problem{
		Type:      BaseURL(c.Request) + ProblemPath(kind.Slug),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Instance:  instance,
		RequestID: RequestID(c),
		Errors:    fields,
	}
	c.Header("Cache-Control", "no-store")
	c.Writer.Header().Del("ETag") // an error is not a representation to revalidate
	c.Abort()
	WriteEncoded(c, status, ProblemType, p)
}

// WriteJSON answers v as JSON, without HTML-escaping: highlights carry <mark>.
func WriteJSON(c *gin.Context, status int, v any) {
	WriteEncoded(c, status, "application/json; charset=utf-8", v)
}

// WriteEncoded answers v as JSON under the given media type.
func WriteEncoded(c *gin.Context, status int, contentType string, v any) {
	b, err := Marshal(v)
	if err != nil {
		c.Error(err)
		WriteProblem(c, http.StatusInternalServerError, "the answer could not be encoded; this has been logged", nil)
		return
	}
	c.Data(status, contentType, b)
}

// Marshal encodes v as JSON without HTML-escaping (and without the encoder's newline).
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}
