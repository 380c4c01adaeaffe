package edge

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// Limits on a request's size, checked before any handler runs. MaxURLBytes bounds the
// request target (path and query), and so every echo of it: the Link header, the links of
// an evidence-map cell, a problem's instance. MaxHeaderBytes is what the http.Server is to
// be given; past it Go answers 431 itself, which Listener turns into a problem document.
const (
	MaxURLBytes     = 8 << 10
	MaxHeaderBytes  = 64 << 10
	maxHeaderFields = 16 << 10 // the header fields themselves, request line excluded
)

// secureHeaders marks every response as not to be sniffed, whatever its type: JSON that
// echoes a query must never be run as HTML or script.
func secureHeaders(c *gin.Context) {
	c.Writer.Header().Set("X-Content-Type-Options", "nosniff")
	c.Next()
}

// limitRequest refuses a request whose target is longer than MaxURLBytes (414) or whose
// header fields are larger than maxHeaderFields (431), as problem documents. Go refuses
// larger ones still before a handler runs; see Listener.
func limitRequest(c *gin.Context) {
	if n := len(c.Request.RequestURI); n > MaxURLBytes {
		httpio.WriteProblem(c, http.StatusRequestURITooLong,
			fmt.Sprintf("the request target is %d bytes long; at most %d", n, MaxURLBytes),
			[]models.FieldError{{Field: "url", Reason: fmt.Sprintf("is longer than %d bytes", MaxURLBytes)}})
		return
	}
	size := 0
	for name, values := range c.Request.Header {
		for _, v := range values {
			size += len(name) + len(v) + 4
		}
	}
	if size > maxHeaderFields {
		httpio.WriteProblem(c, http.StatusRequestHeaderFieldsTooLarge,
			fmt.Sprintf("the request's header fields are %d bytes; at most %d", size, maxHeaderFields), nil)
		return
	}
	c.Next()
}

// Listener wraps a listener so that the plain-text errors net/http writes on its own,
// before any handler runs (431 for a request line and headers past MaxHeaderBytes, 400 for
// a malformed request), reach clients as RFC 9457 problem documents like every other error.
func Listener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return problemConn{c}, nil
}

type problemConn struct{ net.Conn }

// goErrorHeaders are the header fields of every error net/http writes by itself.
const goErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Write rewrites one of net/http's own error responses. Each is written in a single call
// and has one exact shape, "HTTP/1.1 <status>" + goErrorHeaders + "<status>[: reason]",
// which no response of a handler has (those carry a Date), so nothing else is touched.
func (c problemConn) Write(b []byte) (int, error) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 4")) {
		return c.Conn.Write(b)
	}
	statusLine, body, ok := bytes.Cut(b[len("HTTP/1.1 "):], []byte(goErrorHeaders))
	if !ok || !bytes.HasPrefix(body, statusLine[:3]) || bytes.Contains(statusLine, []byte("\r\n")) {
		return c.Conn.Write(b)
	}
	code, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil {
		return c.Conn.Write(b)
	}
	detail := "the request could not be read: " + string(body)
	if code == http.StatusRequestHeaderFieldsTooLarge {
		detail = fmt.Sprintf("the request line and header fields are larger than %d bytes", MaxHeaderBytes)
	}
	doc, _ := httpio.Marshal(httpio.Problem{Type: "about:blank", Title: http.StatusText(code), Status: code, Detail: detail})
	resp := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), httpio.ProblemType, len(doc), doc)
	if _, err := c.Conn.Write([]byte(resp)); err != nil {
		return 0, err
	}
	return len(b), nil
}
