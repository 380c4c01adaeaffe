package api

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// precompressed holds immutable documents (the dataset download of a version, the spec)
// gzip-compressed once, so a download costs a copy, not a compression. The gzip middleware
// leaves their routes alone (they are declared Precompressed).
type precompressed struct {
	mu   sync.Mutex
	docs map[string]*compressedDoc // by name; one version each
}

type compressedDoc struct {
	version string
	gz      func() ([]byte, error)
}

// serve answers body (the document name at version) with gzip when the client takes it.
func (p *precompressed) serve(c *gin.Context, name, version, contentType string, body []byte) {
	if c.Writer.Header().Get("Vary") == "" {
		c.Header("Vary", "Accept-Encoding")
	}
	if !edge.AcceptsGzip(c.Request) {
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
