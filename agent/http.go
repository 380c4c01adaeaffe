package agent

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
)

// Path is where the MCP server answers over Streamable HTTP.
const Path = "/mcp"

// Routes is the MCP server over HTTP, as the edge serves it: Streamable HTTP at /mcp,
// stateless (any replica answers any request) and in plain JSON responses. A POST is
// priced as a search (edge.Query: it runs in a fair query slot, and costs its client what
// a search costs), so the rate limits and query slots hold for assistants as for the API;
// its body is bounded (MaxBodyBytes), by the edge and by the SDK. GET and DELETE have no
// meaning for a stateless server, which answers them 405 (Allow: POST), as the transport
// specifies. The SDK's DNS-rebinding protection stays on: a request that came in on a
// loopback address naming another host is refused (403).
func Routes(src Snapshots, opts Options) edge.Surface {
	a := &agent{src: src, opts: opts.withDefaults()}
	server := a.server()
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		Logger:              a.opts.Logger,
		MaxRequestBodyBytes: MaxBodyBytes,
	})
	serve := func(c *gin.Context) {
		// the tools' links are on the scheme and host the request was sent to, as the API's;
		// their query work is bounded as the edge bounds a request's, and lets go of the
		// query slot before the answer is encoded
		via := &viaHTTP{base: httpio.BaseURL(c.Request), timeout: edge.QueryTimeout(c), release: func() { edge.QueryDone(c) },
			protocolVersion: c.GetHeader("Mcp-Protocol-Version")}
		w := &problemWriter{ResponseWriter: c.Writer}
		h.ServeHTTP(w, c.Request.WithContext(context.WithValue(c.Request.Context(), viaHTTPKey{}, via)))
		if w.refused != 0 {
			httpio.WriteProblem(c, w.refused, strings.TrimSpace(string(w.detail)), nil)
		}
	}
	return edge.Surface{
		Routes: []edge.Route{
			{Method: http.MethodPost, Path: Path, Handlers: []gin.HandlerFunc{serve}, Cost: edge.Query, MaxBodyBytes: MaxBodyBytes},
			{Method: http.MethodGet, Path: Path, Handlers: []gin.HandlerFunc{serve}, Cost: edge.Cheap},
			{Method: http.MethodDelete, Path: Path, Handlers: []gin.HandlerFunc{serve}, Cost: edge.Cheap},
		},
		Owns: func(path string) bool { return path == Path || strings.HasPrefix(path, Path+"/") },
	}
}

// problemWriter holds back the SDK's refusals of HTTP requests (405, 403, 413, 400 and the
// like, which it words as plain text) so that they can be answered as problem documents,
// as every other refusal of the server is; its JSON-RPC answers, errors included, pass
// through as they are.
type problemWriter struct {
	gin.ResponseWriter
	refused int    // the status of a plain-text refusal, held back
	detail  []byte // its text
}

func (w *problemWriter) WriteHeader(status int) {
	if status >= http.StatusBadRequest && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.refused = status
		for _, h := range []string{"Content-Type", "Content-Length", "X-Content-Type-Options"} {
			w.Header().Del(h)
		}
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *problemWriter) Write(b []byte) (int, error) {
	if w.refused != 0 {
		w.detail = append(w.detail, b...)
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
