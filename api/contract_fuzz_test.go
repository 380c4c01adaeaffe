package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
)

// FuzzContract draws requests from the OpenAPI document, as an outside contract tester
// does, and holds the server to it. The fuzzer's bytes choose an operation, then each
// parameter and body member from what its schema admits: its examples, its enum, and a
// pool of values filtered by the schema (bounds, lengths, patterns). Every request is
// checked against the spec before it is sent. Whatever it is, the server never fails
// (5xx); its answer is one the spec documents, in the documented shape; it refuses the
// request (400, 422) only by a rule the spec can state in words alone (proseRules); and
// any other refusal depends on the evidence base as it is (404, 409, 412, 428).
//
// The seeds are each operation's documented request, so under go test every operation
// of the spec runs.
func FuzzContract(f *testing.F) {
	ct := newContractTester(f)
	for i := range ct.ops {
		f.Add([]byte{byte(i)})
	}
	f.Fuzz(func(t *testing.T, data []byte) { ct.run(t, data) })
}

// proseRules are the rules the API enforces that the spec can only state in words: they
// depend on the evidence base as it is, on two parts of one request together, or on the
// grammar of a filter, sort or field list. A refusal naming only these is one the
// contract allows a schema-valid request; any other names a rule the spec should state.
// field is the last part of a problem's field name ("evidence[0].study_id" is study_id;
// "" matches any); reason is a part of its reason ("" matches any).
var proseRules = []struct{ field, reason string }{
	// the evidence base as it is
	{"themes", "is not in the vocabulary"},
	{"strands", "is not in the vocabulary"},
	{"disadvantage_focus", "is not in the vocabulary"},
	{"interventions", "no intervention with id"},
	{"study_id", "no study with id"},
	{"doi", "is also the DOI of"},
	{"page", "is past the last page"},
	{"cursor", "is not a cursor of this query"},
	{"q", "stands for more than"}, // a prefix's words are the evidence base's
	{"q", "its prefixes stand for"},
	{"Idempotency-Key", "was used before with a different body"},
	// an imported dataset's records together
	{"id", "is used by another record"},
	{"slug", "is used by another record"},
	{"summary", "is the same as the summary of"},
	// two parts of one request
	{"id", "not the path's"},
	{"slug", "not the path's"},
	{"effect_size_measure", "go together"},
	{"result", "must state a result"},
	{"result", "only an impact item has a result"},
	{"result_fact", "goes only with a result other than not-reported"},
	{"design", "only for an item that links to no study"},
	{"bom", "applies to format=csv only"},
	{"", "which exports every matching record"}, // list parameters an export does not take
	{"", "a feed takes filter and q"},           // list parameters a feed does not take
	{"cursor", "use either cursor or page"},
	{"page", "offset paging stops at record"}, // page × per_page
	{"cols", "must differ from rows"},
	// grammars the parameters' descriptions state
	{"filter", ""},
	{"sort", ""},
	{"facets", ""},
	{"fields", ""},
	{"include", ""},
	{"q", "terms; at most"},
	{"ids", ""}, // 2–4 distinct intervention ids, comma-separated
}

func inProse(fe models.FieldError) bool {
	field := fe.Field[strings.LastIndex(fe.Field, ".")+1:]
	field, _, _ = strings.Cut(field, "[")
	for _, r := range proseRules {
		if (r.field == "" || r.field == field) && strings.Contains(fe.Reason, r.reason) {
			return true
		}
	}
	return false
}

type operation struct {
	method, path string
	op           *openapi3.Operation
}

// contractTester sends drawn requests to a writable server with an admin's token, which
// every operation accepts.
type contractTester struct {
	srv     http.Handler
	admin   string
	router  routers.Router
	ops     []operation // in path and method order, so that an input means one operation
	dataset []byte      // the seeded evidence base, which every input starts from
}

func newContractTester(tb testing.TB) *contractTester {
	tb.Helper()
	srv, st := apitest.NewWritableServer(tb)
	ct := &contractTester{srv: srv, admin: apitest.Token(tb, st, "contract", models.RoleAdmin)}
	_, ct.router = apitest.Contract(tb)
	doc := apitest.Document(tb)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ct.ops = append(ct.ops, operation{method, path, op})
		}
	}
	slices.SortFunc(ct.ops, func(a, b operation) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.method, b.method))
	})
	rec := apitest.Send(tb, srv, http.MethodGet, "/api/v1/dataset", "", "", nil)
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET /api/v1/dataset = %d", rec.Code)
	}
	ct.dataset = rec.Body.Bytes()
	return ct
}

func (ct *contractTester) run(t *testing.T, data []byte) {
	d := &draw{data: data}
	o := ct.ops[d.pick(len(ct.ops))]
	r := ct.drawRequest(t, d, o)
	req := r.new()
	route, pathParams, err := ct.router.FindRoute(req)
	if err != nil {
		t.Fatalf("drawn %s is not an operation of the spec: %v", r, err)
	}
	if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}); err != nil {
		t.Fatalf("drew %s, which the spec does not admit (a slip of the generator): %v", r, err)
	}
	rec := apitest.Do(t, ct.srv, r.new())
	t.Logf("%d ← %.300s", rec.Code, r)
	// apitest.Do checks every status is documented but redirects, which kin-openapi passes
	if o.op.Responses.Status(rec.Code) == nil {
		t.Fatalf("%s: answered %d, which the spec does not document", r, rec.Code)
	}
	ct.judge(t, r, rec)
	if o.method != http.MethodGet && rec.Code < 300 {
		ct.restore(t)
	}
}

// judge holds an answer to a schema-valid request to what the contract allows.
func (ct *contractTester) judge(t *testing.T, r drawnRequest, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch code := rec.Code; code {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		p := apitest.Decode[httpio.Problem](t, rec)
		if len(p.Errors) == 0 {
			t.Fatalf("%s: refused with %d naming no field: %s", r, code, p.Detail)
		}
		for _, fe := range p.Errors {
			if !inProse(fe) {
				t.Fatalf("%s: refused with %d, though the spec admits it: %s %s", r, code, fe.Field, fe.Reason)
			}
		}
	case http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired:
		// the evidence base as it is: no such record, a clash with it, a stale or
		// missing ETag (apitest.Do has checked the operation documents the status)
	case http.StatusRequestURITooLong:
		// the spec bounds each parameter, and the whole target only in words
		if len(r.target) <= maxTarget {
			t.Fatalf("%s: answered 414 to a target of %d bytes", r, len(r.target))
		}
	default:
		if code >= 400 {
			t.Fatalf("%s: answered %d\n%.500s", r, code, rec.Body)
		}
	}
}

// restore imports the seeded evidence base again after a write, so that every input
// starts from it and a failure replays on its own.
func (ct *contractTester) restore(t *testing.T) {
	t.Helper()
	rec := apitest.Send(t, ct.srv, http.MethodPost, "/api/v1/imports", ct.admin, "application/json", ct.dataset)
	if rec.Code != http.StatusOK {
		t.Fatalf("restoring the evidence base: %d\n%.500s", rec.Code, rec.Body)
	}
}

// maxTarget is the longest request target the API reads (MaxURLBytes; 414 past it).
const maxTarget = 8192

// drawnRequest is a request drawn from an operation; new makes it afresh for each send.
type drawnRequest struct {
	method, target string
	header         http.Header
	body           []byte
}

func (r drawnRequest) new() *http.Request {
	req := httptest.NewRequest(r.method, r.target, bytes.NewReader(r.body))
	req.Header = r.header.Clone()
	return req
}

func (r drawnRequest) String() string {
	s := r.method + " " + r.target
	for _, name := range slices.Sorted(maps.Keys(r.header)) {
		if name != "Authorization" {
			s += fmt.Sprintf(" [%s: %s]", name, r.header.Get(name))
		}
	}
	if r.body != nil {
		s += fmt.Sprintf(" %.2000s", r.body)
	}
	return s
}

// parameterOrder draws path parameters first: If-Match is the ETag of the path drawn.
var parameterOrder = map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}

func (ct *contractTester) drawRequest(t *testing.T, d *draw, o operation) drawnRequest {
	params := slices.Clone(o.op.Parameters)
	slices.SortStableFunc(params, func(a, b *openapi3.ParameterRef) int {
		return cmp.Or(parameterOrder[a.Value.In]-parameterOrder[b.Value.In], strings.Compare(a.Value.Name, b.Value.Name))
	})
	path, query, header := o.path, url.Values{}, http.Header{}
	for _, ref := range params {
		p := ref.Value
		if p.In == "header" && p.Name == "If-Match" {
			// sent as a client that has read the record sends it, optional or not
			if p.Required || d.pick(4) != 3 {
				header.Set(p.Name, ct.drawIfMatch(t, d, path, p))
			}
			continue
		}
		if !p.Required && d.pick(2) == 0 {
			continue
		}
		v := paramText(d.value(t, p.Schema.Value, p.Example))
		switch p.In {
		case "path":
			path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(v), 1)
		case "query":
			query.Set(p.Name, v)
		case "header":
			header.Set(p.Name, v)
		}
	}
	r := drawnRequest{method: o.method, target: path, header: header}
	if len(query) > 0 {
		r.target += "?" + query.Encode()
	}
	if rb := o.op.RequestBody; rb != nil {
		types := slices.Sorted(maps.Keys(rb.Value.Content))
		mediaType := types[d.pick(len(types))]
		body, err := json.Marshal(d.value(t, rb.Value.Content[mediaType].Schema.Value))
		if err != nil {
			t.Fatal(err)
		}
		r.body = body
		header.Set("Content-Type", mediaType)
	}
	header.Set("Authorization", "Bearer "+ct.admin)
	return r
}

// drawIfMatch draws an If-Match: the record's current ETag (as a client that has read it
// sends), the documented example (a stale one) or "*".
func (ct *contractTester) drawIfMatch(t *testing.T, d *draw, path string, p *openapi3.Parameter) string {
	switch d.pick(3) {
	case 0:
		if etag := apitest.Send(t, ct.srv, http.MethodGet, path, ct.admin, "", nil).Header().Get("ETag"); etag != "" {
			return etag
		}
	case 2:
		return "*"
	}
	return paramText(p.Example)
}

func paramText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// draw reads the fuzzer's bytes as a sequence of choices. Past the end every choice is 0,
// the first option: an optional parameter left out, a body member sent and not null, a
// documented example where it fits the schema. So one byte, an operation's number, draws
// that operation's documented request.
type draw struct {
	data []byte
	next int
}

func (d *draw) pick(n int) int {
	if n <= 1 || d.next >= len(d.data) {
		return 0
	}
	d.next++
	return int(d.data[d.next-1]) % n
}

// value draws a value the schema admits: one of the examples given, its own example, its
// enum's values and the pool of its type, each kept only if the schema admits it.
func (d *draw) value(t *testing.T, s *openapi3.Schema, examples ...any) any {
	if s.Nullable && d.pick(4) == 3 {
		return nil
	}
	switch {
	case s.Type.Is("object"):
		return d.object(t, s)
	case s.Type.Is("array"):
		return d.array(t, s, examples)
	}
	var candidates []any
	for _, v := range slices.Concat(examples, []any{s.Example}, s.Enum, pool(s)) {
		if v != nil && s.VisitJSON(v) == nil {
			candidates = append(candidates, v)
		}
	}
	if len(candidates) == 0 {
		t.Fatalf("no value of the pool fits the schema %s: extend pool", mustJSON(s))
	}
	return candidates[d.pick(len(candidates))]
}

func (d *draw) object(t *testing.T, s *openapi3.Schema) map[string]any {
	out := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if slices.Contains(s.Required, name) || d.pick(6) != 5 {
			out[name] = d.value(t, s.Properties[name].Value)
		}
	}
	// a member the schema does not name, where it does not close the object
	if ap := s.AdditionalProperties; ap.Schema == nil && (ap.Has == nil || *ap.Has) && d.pick(8) == 7 {
		out["unlisted_member"] = "x"
	}
	return out
}

func (d *draw) array(t *testing.T, s *openapi3.Schema, examples []any) []any {
	// the elements of the array's examples are examples of its items
	var itemExamples []any
	for _, ex := range append(slices.Clone(examples), s.Example) {
		if list, ok := ex.([]any); ok {
			itemExamples = append(itemExamples, list...)
		}
	}
	n := int(s.MinItems) + d.pick(3)
	if s.MaxItems != nil {
		n = min(n, int(*s.MaxItems))
	}
	out := []any{}
	for tries := 0; len(out) < n && tries < 4*n; tries++ {
		v := d.value(t, s.Items.Value, itemExamples...)
		if s.UniqueItems && slices.ContainsFunc(out, func(x any) bool { return mustJSON(x) == mustJSON(v) }) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// pool is what the generator tries beyond a schema's examples and enum: plain and
// awkward values of its type, near its bounds.
func pool(s *openapi3.Schema) []any {
	switch {
	case s.Type.Is("string"):
		out := []any{
			words(70), "Parental engagement in children's learning", "x", "", " ", "\u00a0", "\u3000x\u3000", "line one\nline two",
			"lindsay-2008", "triple-p", "parenting-support", "low-income", "no-such-record", "Not_A_Slug", "a--b",
			"https://example.org/report.pdf", "http://example.org", "https://example.org/a%20b?x=1#top",
			"https://example.org/%zz", "ftp://example.org/file", "example.org/page",
			"10.1000/182", "10.12/too-short", "10.1000/with space",
			"Ünïcödé ✓ 😀", "<b>&amp;</b>", "*", words(59), words(60), words(150), words(151),
		}
		if s.MaxLength != nil {
			n := int(*s.MaxLength)
			out = append(out, strings.Repeat("x", n), strings.Repeat("é", n), strings.Repeat("😀", n))
		} else {
			out = append(out, strings.Repeat("x", 1500)) // past a limit the spec does not state
		}
		return out
	case s.Type.Is("integer"), s.Type.Is("number"):
		out := []any{0.0, 1.0, -1.0, 2.0, 5.0, 20.0, 100.0, 2008.0, 2010.0, 2014.0, 2015.0, 10001.0, float64(1 << 31), float64(1<<53 - 1)}
		for _, bound := range []*float64{s.Min, s.Max} {
			if bound != nil {
				out = append(out, *bound, *bound-1, *bound+1)
			}
		}
		if s.Type.Is("number") {
			out = append(out, 0.5, -0.25, 1.5, 1e9)
		}
		return out
	case s.Type.Is("boolean"):
		return []any{false, true}
	}
	return nil
}

// words is n words of plain text.
func words(n int) string {
	vocabulary := strings.Fields("parents schools children learning together at home and in class with support from staff")
	out := make([]string, n)
	for i := range out {
		out[i] = vocabulary[i%len(vocabulary)]
	}
	return strings.Join(out, " ")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
