// Package apitest is the harness the API and web tests share: one seeded store per test
// binary, the server wired as main wires it, and a check of every response against the
// generated OpenAPI contract.
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
	"github.com/evidence-kb/parental-engagement/web"
)

var (
	specOnce   sync.Once
	specBytes  []byte
	specRouter routers.Router
	specErr    error
	sharedOnce sync.Once
	shared     *store.Store
	sharedErr  error
)

func init() {
	// Documents that are not JSON (the docs UI, the exports) are checked as text; the export
	// tests parse them with real parsers. The spec as YAML is parsed, as a YAML-aware client
	// parses it, by kin-openapi's own YAML decoder.
	asText := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	for _, ct := range []string{"text/html", "application/javascript", "text/javascript", "text/css", "image/png", "text/plain", "text/csv",
		"application/x-ndjson", "application/x-bibtex", "application/x-research-info-systems", "text/x-bibliography", "application/atom+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, asText)
	}
}

// Contract loads openapi.yaml, the generated spec every response is checked against.
func Contract(tb testing.TB) ([]byte, routers.Router) {
	tb.Helper()
	specOnce.Do(func() {
		if specBytes, specErr = os.ReadFile(filepath.Join(repoRoot(), "openapi.yaml")); specErr != nil {
			return
		}
		var doc *openapi3.T
		if doc, specErr = openapi3.NewLoader().LoadFromData(specBytes); specErr != nil {
			return
		}
		if specErr = doc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	if specErr != nil {
		tb.Fatalf("load openapi.yaml: %v", specErr)
	}
	return specBytes, specRouter
}

// Document is the OpenAPI Contract as a document, for tests that draw requests from it;
// it is shared, so a caller only reads it.
func Document(tb testing.TB) *openapi3.T {
	tb.Helper()
	raw, _ := Contract(tb)
	specDocOnce.Do(func() { specDoc, specDocErr = openapi3.NewLoader().LoadFromData(raw) })
	if specDocErr != nil {
		tb.Fatalf("load openapi.yaml: %v", specDocErr)
	}
	return specDoc
}

var (
	specDocOnce sync.Once
	specDoc     *openapi3.T
	specDocErr  error
)

// SharedStore is one seeded store for the read-only tests of this package; it lives in a
// temporary directory for the whole test binary.
func SharedStore(tb testing.TB) *store.Store {
	tb.Helper()
	storetest.Using(tb)
	sharedOnce.Do(func() {
		loc, err := storetest.SharedLocation()
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = store.Open(context.Background(), store.Options{DB: loc, Seed: store.EmbeddedSeed()})
	})
	if sharedErr != nil {
		tb.Fatalf("open store: %v", sharedErr)
	}
	return shared
}

// NewServer returns the API and the pages over the shared seeded store, wired as main
// wires them.
func NewServer(tb testing.TB) http.Handler {
	tb.Helper()
	return Serve(tb, SharedStore(tb), Setup{Site: true})
}

// Setup is how Serve wires a server: the edge's configuration, the API's options (the
// spec is filled in), and whether the pages are served beside the API.
type Setup struct {
	Edge edge.Config
	API  api.Options
	Site bool
}

// Serve wires the API over st (and the pages, with setup.Site) behind the edge, as main
// does.
func Serve(tb testing.TB, st *store.Store, setup Setup) *edge.Server {
	tb.Helper()
	if setup.API.Spec == nil {
		setup.API.Spec, _ = Contract(tb)
	}
	jsonAPI, err := api.Routes(st, setup.API)
	if err != nil {
		tb.Fatal(err)
	}
	surfaces := []edge.Surface{jsonAPI}
	if setup.Site {
		surfaces = append(surfaces, web.Routes(st, nil))
	}
	srv, err := edge.New(setup.Edge, surfaces...)
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// Do sends a request through the server and checks the response against the OpenAPI
// Contract: the operation must be in the spec, and the status, headers and body must match
// what it documents. Only requests the spec cannot route (unknown paths) skip the check.
func Do(tb testing.TB, srv http.Handler, req *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	CheckContract(tb, req, rec)
	return rec
}

func Get(tb testing.TB, srv http.Handler, target string) *httptest.ResponseRecorder {
	tb.Helper()
	return Do(tb, srv, httptest.NewRequest(http.MethodGet, target, nil))
}

func CheckContract(tb testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	tb.Helper()
	_, router := Contract(tb)
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		if rec.Code < 400 && rec.Code != http.StatusNotModified {
			tb.Errorf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL, rec.Code, err)
		}
		return
	}
	if rec.Code == http.StatusNotModified {
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route,
		// Parameter validation is the server's job, and the tests check its problem answers;
		// here only the response shape is under test.
		Options: &openapi3filter.Options{ExcludeRequestBody: true, ExcludeRequestQueryParams: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			tb.Fatalf("gzip body: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			tb.Fatalf("gzip body: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		tb.Errorf("%s %s: response %d does not match openapi.yaml: %v\nbody: %.500s", req.Method, req.URL, rec.Code, err, rec.Body.String())
	}
}

// Decode reads a JSON body into v, failing the test on a malformed body.
func Decode[T any](tb testing.TB, rec *httptest.ResponseRecorder) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		tb.Fatalf("decode %T: %v\nbody: %.500s", v, err, rec.Body.String())
	}
	return v
}

// GetOK gets target, fails the test unless it answers 200, and decodes the JSON body: the
// usual first step of a read test.
func GetOK[T any](tb testing.TB, srv http.Handler, target string) T {
	tb.Helper()
	rec := Get(tb, srv, target)
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET %s = %d; want 200\nbody: %.500s", target, rec.Code, rec.Body.String())
	}
	return Decode[T](tb, rec)
}

// WantProblem checks a response is an RFC 9457 problem with the status, naming field.
func WantProblem(tb testing.TB, rec *httptest.ResponseRecorder, status int, field string) httpio.Problem {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("status = %d; want %d\nbody: %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		tb.Fatalf("Content-Type = %q; want application/problem+json", ct)
	}
	p := Decode[httpio.Problem](tb, rec)
	if p.Status != status || p.Title == "" || p.Type == "" {
		tb.Errorf("problem = %+v; want status %d with type and title", p, status)
	}
	if field != "" && !HasField(p.Errors, field) {
		tb.Errorf("problem errors %+v do not name %q", p.Errors, field)
	}
	return p
}

func HasField(errs []models.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// repoRoot is the module's root directory, where openapi.yaml lives, found from this
// source file so tests in any package read the same spec.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// NewWritableServer returns the server over a fresh store of its own, seeded with the
// embedded dataset, for tests that write.
func NewWritableServer(tb testing.TB) (http.Handler, *store.Store) {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Options{DB: storetest.Location(tb), Seed: store.EmbeddedSeed()})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return Serve(tb, st, Setup{Site: true}), st
}

// Token makes an API token with a role in st.
func Token(tb testing.TB, st *store.Store, name string, role models.Role) string {
	tb.Helper()
	tok, err := st.CreateToken(context.Background(), name, role)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Send sends a request with a body, bearer token and headers (name, value pairs) through
// the server, checking the response against the contract.
func Send(tb testing.TB, srv http.Handler, method, target, token, contentType string, body []byte, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return Do(tb, srv, req)
}
