package api

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
	"golang.org/x/time/rate"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/export"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// format is a representation an endpoint answers in, chosen by the format parameter or the
// Accept header (as DOI content negotiation does).
type format struct {
	name      string // the value of the format parameter
	mediaType string
	ext       string // the extension of a download's file name
}

var (
	formatJSON    = format{"json", "application/json", "json"}
	formatCSV     = format{"csv", "text/csv", "csv"}
	formatNDJSON  = format{"ndjson", "application/x-ndjson", "ndjson"}
	formatBibTeX  = format{"bibtex", "application/x-bibtex", "bib"}
	formatRIS     = format{"ris", "application/x-research-info-systems", "ris"}
	formatCSLJSON = format{"csl-json", "application/vnd.citationstyles.csl+json", "csl.json"}
	formatAPA     = format{"apa", "text/x-bibliography", "txt"}
)

// The representations of each endpoint. JSON comes first: it is the default and wins ties.
var (
	studyListFormats        = []format{formatJSON, formatCSV, formatNDJSON, formatBibTeX, formatRIS, formatCSLJSON, formatAPA, formatAtom, formatJSONFeed}
	interventionListFormats = []format{formatJSON, formatCSV, formatNDJSON, formatAtom, formatJSONFeed}
	studyFormats            = []format{formatJSON, formatBibTeX, formatRIS, formatCSLJSON, formatAPA}
)

// contentType is the Content-Type of an answer in f. Text formats say they are UTF-8, and
// CSV that its first row is a header (RFC 4180).
func (f format) contentType() string {
	switch {
	case f == formatCSV:
		return f.mediaType + "; charset=utf-8; header=present"
	case strings.HasSuffix(f.mediaType, "json"):
		return f.mediaType
	}
	return f.mediaType + "; charset=utf-8"
}

// negotiate picks the representation of an answer: the format parameter when given, which
// wins so that a plain link can name a format; else the offer the Accept header prefers,
// JSON when it takes anything. When nothing fits it answers the problem itself and returns
// false: 400 for an unknown format or a misplaced bom, 406 for an Accept header that rules
// every offer out.
func (s *Server) negotiate(c *gin.Context, offers []format) (format, bool) {
	f, err := chosenFormat(c, offers)
	switch {
	case err != nil:
		s.fail(c, err)
	case f.name == "":
		httpio.WriteProblem(c, http.StatusNotAcceptable, "the Accept header rules out every representation of this endpoint: "+mediaTypes(offers), nil)
	default:
		// bom=false, its default, is accepted anywhere bom is; bom=true with CSV only
		bom, err := httpio.ParamsOf(c.Request.URL.Query()).Bool("bom", false)
		switch {
		case err != nil:
			s.fail(c, err)
		case bom && f != formatCSV:
			s.fail(c, models.Invalid("bom", "bom=true applies to format=csv only"))
		default:
			return f, true
		}
	}
	return f, false
}

// chosenFormat is the format the parameter names, else the Accept header's choice.
func chosenFormat(c *gin.Context, offers []format) (format, error) {
	if !c.Request.URL.Query().Has("format") {
		return bestOffer(strings.Join(c.Request.Header.Values("Accept"), ","), offers), nil
	}
	name := c.Query("format")
	for _, f := range offers {
		if f.name == name {
			return f, nil
		}
	}
	return format{}, models.Invalid("format", fmt.Sprintf("%q is not a format of this endpoint", name), formatNames(offers)...)
}

func formatNames(offers []format) []string {
	names := make([]string, len(offers))
	for i, f := range offers {
		names[i] = f.name
	}
	return names
}

func mediaTypes(offers []format) string {
	types := make([]string, len(offers))
	for i, f := range offers {
		types[i] = f.mediaType
	}
	return strings.Join(types, ", ")
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	mediaType string // "text/csv", "text/*" or "*/*"
	q         float64
}

// parseAccept reads an Accept header (RFC 9110 §12.5.1). A malformed entry is skipped, as
// most servers do, and an empty or wholly malformed header accepts anything. A bibliography
// in a style other than APA, the one style offered, counts as refused (q=0).
func parseAccept(header string) []mediaRange {
	var ranges []mediaRange
	for _, entry := range strings.Split(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(entry))
		if mt == "*" {
			mt = "*/*" // a bare * is a common shorthand
		}
		if err != nil || !strings.Contains(mt, "/") {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		if style, ok := params["style"]; ok && mt == formatAPA.mediaType && !strings.EqualFold(style, "apa") {
			q = 0
		}
		ranges = append(ranges, mediaRange{mt, q})
	}
	if len(ranges) == 0 {
		return []mediaRange{{"*/*", 1}}
	}
	return ranges
}

// bestOffer returns the offer of highest quality for the Accept header, the earlier offer
// on a tie; the zero format when the header rules every offer out.
func bestOffer(accept string, offers []format) format {
	ranges := parseAccept(accept)
	var best format
	bestQ := 0.0
	for _, f := range offers {
		if q := quality(ranges, f.mediaType); q > bestQ {
			best, bestQ = f, q
		}
	}
	return best
}

// quality is the q of the most specific range that matches mediaType, 0 when none does.
func quality(ranges []mediaRange, mediaType string) float64 {
	group, _, _ := strings.Cut(mediaType, "/")
	q, specificity := 0.0, -1
	for _, r := range ranges {
		s := -1
		switch r.mediaType {
		case mediaType:
			s = 2
		case group + "/*":
			s = 1
		case "*/*":
			s = 0
		}
		if s > specificity {
			q, specificity = r.q, s
		}
	}
	return q
}

// exportParams are the parameters an export takes: a list's query without paging, facets
// or fieldsets, which an export of every matching record has no use for.
var exportParams = []string{"filter", "q", "sort", "format", "bom"}

// parseExport reads the query of an export and whether to start a CSV with a byte order
// mark. The query walks the whole result with cursors, a full page at a time.
func parseExport(c *gin.Context, f format) (catalog.Query, bool, error) {
	raw := c.Request.URL.Query()
	for _, name := range listParams {
		if raw.Has(name) && !slices.Contains(exportParams, name) {
			return catalog.Query{}, false, models.Invalid(name, fmt.Sprintf("does not apply to format=%s, which exports every matching record", f.name))
		}
	}
	p, err := httpio.ParseParams(raw, exportParams...)
	if err != nil {
		return catalog.Query{}, false, err
	}
	bom, err := p.Bool("bom", false)
	q := catalog.Query{Filter: p.Str("filter"), Search: p.Str("q"), Sort: p.Str("sort")}
	return q, bom, err
}

// answeredAsExport negotiates the format of a list request and answers it unless that is
// JSON: with the export, or with a problem. It returns false when the handler is to answer
// with a page of JSON.
func (s *Server) answeredAsExport(c *gin.Context, offers []format, exportAs func(*gin.Context, format)) bool {
	f, ok := s.negotiate(c, offers)
	if ok && f != formatJSON {
		exportAs(c, f)
	}
	return !ok || f != formatJSON
}

// exportStudies answers a studies list in an export or citation format.
func (s *Server) exportStudies(c *gin.Context, f format) {
	if f.isFeed() {
		serveFeed(s, c, f, studyFeed)
		return
	}
	streamList(s, c, f, "studies", s.snapshot(c).StudiesAll, func(w io.Writer, bom bool) export.Encoder[models.Study] {
		return s.studyEncoder(s.snapshot(c), f, w, bom)
	})
}

// exportInterventions answers an interventions list in an export format.
func (s *Server) exportInterventions(c *gin.Context, f format) {
	if f.isFeed() {
		serveFeed(s, c, f, interventionFeed)
		return
	}
	streamList(s, c, f, "interventions", s.snapshot(c).InterventionsAll, func(w io.Writer, bom bool) export.Encoder[models.Intervention] {
		if f == formatCSV {
			return export.NewCSV(w, export.InterventionColumns, bom)
		}
		return export.NewNDJSON[models.Intervention](w)
	})
}

func (s *Server) studyEncoder(cat *catalog.Catalog, f format, w io.Writer, bom bool) export.Encoder[models.Study] {
	switch f {
	case formatCSV:
		return export.NewCSV(w, export.StudyColumns, bom)
	case formatNDJSON:
		return export.NewNDJSON[models.Study](w)
	case formatAPA:
		return export.NewAPA(w)
	}
	// Keys are made over the whole dataset, so a study is cited alike in every export.
	keys := citationKeys(cat)
	switch f {
	case formatBibTeX:
		return export.NewBibTeX(w, keys)
	case formatRIS:
		return export.NewRIS(w, keys)
	}
	return export.NewCSLJSON(w, keys)
}

// Exports stream for as long as they need: the server's write timeout, made for pages,
// gives way to exportWriteTimeout. They are encoded and sent blockRows records at a time
// (some 5 ms of work at 100,000 studies), each block in a query slot of its own and at
// the pace of Options.ExportRate.
const (
	exportWriteTimeout = 10 * time.Minute
	blockRows          = 500
)

// ExportStatus is the trailer that ends every export: "complete" when the file is whole.
// An export that fails once streaming has begun ends without it, its connection cut before
// the last chunk (and an NDJSON export with an error line first), so a client can always
// tell a whole file from a truncated one.
const ExportStatus = "X-Export-Status"

// streamList answers an export: every record the query matches, in the order of the list,
// from the one snapshot the request pinned. The query runs once, before anything is
// written, so a bad filter or sort is still a 400 problem; the records then follow in one
// pass, written and flushed as they come.
func streamList[T any](s *Server, c *gin.Context, f format, name string,
	all func(catalog.Query) (iter.Seq[T], int, error), newEncoder func(w io.Writer, bom bool) export.Encoder[T]) {
	q, bom, err := parseExport(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	turns := edge.StartExport(c)
	if turns == nil {
		return // refused: as many exports are streaming as the server runs at once
	}
	defer turns.Close()
	if err := turns.Acquire(c.Request.Context()); err != nil {
		return // the client went away while waiting its turn
	}
	ctx, cancel := edge.QueryContext(c)
	q.Context = ctx
	records, _, err := all(q)
	cancel()
	turns.Release()
	if err != nil {
		s.fail(c, err)
		return
	}
	_ = edge.ResponseController(c).SetWriteDeadline(time.Now().Add(exportWriteTimeout))
	c.Header("Trailer", ExportStatus)
	s.startDownload(c, f, "attachment", name+"-"+s.snapshot(c).Version())
	// Records are encoded a block at a time into memory, in a query slot, and the block is
	// then sent with the slot released: a client that reads slowly holds no slot, and the
	// searches waiting for one take turns with the export's blocks.
	var block bytes.Buffer
	out := io.Writer(&block)
	var zw *gzip.Writer
	if edge.AcceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		zw, _ = gzip.NewWriterLevel(&block, gzip.BestSpeed)
		out = zw
	}
	enc := newEncoder(out, bom)
	send := func() error {
		if zw != nil {
			if err := zw.Flush(); err != nil {
				return err
			}
		}
		if _, err := c.Writer.Write(block.Bytes()); err != nil {
			return err
		}
		block.Reset()
		c.Writer.Flush()
		return nil
	}
	pace := rate.NewLimiter(rate.Inf, 0)
	if s.opts.ExportRate > 0 {
		pace = rate.NewLimiter(rate.Limit(s.opts.ExportRate), max(blockRows, s.opts.ExportRate/5))
	}
	n := 0
	for rec := range records {
		if n%blockRows == 0 {
			if n > 0 {
				turns.Release()
				if err = send(); err != nil {
					break
				}
			}
			if err = pace.WaitN(c.Request.Context(), blockRows); err != nil {
				break
			}
			if err = turns.Acquire(c.Request.Context()); err != nil {
				break
			}
		}
		if err = s.exportHook(n); err == nil {
			err = enc.Encode(rec)
		}
		if err != nil {
			break
		}
		n++
	}
	turns.Release()
	if err == nil {
		err = enc.Close()
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err == nil {
		err = send()
	}
	if err != nil {
		s.log.Warn("export cut short", "err", err, "records", n, "path", c.Request.URL.Path, "query", c.Request.URL.RawQuery)
		if f == formatNDJSON {
			line, _ := httpio.Marshal(map[string]string{"error": "the export failed after " + strconv.Itoa(n) + " records; it is incomplete"})
			out.Write(append([]byte("\n"), append(line, '\n')...))
		}
		_ = send()          // the records encoded before the failure, and the error line
		edge.CutResponse(c) // no terminating chunk: the client sees a truncated body
		return
	}
	c.Writer.Header().Set(ExportStatus, "complete")
}

// writeCitation answers one study in a citation format.
func (s *Server) writeCitation(c *gin.Context, f format, st models.Study) {
	s.startDownload(c, f, "inline", st.ID)
	enc := s.studyEncoder(s.snapshot(c), f, c.Writer, false)
	s.finishDownload(c, enc, enc.Encode(st))
}

// startDownload writes the headers of an answer in f: its media type and the name to save
// it under. Lists carry the dataset version in the name, so a saved file says which
// version it holds.
func (s *Server) startDownload(c *gin.Context, f format, disposition, base string) {
	c.Header("Content-Type", f.contentType())
	c.Header("Content-Disposition", fmt.Sprintf("%s; filename=%q", disposition, base+"."+f.ext))
	c.Status(http.StatusOK)
}

// finishDownload closes a download, or logs why it stopped: with the status sent, a failure
// (most often a client gone away) can no longer be answered.
func (s *Server) finishDownload(c *gin.Context, enc io.Closer, err error) {
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		s.log.Warn("download cut short", "err", err, "path", c.Request.URL.Path, "query", c.Request.URL.RawQuery)
	}
}

// getDataset godoc
//
//	@Summary		Download the whole dataset
//	@ID				getDataset
//	@Description	Every study, intervention, theme, strand and disadvantage-focus value in one JSON document: the dataset being served, in the format `evidence-kb validate FILE` checks, so an analysis can be rerun against exactly this version.
//	@Description
//	@Description	The document is the served dataset byte for byte (the embedded one, or the file given with -dataset), and its dataset version is the first 16 hex digits of its SHA-256: a download proves its own version (`sha256sum`), and `validate` reports the same. The version is also in the file name (`dataset-<version>.json`) and the `X-Dataset-Version` header; it is not a field of the document, whose hash it is.
//	@Tags			dataset
//	@Produce		json
//	@Produce		application/problem+json
//	@Success		200	{object}	models.Dataset
//	@Failure		400	{object}	Problem
//	@Header			200	{string}	X-Dataset-Version	"The dataset version: the first 16 hex digits of the document's SHA-256"
//	@Header			200	{string}	Content-Disposition	"attachment; filename=dataset-VERSION.json"
//	@Router			/api/v1/dataset [get]
func (s *Server) getDataset(c *gin.Context) {
	if err := noParams(c); err != nil {
		s.fail(c, err)
		return
	}
	cat := s.snapshot(c)
	doc, err := s.store.DatasetDocument(cat)
	if err != nil {
		s.fail(c, err)
		return
	}
	version := cat.Version()
	c.Header("X-Dataset-Version", version)
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "dataset-"+version+".json"))
	s.compressed.serve(c, "dataset", version, "application/json", doc)
}
