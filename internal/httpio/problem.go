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

	"github.com/gin-contrib/requestid"
	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/models"
)

// Problem is an RFC 9457 problem details document, the body of every error response.
type Problem struct {
	Type      string              `json:"type" example:"about:blank"`
	Title     string              `json:"title" example:"Bad Request"`
	Status    int                 `json:"status" example:"400"`
	Detail    string              `json:"detail" example:"invalid filter: studies has no field \"colour\""`
	Instance  string              `json:"instance" example:"/api/v1/studies?filter=colour:red"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []models.FieldError `json:"errors,omitempty"`
} // @name Problem

// ProblemType is the media type of every error body.
const ProblemType = "application/problem+json"

// StatusOf maps a domain error code to its HTTP status: the one place that does.
func StatusOf(code string) int {
	switch code {
	case models.EInvalid:
		return http.StatusBadRequest
	case models.ENotFound:
		return http.StatusNotFound
	case models.EUnauthorized:
		return http.StatusUnauthorized
	case models.EForbidden:
		return http.StatusForbidden
	case models.EUnprocessable:
		return http.StatusUnprocessableEntity
	case models.EConflict:
		return http.StatusConflict
	case models.EPreconditionFailed:
		return http.StatusPreconditionFailed
	case models.EPreconditionRequired:
		return http.StatusPreconditionRequired
	}
	return http.StatusInternalServerError
}

// WriteError answers err as problem+json. Domain errors say what went wrong; anything
// else is logged with the request id and answered as a bare 500 that leaks nothing.
func WriteError(c *gin.Context, log *slog.Logger, err error) {
	var e *models.Error
	if !errors.As(err, &e) {
		log.Error("internal error", "err", err, "request_id", requestid.Get(c), "path", c.Request.URL.Path)
		e = &models.Error{Code: models.EInternal, Message: "the server could not answer this request; it has been logged"}
	}
	WriteProblem(c, StatusOf(e.Code), e.Error(), e.Fields)
}

// maxInstanceBytes bounds the request target a problem echoes as its instance.
const maxInstanceBytes = 2048

// WriteProblem answers a problem document with the given status, detail and field errors.
func WriteProblem(c *gin.Context, status int, detail string, fields []models.FieldError) {
	instance := c.Request.URL.RequestURI()
	if len(instance) > maxInstanceBytes { // say a 414: do not echo what was refused for its size
		instance = c.Request.URL.Path
		if len(instance) > maxInstanceBytes {
			instance = instance[:maxInstanceBytes]
		}
	}
	p := Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Instance:  instance,
		RequestID: requestid.Get(c),
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
		c.AbortWithStatus(http.StatusInternalServerError)
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
