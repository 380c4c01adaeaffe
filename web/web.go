// Package web is the finder for school staff: server-rendered pages over the same query
// engine as the JSON API. Every asset is embedded, so the binary serves the whole site
// with no build step and no CDN. Pages work without JavaScript; site.js only adds copy and
// print buttons. It serves no route of the API: each page links to the JSON query instead.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/evidence-kb/parental-engagement/catalog"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageNames are the page templates; each is parsed with the layout and the partials.
var pageNames = []string{"finder", "intervention", "studies", "study", "map", "about", "problems", "error"}

// curationPageNames are the curators' pages (curation.go); each is parsed with the
// layout, the partials and the curators' own partials.
var curationPageNames = []string{"signin", "signout", "edit", "history", "audit", "vocabularies", "import"}

// Templates and assets are parsed and hashed once: they are part of the binary, so a
// failure is a build mistake that the first test catches.
var (
	pages  = mustParsePages()
	assets = mustLoadAssets()
)

// A template that names what its data lacks fails, so render answers an error page rather
// than a page with a hole: a missing struct field always does; missingkey=error makes a
// missing map key do so too, instead of printing "<no value>".
func mustParsePages() map[string]*template.Template {
	out := make(map[string]*template.Template, len(pageNames)+len(curationPageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Option("missingkey=error").Funcs(templateFuncs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	for _, name := range curationPageNames {
		out[name] = template.Must(template.New(name).Option("missingkey=error").Funcs(templateFuncs).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", "templates/curate-partials.html", "templates/"+name+".html"))
	}
	return out
}

// templateFuncs are the helpers templates may call: wording of values, numbers and links.
var templateFuncs = template.FuncMap{
	"asset":           assetURL,
	"label":           labelOf,
	"describe":        describe,
	"glossaryHeading": glossaryHeading,
	"plural":          plural,
	"cite":            shortCite,
	"join":            strings.Join,
	"number":          formatInt,
	"percent":         func(share float64) string { return strconv.Itoa(int(math.Round(share*100))) + "%" },
	"capitalise":      capitalise,
	"apiPath":         httpio.APIPath,
}

// glossaryHeadings name the glossary's sections on the About page.
var glossaryHeadings = map[string]string{
	"design": "Study designs", "stage": "School stages", "setting": "Where it happens", "type": "Types of publication",
	"strand": "Strands of activity", "kind": "Kinds of evidence", "result": "Results of impact evaluations",
	"window": "The review period",
}

// glossaryHeading names a glossary section. A section without a name is an error, so a
// new glossary field fails the About page's tests instead of showing an empty heading.
func glossaryHeading(field string) (string, error) {
	h, ok := glossaryHeadings[field]
	if !ok {
		return "", fmt.Errorf("no heading for the glossary's %q section", field)
	}
	return h, nil
}

// describe is the glossary's plain-language description of a vocabulary value, or "".
func describe(field string, v *string) string {
	if v == nil {
		return ""
	}
	d, _ := models.GlossaryDescription(field, *v)
	return d
}

// labelOf words a vocabulary value in a template, where an optional field is a pointer
// and nil reads "Not stated".
func labelOf(field string, v any) string {
	switch x := v.(type) {
	case string:
		return label(field, x)
	case *string:
		if x != nil {
			return label(field, *x)
		}
	}
	return label(field, "null")
}

// plural counts things in words: "1 study", "1,204 studies".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatInt(n) + " " + many
}

// formatInt writes a whole number with thousands separators.
func formatInt(n int) string {
	if n < 0 {
		return "-" + formatInt(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// asset is one embedded static file with the hash that versions its URL.
type asset struct {
	body []byte
	hash string
}

func mustLoadAssets() map[string]asset {
	out := map[string]asset{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		out[strings.TrimPrefix(p, "static/")] = asset{body: body, hash: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// assetURL is a static file's URL carrying its content hash, so browsers may cache it for
// good and still see a new version the moment the binary changes.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("no static asset " + name)
	}
	return "/static/" + name + "?v=" + a.hash
}

// Snapshots gives the current snapshot of the evidence base, the engine's catalogue; the
// store does.
type Snapshots interface {
	Catalog() *catalog.Catalog
}

// Site serves the pages.
type Site struct {
	src Snapshots
	log *slog.Logger
	// cur is the store's side the curators' pages use (curation.go): src itself when it
	// has it (the store does), else nil and nobody can sign in.
	cur Curation
	// how long a curator's session lasts without use, and at most (SessionIdle,
	// SessionMaxAge)
	idle, maxAge time.Duration
}

// New builds the site over a source of snapshots. When the source is the store (it has
// what Curation names), curators can sign in and edit.
func New(src Snapshots, log *slog.Logger) *Site {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Site{src: src, log: log, idle: SessionIdle, maxAge: SessionMaxAge}
	s.cur, _ = src.(Curation)
	return s
}

// snapshot is the evidence base a page sees (see httpio.Pinned).
func (s *Site) snapshot(c *gin.Context) *catalog.Catalog { return httpio.Pinned(c, s.src.Catalog) }

// PageMaxAge is how long a browser or proxy may reuse a page without asking again.
const PageMaxAge = 5 * time.Minute

// buildHash identifies the templates and assets compiled into the binary: a page changes
// with them as much as with the data.
var buildHash = func() string {
	h := sha256.New()
	_ = fs.WalkDir(templateFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := templateFiles.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return err
	})
	for _, name := range slices.Sorted(maps.Keys(assets)) {
		h.Write([]byte(name + assets[name].hash))
	}
	return hex.EncodeToString(h.Sum(nil))
}()

// cacheable gives pages validators and caching, as the API's responses have: a weak ETag
// of the dataset version, the binary's templates and the URL (a page holds nothing else),
// If-None-Match answered with 304, and Cache-Control. An error page drops both (webFail).
//
// A page for a signed-in curator holds more (who they are, an Edit link), so it is
// private and stored by no cache, and has no validator; a request whose cookie names a
// session that has ended, too (its answer clears the cookie). Every page varies with the
// cookie, so that no cache answers a curator with a reader's copy, or the other way round.
func (s *Site) cacheable(c *gin.Context) {
	c.Header("Vary", "Accept-Encoding, Cookie")
	if s.cur != nil && sessionID(c.Request) != "" {
		s.lookUpSession(c)
		c.Header("Cache-Control", "private, no-store")
		c.Next()
		return
	}
	sum := sha256.Sum256([]byte(s.snapshot(c).Version() + "\x00" + buildHash + "\x00" + pageURL(c.Request)))
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", fmt.Sprintf("public, max-age=%d", int(PageMaxAge.Seconds())))
	if httpio.WeakMatch(c.GetHeader("If-None-Match"), etag) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Next()
}

func (s *Site) staticAsset(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("name"), "/")
	a, ok := assets[name]
	if !ok {
		s.NotFound(c)
		return
	}
	c.Header("ETag", `"`+a.hash+`"`)
	if c.Query("v") == a.hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=300")
	}
	http.ServeContent(c.Writer, c.Request, path.Base(name), time.Time{}, bytes.NewReader(a.body))
}

// layout is what every page gives the shared layout.
type layout struct {
	Title   string // the page's <title>, and its <h1> unless the page words that itself
	Section string // the navigation item that is current
	DataURL string // the same content as JSON, for "view as data"
	Version string // the dataset version, so a reader can cite what they saw
	PageURL string // this page's full address, for printouts
	// Canonical is a record page's one address (no query), for <link rel="canonical">, and
	// MarkdownURL its Markdown twin (see markdown.go); both are empty on other pages.
	Canonical   string
	MarkdownURL string
	// Curator is the signed-in curator's bar (curation.go): who, and an Edit link on a
	// record's page; nil for a reader without a session. Curating marks a curators' page.
	// Either brings in curate.css.
	Curator  *curatorBar
	Curating bool
}

func (s *Site) layout(c *gin.Context, version, title, section, dataURL string) layout {
	l := layout{Title: title, Section: section, DataURL: dataURL, Version: version, PageURL: pageURL(c.Request)}
	if p := signedIn(c); p != nil {
		l.Curator = s.bar(c, p)
	}
	return l
}

// pageURL is the absolute address of a request, as the reader's browser sent it.
func pageURL(r *http.Request) string { return httpio.BaseURL(r) + r.URL.RequestURI() }

// render executes a page into a buffer first, so a template error becomes an error page
// instead of half a page.
func (s *Site) render(c *gin.Context, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "err", err, "request_id", httpio.RequestID(c))
		if name == "error" { // the error page itself failed: nothing better to show
			c.String(http.StatusInternalServerError, "The server could not show this page.")
			return
		}
		s.webFail(c, err)
		return
	}
	// Pages load only what this server serves: the promise that nothing comes from a CDN
	// is enforced by the browser, not just kept by the templates.
	c.Header("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorView is the friendly error page: what went wrong in words, and for a bad search
// option the values that would work.
type errorView struct {
	layout
	Status   int
	Heading  string
	Message  string
	Problems []problemLine
	Back     string // the page without its query, to start again
	ID       string // request id, for a report
}

// problemLine is one rejected search option.
type problemLine struct {
	Text  string
	Valid []string
}

// webFail answers an error from a page handler as an HTML page with the status the JSON
// API would give the same error.
func (s *Site) webFail(c *gin.Context, err error) {
	var e *models.Error
	if !errors.As(err, &e) {
		s.log.Error("internal error", "err", err, "request_id", httpio.RequestID(c), "path", c.Request.URL.Path)
		e = &models.Error{Code: models.EInternal}
	}
	v := errorView{Status: httpio.StatusOf(e.Code), Back: c.Request.URL.Path, ID: httpio.RequestID(c)}
	switch e.Code {
	case models.EInvalid, models.EUnknownParameter:
		v.layout = s.layout(c, s.snapshot(c).Version(), "Check your search", "", "")
		v.Heading = "Some of this search could not be used"
		v.Message = "The address of this page asks for something the evidence base does not have. Change the options below, or start again."
		for _, f := range e.Fields {
			v.Problems = append(v.Problems, problemLine{Text: fieldReason(f), Valid: f.Valid})
		}
	case models.ENotFound:
		v.layout = s.layout(c, s.snapshot(c).Version(), "Page not found", "", "")
		v.Heading = "We could not find that page"
		v.Message = "It may have been mistyped, or the record may have a new address. " + capitalise(e.Message) + "."
		v.Back = "/"
	default:
		v.layout = s.layout(c, s.snapshot(c).Version(), "Something went wrong", "", "")
		v.Heading = "Something went wrong on our side"
		v.Message = "The server could not show this page. The problem has been logged; trying again later may help."
	}
	s.renderError(c, v)
}

// renderError answers an error page, which is neither cached nor revalidated.
func (s *Site) renderError(c *gin.Context, v errorView) {
	c.Header("Cache-Control", "no-store")
	c.Writer.Header().Del("ETag")
	c.Abort()
	s.render(c, v.Status, "error", v)
}

// optionNames words the pages' single-valued options for error messages.
// The engine's names for the same options (catalog.Part…) are worded alike.
var optionNames = map[string]string{
	"q": "Search words", "sort": "Sort order", "rows": "Rows", "cols": "Columns",
	catalog.PartSearch: "Search words", catalog.PartMapColumns: "Columns", catalog.PartPageSize: "Results per page",
}

// fieldReason words a field error for a reader. The engine names its filter "filter", and
// its reason already starts with the field the reader chose, so that name is left out.
func fieldReason(f models.FieldError) string {
	if f.Field == "filter" {
		return capitalise(f.Reason) + "."
	}
	name, ok := optionNames[f.Field]
	if !ok {
		name = capitalise(f.Field)
	}
	return name + ": " + f.Reason + "."
}

// NotFound answers a path no page or endpoint has.
func (s *Site) NotFound(c *gin.Context) {
	s.webFail(c, &models.Error{Code: models.ENotFound, Message: "there is no page at " + c.Request.URL.Path})
}
