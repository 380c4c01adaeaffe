package api

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// precompressed holds immutable documents (the dataset download of a version, the spec)
// gzip-compressed once, so a download costs a copy, not a compression. The gzip middleware
// leaves their paths alone (see uncompressedPaths).
type precompressed struct {
	mu   sync.Mutex
	docs map[string]*compressedDoc // by name; one version each
}

type compressedDoc struct {
	version string
	gz      func() ([]byte, error)
}

// uncompressedPaths are the paths the gzip middleware skips: they serve precompressed bytes,
// or compress their own (/metrics, promhttp).
var uncompressedPaths = []string{"/api/v1/dataset", "/openapi.yaml", "/openapi.json", "/metrics"}

// middlewareCompresses decides for the gzip middleware: a client that takes gzip gets it,
// except from the paths above and from exports (the only other requests that cost
// exportCost), which compress their own blocks inside their query slots (streamList), so
// that their whole cost is counted there.
func middlewareCompresses(c *gin.Context) bool {
	return acceptsGzip(c.Request) && !slices.Contains(uncompressedPaths, c.Request.URL.Path) && requestCost(c) != exportCost
}

// serve answers body (the document name at version) with gzip when the client takes it.
func (p *precompressed) serve(c *gin.Context, name, version, contentType string, body []byte) {
	if c.Writer.Header().Get("Vary") == "" {
		c.Header("Vary", "Accept-Encoding")
	}
	if !acceptsGzip(c.Request) {
		c.Data(http.StatusOK, contentType, body)
		return
	}
	p.mu.Lock()
	if p.docs == nil {
		p.docs = map[string]*compressedDoc{}
	}
	d := p.docs[name]
	if d == nil || d.version != version {
		d = &compressedDoc{version: version, gz: sync.OnceValues(func() ([]byte, error) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			if _, err := zw.Write(body); err != nil {
				return nil, err
			}
			err := zw.Close()
			return buf.Bytes(), err
		})}
		p.docs[name] = d
	}
	p.mu.Unlock()
	gz, err := d.gz()
	if err != nil {
		c.Data(http.StatusOK, contentType, body)
		return
	}
	c.Header("Content-Encoding", "gzip")
	c.Header("Content-Length", strconv.Itoa(len(gz)))
	c.Data(http.StatusOK, contentType, gz)
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q above 0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if coding = strings.ToLower(strings.TrimSpace(coding)); coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			q, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
		return q > 0
	}
	return false
}
