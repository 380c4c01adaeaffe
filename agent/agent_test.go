package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/agent"
	"github.com/evidence-kb/parental-engagement/api"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/httpio"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// stdioBase is the -base-url of the stdio sessions the tests open.
const stdioBase = "http://kb.example:8080"

// session is a client's session with the server over one transport, and the base URL the
// server's links are on there.
type session struct {
	*mcp.ClientSession
	base    string
	outputs map[string]*jsonschema.Resolved // each tool's output schema, as listed
}

// newSession lists the tools, and keeps their output schemas to check results against.
func newSession(tb testing.TB, cs *mcp.ClientSession, base string) session {
	tb.Helper()
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	s := session{cs, base, map[string]*jsonschema.Resolved{}}
	for _, tool := range list.Tools {
		b, err := json.Marshal(tool.OutputSchema)
		if err != nil {
			tb.Fatal(err)
		}
		var schema jsonschema.Schema
		if err := json.Unmarshal(b, &schema); err != nil {
			tb.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		if s.outputs[tool.Name], err = schema.Resolve(nil); err != nil {
			tb.Fatalf("%s: output schema: %v", tool.Name, err)
		}
	}
	return s
}

// transports opens a session over each transport: stdio (the subcommand's code path,
// newline-delimited JSON on a pair of pipes) and Streamable HTTP (/mcp on the real edge,
// over TCP).
func transports(t *testing.T) map[string]session {
	st := apitest.SharedStore(t)
	srv := newHTTPServer(t, st, edge.Config{})
	return map[string]session{"stdio": stdioSession(t, st), "http": httpSession(t, srv.URL)}
}

func stdioSession(tb testing.TB, st *store.Store) session {
	tb.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Serve(ctx, st, agent.Options{BaseURL: stdioBase}, inR, outW)
		outW.Close()
	}()
	cs, err := newClient().Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cs.Close() // closes the server's stdin: Serve returns
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Serve after stdin closed: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Error("Serve did not return when stdin closed")
		}
		cancel()
	})
	return newSession(tb, cs, stdioBase)
}

func httpSession(tb testing.TB, base string) session {
	tb.Helper()
	cs, err := newClient().Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + agent.Path}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cs.Close() })
	return newSession(tb, cs, base)
}

func newClient() *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "evidence-kb-test", Version: "1"}, nil)
}

// newHTTPServer serves the API and /mcp over st behind one edge, as main wires them, on a
// real listener (the SDK's DNS-rebinding check reads the connection's local address).
func newHTTPServer(tb testing.TB, st *store.Store, cfg edge.Config) *httptest.Server {
	tb.Helper()
	spec, _ := apitest.Contract(tb)
	jsonAPI, err := api.Routes(st, api.Options{Spec: spec})
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := edge.New(cfg, jsonAPI, agent.Routes(st, agent.Options{}))
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	return ts
}

// call calls a tool that must answer, and decodes its structured result into T. The result
// must be valid by the output schema the tool lists, and the text content must say the
// same as the structured content, as JSON.
func call[T any](t *testing.T, s session, tool string, args map[string]any) T {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: protocol error: %v", tool, args, err)
	}
	if res.IsError {
		t.Fatalf("%s %v: tool error: %s", tool, args, text(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var structured any
	if err := json.Unmarshal(b, &structured); err != nil {
		t.Fatal(err)
	}
	if err := s.outputs[tool].Validate(structured); err != nil {
		t.Errorf("%s %v: the result does not fit the output schema: %v", tool, args, err)
	}
	// the test client reads structured results (it negotiates the latest protocol), so a
	// list's text is its digest, which links every item; any other result's text is the
	// structured content as JSON
	if slices.Contains(listTools, tool) {
		for _, page := range pageURLs(structured) {
			if !strings.Contains(text(res), page) {
				t.Errorf("%s: the text digest does not link %s:\n%s", tool, page, text(res))
			}
		}
	} else {
		var fromText any
		if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil || !reflect.DeepEqual(fromText, structured) {
			t.Errorf("%s: the text content is not the structured content as JSON (%v)", tool, err)
		}
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: decode %s: %v", tool, b, err)
	}
	return out
}

// callFails calls a tool with bad arguments: the answer must be a tool error (not a
// protocol error), whose text it returns.
func callFails(t *testing.T, s session, tool string, args map[string]any) string {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: a protocol error (%v); want a tool error", tool, args, err)
	}
	if !res.IsError {
		t.Fatalf("%s %v: answered %s; want a tool error", tool, args, text(res))
	}
	return text(res)
}

// listTools answer lists, which they word as a digest for clients that read structured
// results.
var listTools = []string{agent.ToolSearchStudies, agent.ToolFindInterventions}

// pageURLs are the page_url members anywhere in a JSON value.
func pageURLs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if u, ok := x.(string); ok && k == "page_url" {
				out = append(out, u)
			}
			out = append(out, pageURLs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, pageURLs(x)...)
		}
	}
	return out
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// restGet answers a GET from the JSON API over the same shared store. (The API's own tests
// check its answers against the OpenAPI contract; these only compare with them.)
func restGet(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	restOnce.Do(func() { restHandler = apitest.NewServer(t) })
	rec := httptest.NewRecorder()
	restHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	return rec
}

var (
	restOnce    sync.Once
	restHandler http.Handler
)

// rest is a GET from the JSON API, decoded.
func rest[T any](t *testing.T, target string) T {
	t.Helper()
	var out T
	if err := json.Unmarshal(restGet(t, target).Body.Bytes(), &out); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return out
}

func restText(t *testing.T, target string) string {
	t.Helper()
	return restGet(t, target).Body.String()
}

// same reports whether two values encode to the same JSON value.
func same(a, b any) bool {
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			panic(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

type meta struct {
	DatasetVersion string `json:"dataset_version"`
	ReviewWindow   struct {
		From, To int
	} `json:"review_window"`
}

func checkMeta(t *testing.T, tool string, m meta) {
	t.Helper()
	st := apitest.SharedStore(t)
	if m.DatasetVersion != st.DatasetVersion() || m.ReviewWindow.From != 2008 || m.ReviewWindow.To != 2014 {
		t.Errorf("%s: meta %+v; want dataset version %s and the window 2008–2014", tool, m, st.DatasetVersion())
	}
}

// Every tool is listed, read-only, with an input schema of type object and an output
// schema; so are the resource templates and the prompt.
func TestListed(t *testing.T) {
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			list, err := s.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range list.Tools {
				names = append(names, tool.Name)
				if tool.OutputSchema == nil {
					t.Errorf("%s has no output schema", tool.Name)
				}
				if in, _ := tool.InputSchema.(map[string]any); in["type"] != "object" {
					t.Errorf("%s: input schema %v; want an object", tool.Name, tool.InputSchema)
				}
				if out, _ := tool.OutputSchema.(map[string]any); out["type"] != "object" || out["properties"].(map[string]any)["meta"] == nil {
					t.Errorf("%s: output schema has no meta: %v", tool.Name, tool.OutputSchema)
				}
				if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint || tool.Description == "" {
					t.Errorf("%s: annotations %+v; want read-only, and a description", tool.Name, tool.Annotations)
				}
			}
			if !slices.Equal(names, sorted(agent.Tools)) {
				t.Errorf("tools %v; want %v", names, agent.Tools)
			}
			templates, err := s.ListResourceTemplates(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var uris []string
			for _, rt := range templates.ResourceTemplates {
				uris = append(uris, rt.URITemplate)
			}
			if !slices.Equal(sorted(uris), sorted([]string{agent.StudyTemplate, agent.InterventionTemplate})) {
				t.Errorf("resource templates %v", uris)
			}
			prompts, err := s.ListPrompts(ctx, nil)
			if err != nil || len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != agent.PromptEvidenceBrief {
				t.Errorf("prompts %+v, %v; want %s", prompts, err, agent.PromptEvidenceBrief)
			}
			if init := s.InitializeResult(); init == nil || !strings.Contains(init.Instructions, "null") {
				t.Error("the server gives no instructions on null fields")
			}
		})
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// Every tool answers good arguments with a result carrying the dataset version and the
// review window, and bad ones with a tool error naming the argument.
func TestCalls(t *testing.T) {
	good := []struct {
		tool string
		args map[string]any
	}{
		{agent.ToolSearchStudies, map[string]any{"q": "fathers", "limit": 3}},
		{agent.ToolSearchStudies, map[string]any{}},
		{agent.ToolGetStudy, map[string]any{"id": "lindsay-2008"}},
		{agent.ToolFindInterventions, map[string]any{"disadvantage": "low-income", "stage": "primary"}},
		{agent.ToolFindInterventions, map[string]any{"disadvantage": "Low-Income"}},
		{agent.ToolGetIntervention, map[string]any{"id": "triple-p"}},
		{agent.ToolEvidenceMap, map[string]any{}},
		{agent.ToolEvidenceMap, map[string]any{"rows": "disadvantage", "cols": "design", "filter": "year:2010-2014", "q": "reading"}},
		{agent.ToolCite, map[string]any{"ids": []string{"lindsay-2008"}}},
		{agent.ToolCite, map[string]any{"ids": []string{"lindsay-2008", "lindsay-2008"}, "style": "csl-json"}},
		{agent.ToolGlossary, map[string]any{"term": "RCT"}},
		{agent.ToolGlossary, map[string]any{}},
	}
	bad := []struct {
		tool string
		args map[string]any
		arg  string // the argument the error must name
	}{
		{agent.ToolSearchStudies, map[string]any{"filter": "colour:red"}, "filter"},
		{agent.ToolSearchStudies, map[string]any{"filter": "design:interview"}, "filter"},
		{agent.ToolSearchStudies, map[string]any{"sort": "colour"}, "sort"},
		{agent.ToolSearchStudies, map[string]any{"limit": 500}, "limit"},
		{agent.ToolSearchStudies, map[string]any{"limit": "ten"}, "limit"},
		{agent.ToolSearchStudies, map[string]any{"page": 0}, "page"},
		{agent.ToolSearchStudies, map[string]any{"page": 99}, "page"},
		{agent.ToolSearchStudies, map[string]any{"q": strings.Repeat("parent ", 300)}, "q"},
		{agent.ToolSearchStudies, map[string]any{"query": "fathers"}, "query"},
		{agent.ToolGetStudy, map[string]any{}, "id"},
		{agent.ToolGetStudy, map[string]any{"id": "no-such-study"}, "id"},
		{agent.ToolGetStudy, map[string]any{"id": "Not An Id!"}, "id"},
		{agent.ToolGetStudy, map[string]any{"id": 7}, "id"},
		{agent.ToolFindInterventions, map[string]any{"stage": "kindergarten"}, "stage"},
		{agent.ToolFindInterventions, map[string]any{"disadvantage": "poor"}, "disadvantage"},
		{agent.ToolFindInterventions, map[string]any{"theme": "low-income"}, "theme"},
		{agent.ToolFindInterventions, map[string]any{"sort": "year"}, "sort"},
		{agent.ToolGetIntervention, map[string]any{"id": "no-such-programme"}, "id"},
		{agent.ToolEvidenceMap, map[string]any{"rows": "colour"}, "rows"},
		{agent.ToolEvidenceMap, map[string]any{"rows": "theme", "cols": "theme"}, "cols"},
		{agent.ToolEvidenceMap, map[string]any{"filter": "year:2030-"}, "filter"},
		{agent.ToolCite, map[string]any{"ids": []string{}}, "ids"},
		{agent.ToolCite, map[string]any{"ids": []string{"lindsay-2008", "no-such-study"}}, "ids[1]"},
		{agent.ToolCite, map[string]any{"ids": []string{"lindsay-2008"}, "style": "mla"}, "style"},
		{agent.ToolGlossary, map[string]any{"term": "zzzz"}, "term"},
	}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range good {
				out := call[struct {
					Meta meta `json:"meta"`
				}](t, s, c.tool, c.args)
				checkMeta(t, c.tool, out.Meta)
			}
			for _, c := range bad {
				msg := callFails(t, s, c.tool, c.args)
				if !strings.Contains(msg, fmt.Sprintf("invalid argument %q", c.arg)) {
					t.Errorf("%s %v: %q does not name the argument %s", c.tool, c.args, msg, c.arg)
				}
			}
		})
	}
}

type studySearch struct {
	Total    int  `json:"total"`
	Page     int  `json:"page"`
	NextPage *int `json:"next_page"`
	Hits     []struct {
		ID      string   `json:"id"`
		Title   string   `json:"title"`
		Authors []string `json:"authors"`
		Year    int      `json:"year"`
		Design  *string  `json:"design"`
		Country *string  `json:"country"`
		Snippet string   `json:"snippet"`
		PageURL string   `json:"page_url"`
	} `json:"hits"`
	ListURL string `json:"list_url"`
	Meta    meta   `json:"meta"`
}

type restList struct {
	Data  []map[string]any `json:"data"`
	Meta  struct{ Total int }
	Links struct{ Self string }
}

// pathAndQuery is a URL without its scheme and host, which differ between the test
// servers.
func pathAndQuery(t *testing.T, s string) string {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// search_studies finds the API's studies, in the API's order, with the API's fields.
func TestSearchStudiesIsTheAPIsSearch(t *testing.T) {
	queries := []map[string]any{
		{"q": "parental engagement", "limit": 20},
		{"filter": "theme:family-learning,year:2010-2014", "limit": 10},
		{"q": "parents", "filter": "stage:primary", "sort": "-year,title", "limit": 5, "page": 2},
		{"filter": "disadvantage:eal", "sort": "title", "limit": 100},
		{"q": "EAL", "limit": 10},
		{"q": "fathers OR dads", "filter": "design:!qualitative", "limit": 7},
		{"limit": 10},
	}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, q := range queries {
				got := call[studySearch](t, s, agent.ToolSearchStudies, q)
				v := url.Values{}
				for _, k := range []string{"q", "filter", "sort"} {
					if x, ok := q[k].(string); ok {
						v.Set(k, x)
					}
				}
				v.Set("per_page", fmt.Sprint(q["limit"]))
				v.Set("page", "1")
				if p, ok := q["page"]; ok {
					v.Set("page", fmt.Sprint(p))
				}
				want := rest[restList](t, "/api/v1/studies?"+v.Encode())
				var gotIDs, wantIDs []string
				for _, h := range got.Hits {
					gotIDs = append(gotIDs, h.ID)
				}
				for _, d := range want.Data {
					wantIDs = append(wantIDs, d["id"].(string))
				}
				if len(wantIDs) == 0 || !slices.Equal(gotIDs, wantIDs) || got.Total != want.Meta.Total {
					t.Errorf("%v: ids %v (total %d); the API's %v (total %d)", q, gotIDs, got.Total, wantIDs, want.Meta.Total)
					continue
				}
				if pathAndQuery(t, got.ListURL) != pathAndQuery(t, want.Links.Self) {
					t.Errorf("%v: list_url %s; the API's self link %s", q, got.ListURL, want.Links.Self)
				}
				for i, h := range got.Hits {
					d := want.Data[i]
					if !same(h.Title, d["title"]) || !same(h.Authors, d["authors"]) || !same(h.Year, d["year"]) || !same(h.Design, d["design"]) || !same(h.Country, d["country"]) {
						t.Errorf("%v: hit %s differs from the API's record", q, h.ID)
					}
					if h.PageURL != s.base+"/studies/"+h.ID {
						t.Errorf("%v: hit %s links %s", q, h.ID, h.PageURL)
					}
					if h.Snippet == "" || strings.Contains(h.Snippet, "<mark>") {
						t.Errorf("%v: hit %s snippet %q", q, h.ID, h.Snippet)
					}
				}
				if _, searching := q["q"]; searching && !strings.Contains(got.Hits[0].Snippet, "**") {
					t.Errorf("%v: the first hit's snippet marks no match: %q", q, got.Hits[0].Snippet)
				}
			}
		})
	}
}

type interventionList struct {
	Total         int     `json:"total"`
	Filter        string  `json:"filter"`
	Note          *string `json:"note"`
	ListURL       string  `json:"list_url"`
	FinderURL     string  `json:"finder_url"`
	Interventions []struct {
		ID              string          `json:"id"`
		StudyCount      int             `json:"study_count"`
		EvidenceSummary json.RawMessage `json:"evidence_summary"`
		PageURL         string          `json:"page_url"`
	} `json:"interventions"`
}

// find_interventions asks the finder's questions of the API's interventions list: the same
// interventions in the same order, each with the API's evidence summary and study count.
func TestFindInterventionsIsTheAPIsList(t *testing.T) {
	cases := []struct {
		args   map[string]any
		filter string
	}{
		{map[string]any{"disadvantage": "low-income", "stage": "primary", "limit": 50}, "disadvantage:low-income,stage:primary"},
		{map[string]any{"theme": "engaging-with-fathers", "limit": 50}, "theme:engaging-with-fathers"},
		{map[string]any{"setting": "home", "q": "reading", "limit": 50}, "setting:home"},
		{map[string]any{"stage": "early-years", "sort": "-study_count,name", "limit": 5}, "stage:early-years"},
		{map[string]any{"strand": "direct-support-for-parents", "disadvantage": "Low-Income", "limit": 50}, "disadvantage:low-income,strand:direct-support-for-parents"},
		{map[string]any{"disadvantage": "EAL", "limit": 50}, "disadvantage:eal"},
		{map[string]any{"limit": 100}, ""},
	}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range cases {
				got := call[interventionList](t, s, agent.ToolFindInterventions, c.args)
				if got.Filter != c.filter {
					t.Errorf("%v: filter %q; want %q", c.args, got.Filter, c.filter)
				}
				v := url.Values{"per_page": {fmt.Sprint(c.args["limit"])}, "page": {"1"}}
				if c.filter != "" {
					v.Set("filter", c.filter)
				}
				for _, k := range []string{"q", "sort"} {
					if x, ok := c.args[k].(string); ok {
						v.Set(k, x)
					}
				}
				want := rest[struct {
					Data []struct {
						ID              string          `json:"id"`
						StudyCount      int             `json:"study_count"`
						EvidenceSummary json.RawMessage `json:"evidence_summary"`
					} `json:"data"`
					Meta  struct{ Total int }
					Links struct{ Self string }
				}](t, "/api/v1/interventions?"+v.Encode())
				if len(got.Interventions) != len(want.Data) || got.Total != want.Meta.Total || len(want.Data) == 0 {
					t.Errorf("%v: %d interventions (total %d); the API's %d (total %d)", c.args, len(got.Interventions), got.Total, len(want.Data), want.Meta.Total)
					continue
				}
				for i, iv := range got.Interventions {
					w := want.Data[i]
					if iv.ID != w.ID || iv.StudyCount != w.StudyCount || !sameJSON(iv.EvidenceSummary, w.EvidenceSummary) {
						t.Errorf("%v: #%d is %s (%d studies, %s); the API's %s (%d, %s)", c.args, i, iv.ID, iv.StudyCount, iv.EvidenceSummary, w.ID, w.StudyCount, w.EvidenceSummary)
					}
					if iv.PageURL != s.base+"/interventions/"+iv.ID {
						t.Errorf("page_url %s", iv.PageURL)
					}
				}
				if pathAndQuery(t, got.ListURL) != pathAndQuery(t, want.Links.Self) {
					t.Errorf("%v: list_url %s; the API's self link %s", c.args, got.ListURL, want.Links.Self)
				}
				if _, staged := c.args["stage"]; staged != (got.Note != nil) {
					t.Errorf("%v: note %v", c.args, got.Note)
				}
			}
		})
	}
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// get_intervention gives every intervention's evidence summary exactly as the API does,
// and its typed evidence items with the reference facts, nulls kept.
func TestGetInterventionIsTheAPIs(t *testing.T) {
	ids := rest[struct {
		Data []struct{ ID string } `json:"data"`
	}](t, "/api/v1/interventions?per_page=100&fields=id")
	if len(ids.Data) < 30 {
		t.Fatalf("%d interventions", len(ids.Data))
	}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, ref := range ids.Data {
				got := call[struct {
					ID              string          `json:"id"`
					URL             *string         `json:"url"`
					Origin          *string         `json:"origin"`
					Stage           *string         `json:"stage"`
					EvidenceSummary json.RawMessage `json:"evidence_summary"`
					Evidence        []struct {
						Finding    string  `json:"finding"`
						Kind       string  `json:"kind"`
						Result     *string `json:"result"`
						ResultFact *string `json:"result_fact"`
						Window     string  `json:"window"`
						Study      *struct {
							ID string `json:"id"`
						} `json:"study"`
					} `json:"evidence"`
					Meta meta `json:"meta"`
				}](t, s, agent.ToolGetIntervention, map[string]any{"id": ref.ID})
				want := rest[struct {
					Data struct {
						models.Intervention
						EvidenceSummary json.RawMessage `json:"evidence_summary"`
					} `json:"data"`
				}](t, "/api/v1/interventions/"+ref.ID)
				w := want.Data
				if !sameJSON(got.EvidenceSummary, w.EvidenceSummary) {
					t.Errorf("%s: summary %s; the API's %s", ref.ID, got.EvidenceSummary, w.EvidenceSummary)
				}
				if !same(got.URL, w.URL) || !same(got.Origin, w.Origin) || !same(got.Stage, w.Stage) {
					t.Errorf("%s: url, origin or stage differ from the API's", ref.ID)
				}
				if len(got.Evidence) != len(w.Evidence) {
					t.Errorf("%s: %d evidence items; the API's %d", ref.ID, len(got.Evidence), len(w.Evidence))
					continue
				}
				for i, e := range got.Evidence {
					we := w.Evidence[i]
					var study *string
					if e.Study != nil {
						study = &e.Study.ID
					}
					if e.Finding != we.Finding || e.Kind != we.Kind || e.Window != we.Window || !same(e.Result, we.Result) || !same(e.ResultFact, we.ResultFact) || !same(study, we.StudyID) {
						t.Errorf("%s: evidence item %d %+v; the API's %+v", ref.ID, i, e, we)
					}
				}
			}
		})
	}
}

// get_study gives the record exactly as the API holds it: every field, null where the
// source gives nothing; its resource gives the same.
func TestGetStudyIsTheAPIs(t *testing.T) {
	ids := rest[struct {
		Data []struct{ ID string } `json:"data"`
	}](t, "/api/v1/studies?per_page=100&fields=id&sort=id")
	nulls := 0
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, ref := range ids.Data {
				got := call[struct {
					Study       json.RawMessage `json:"study"`
					CitationAPA string          `json:"citation_apa"`
					PageURL     string          `json:"page_url"`
					URI         string          `json:"uri"`
				}](t, s, agent.ToolGetStudy, map[string]any{"id": ref.ID})
				want := rest[struct {
					Data json.RawMessage `json:"data"`
				}](t, "/api/v1/studies/"+ref.ID)
				if !sameJSON(got.Study, want.Data) {
					t.Errorf("%s: study %s; the API's %s", ref.ID, got.Study, want.Data)
				}
				nulls += bytes.Count(got.Study, []byte(":null"))
				if apa := strings.TrimSpace(restText(t, "/api/v1/studies/"+ref.ID+"?format=apa")); got.CitationAPA != apa {
					t.Errorf("%s: citation %q; the API's %q", ref.ID, got.CitationAPA, apa)
				}
				if got.PageURL != s.base+"/studies/"+ref.ID {
					t.Errorf("%s: page_url %s", ref.ID, got.PageURL)
				}
				res, err := s.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: got.URI})
				if err != nil || len(res.Contents) != 1 || res.Contents[0].MIMEType != "application/json" {
					t.Fatalf("read %s: %+v, %v", got.URI, res, err)
				}
				var fromResource struct {
					Study json.RawMessage `json:"study"`
				}
				if err := json.Unmarshal([]byte(res.Contents[0].Text), &fromResource); err != nil || !sameJSON(fromResource.Study, want.Data) {
					t.Errorf("%s: the resource's study differs from the API's (%v)", got.URI, err)
				}
			}
		})
	}
	if nulls == 0 {
		t.Error("no study has a null field: the test shows nothing about nulls")
	}
}

// cite writes what the API's exporters write, with the API's citation keys.
func TestCiteIsTheAPIsExport(t *testing.T) {
	ids := []string{"goodall-2011", "lindsay-2008"}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, style := range []string{"apa", "bibtex", "ris", "csl-json"} {
				got := call[struct {
					Style     string   `json:"style"`
					MediaType string   `json:"media_type"`
					Text      string   `json:"text"`
					IDs       []string `json:"ids"`
				}](t, s, agent.ToolCite, map[string]any{"ids": ids, "style": style})
				want := restText(t, "/api/v1/studies?filter=id:"+strings.Join(ids, "|")+"&sort=id&format="+style)
				if got.Text != want || !slices.Equal(got.IDs, ids) {
					t.Errorf("%s: %q; the API's export %q", style, got.Text, want)
				}
			}
		})
	}
}

// evidence_map counts what the API's map counts, and each cell's filter lists its studies.
func TestEvidenceMapIsTheAPIs(t *testing.T) {
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			args := map[string]any{"rows": "disadvantage", "cols": "design", "filter": "year:2009-2013"}
			got := call[struct {
				RowValues json.RawMessage `json:"row_values"`
				Cells     []struct {
					Row, Col, Filter string
					Count            int
					Gap              bool
				} `json:"cells"`
				Total, Gaps int
				APIURL      string `json:"api_url"`
			}](t, s, agent.ToolEvidenceMap, args)
			want := rest[api.EvidenceMap](t, "/api/v1/evidence-map?rows=disadvantage&cols=design&filter=year:2009-2013")
			if len(got.Cells) != len(want.Cells) || got.Total != want.Total {
				t.Fatalf("%d cells, total %d; the API's %d, %d", len(got.Cells), got.Total, len(want.Cells), want.Total)
			}
			rowValues, _ := json.Marshal(want.RowKeys)
			if !sameJSON(got.RowValues, rowValues) {
				t.Errorf("row values %s; the API's %s", got.RowValues, rowValues)
			}
			gaps := 0
			for i, c := range got.Cells {
				w := want.Cells[i]
				if c.Row != w.Row || c.Col != w.Col || c.Count != w.Count || c.Gap != w.Gap {
					t.Errorf("cell %+v; the API's %+v", c, w)
				}
				if c.Gap {
					gaps++
				}
			}
			if gaps != got.Gaps || gaps == 0 {
				t.Errorf("gaps %d, counted %d", got.Gaps, gaps)
			}
			for _, c := range got.Cells {
				if c.Count > 0 {
					hits := call[studySearch](t, s, agent.ToolSearchStudies, map[string]any{"filter": c.Filter, "limit": 1})
					if hits.Total != c.Count {
						t.Errorf("cell %s × %s counts %d; search_studies with its filter %q finds %d", c.Row, c.Col, c.Count, c.Filter, hits.Total)
					}
					break
				}
			}
			if !strings.HasPrefix(got.APIURL, s.base+"/api/v1/evidence-map?") {
				t.Errorf("api_url %s", got.APIURL)
			}
		})
	}
}

// The glossary defines a term from the glossary the API serves, and the vocabularies'
// own descriptions.
func TestGlossary(t *testing.T) {
	s := transports(t)["stdio"]
	type entries struct {
		Term    *string `json:"term"`
		Entries []struct {
			Field, Value, Label, Description string
			Provisional                      bool
		} `json:"entries"`
	}
	rct := call[entries](t, s, agent.ToolGlossary, map[string]any{"term": "randomised controlled trial"})
	if len(rct.Entries) != 1 || rct.Entries[0].Value != "RCT" || rct.Entries[0].Field != "design" || rct.Term == nil {
		t.Fatalf("%+v", rct)
	}
	want := rest[api.GlossaryList](t, "/api/v1/glossary")
	for _, sec := range want.Data {
		for _, term := range sec.Terms {
			if sec.Field == "design" && term.Value == "RCT" && term.Description != rct.Entries[0].Description {
				t.Errorf("RCT: %q; the API's %q", rct.Entries[0].Description, term.Description)
			}
		}
	}
	eal := call[entries](t, s, agent.ToolGlossary, map[string]any{"term": "EAL"})
	if len(eal.Entries) != 1 || eal.Entries[0].Field != "disadvantage" {
		t.Errorf("EAL: %+v", eal)
	}
	all := call[entries](t, s, agent.ToolGlossary, nil)
	provisional := 0
	for _, e := range all.Entries {
		if e.Provisional {
			provisional++
		}
	}
	if all.Term != nil || len(all.Entries) < 50 || provisional < 7 {
		t.Errorf("the whole glossary: %d entries, %d provisional", len(all.Entries), provisional)
	}
}

// A record's resource is read by its URI; an unknown one is "not found"; the prompt frames
// a brief in the tools' steps.
func TestResourcesAndPrompt(t *testing.T) {
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			res, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: "evidence-kb://interventions/triple-p"})
			if err != nil {
				t.Fatal(err)
			}
			var iv struct {
				ID, PageURL     string
				EvidenceSummary struct{ Statement string } `json:"evidence_summary"`
			}
			if err := json.Unmarshal([]byte(res.Contents[0].Text), &iv); err != nil || iv.ID != "triple-p" || iv.EvidenceSummary.Statement == "" {
				t.Errorf("triple-p: %+v, %v", iv, err)
			}
			for _, uri := range []string{"evidence-kb://studies/no-such-study", "evidence-kb://interventions/Bad Id", "evidence-kb://themes/x"} {
				if _, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil || !strings.Contains(err.Error(), "not found") {
					t.Errorf("%s: %v; want not found", uri, err)
				}
			}
			p, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: agent.PromptEvidenceBrief, Arguments: map[string]string{"question": "What works for engaging fathers?", "disadvantage": "fathers"}})
			if err != nil {
				t.Fatal(err)
			}
			msg := p.Messages[0].Content.(*mcp.TextContent).Text
			for _, want := range []string{"What works for engaging fathers?", `disadvantage "fathers"`, agent.ToolFindInterventions, agent.ToolGetIntervention, agent.ToolCite, "statement", "null"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the prompt does not say %q", want)
				}
			}
			if _, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: agent.PromptEvidenceBrief}); err == nil || !strings.Contains(err.Error(), "question") {
				t.Errorf("a brief without a question: %v", err)
			}
		})
	}
}

// post sends one JSON-RPC message to /mcp as a Streamable HTTP client does.
func post(t *testing.T, target, host string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func toolCall(tool string, args map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
	if err != nil {
		panic(err)
	}
	return b
}

// /mcp goes through the edge: it is rate limited and bounded like the API, it keeps the
// SDK's DNS-rebinding protection, and it answers what it does not serve with the edge's
// problems or the transport's 405.
func TestHTTPThroughTheEdge(t *testing.T) {
	st := apitest.SharedStore(t)
	srv := newHTTPServer(t, st, edge.Config{})
	search := toolCall(agent.ToolSearchStudies, map[string]any{"q": "fathers"})

	resp := post(t, srv.URL+agent.Path, "", search)
	var answer struct {
		Result struct {
			StructuredContent studySearch `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("a plain POST: %d %s, %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if hits := answer.Result.StructuredContent.Hits; len(hits) == 0 || !strings.HasPrefix(hits[0].PageURL, srv.URL+"/studies/") {
		t.Errorf("links are not on the request's host %s: %+v", srv.URL, hits)
	}

	// the transport's refusals are problem documents, as the rest of the server's are
	wantProblem := func(what string, resp *http.Response, status int) {
		t.Helper()
		defer resp.Body.Close()
		var p httpio.Problem
		err := json.NewDecoder(resp.Body).Decode(&p)
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != httpio.ProblemType || err != nil || p.Status != status || p.Detail == "" {
			t.Errorf("%s: %d %q %+v (%v); want a %d problem saying why", what, resp.StatusCode, resp.Header.Get("Content-Type"), p, err, status)
		}
	}
	wantProblem("a request naming another host on a loopback address (DNS-rebinding protection)",
		post(t, srv.URL+agent.Path, "evil.example", search), http.StatusForbidden)
	big := toolCall(agent.ToolSearchStudies, map[string]any{"q": strings.Repeat("x", agent.MaxBodyBytes)})
	wantProblem(fmt.Sprintf("a body over %d bytes", agent.MaxBodyBytes), post(t, srv.URL+agent.Path, "", big), http.StatusRequestEntityTooLarge)
	resp, err := http.Get(srv.URL + agent.Path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /mcp: Allow %q; want POST (the server is stateless)", resp.Header.Get("Allow"))
	}
	wantProblem("GET /mcp", resp, http.StatusMethodNotAllowed)
	notJSON, err := http.Post(srv.URL+agent.Path, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	wantProblem("a POST that is not JSON", notJSON, http.StatusUnsupportedMediaType)
	resp, err = http.Get(srv.URL + agent.Path + "/tools")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("GET /mcp/tools: %d %s; want a 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// a tool call costs what a search costs (4 tokens): a burst of 6 allows one
	limited := newHTTPServer(t, st, edge.Config{RateLimit: edge.RateLimit{Rate: 0.01, Burst: 6}})
	if resp := post(t, limited.URL+agent.Path, "", search); resp.StatusCode != http.StatusOK {
		t.Fatalf("first call: %d", resp.StatusCode)
	}
	if resp := post(t, limited.URL+agent.Path, "", search); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second call within the burst: %d; want 429 with Retry-After", resp.StatusCode)
	}
}

// A misspelt search gets the API's correction beside its results, which stay the search as
// asked.
func TestDidYouMeanIsTheAPIs(t *testing.T) {
	type correction struct {
		Q     string `json:"q"`
		Total int    `json:"total"`
	}
	type answer struct {
		Total      int         `json:"total"`
		DidYouMean *correction `json:"did_you_mean"`
	}
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct{ tool, q, list string }{
				{agent.ToolSearchStudies, "Tripple P", "studies"},
				{agent.ToolFindInterventions, "Incedible Years", "interventions"},
				{agent.ToolSearchStudies, "fathers", "studies"},
			} {
				got := call[answer](t, s, c.tool, map[string]any{"q": c.q})
				want := rest[struct {
					Meta       struct{ Total int } `json:"meta"`
					DidYouMean *correction         `json:"did_you_mean"`
				}](t, "/api/v1/"+c.list+"?q="+url.QueryEscape(c.q))
				if got.Total != want.Meta.Total || !same(got.DidYouMean, want.DidYouMean) {
					t.Errorf("%s %q: %d, correction %+v; the API's %d, %+v", c.tool, c.q, got.Total, got.DidYouMean, want.Meta.Total, want.DidYouMean)
				}
			}
			if got := call[answer](t, s, agent.ToolSearchStudies, map[string]any{"q": "Tripple P"}); got.DidYouMean == nil || got.DidYouMean.Q != "Triple P" || got.Total != 0 {
				t.Errorf("Tripple P: %+v; want no hits, and Triple P offered", got)
			}
		})
	}
}

// A client of a protocol version without structured results (before 2025-06-18, or one that
// names none) gets a list's result as JSON text too, as the specification asks; a client of
// a later version, which reads structuredContent, gets a digest of it as text, a fraction
// of the size, that links every hit.
func TestListTextFollowsTheProtocolVersion(t *testing.T) {
	srv := newHTTPServer(t, apitest.SharedStore(t), edge.Config{})
	for _, version := range []string{"", "2025-03-26", "2025-06-18", "2025-11-25"} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+agent.Path, bytes.NewReader(toolCall(agent.ToolSearchStudies, map[string]any{"q": "parents", "limit": 20})))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if version != "" {
			req.Header.Set("Mcp-Protocol-Version", version)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var answer struct {
			Result struct {
				StructuredContent json.RawMessage `json:"structuredContent"`
				Content           []struct{ Text string }
			} `json:"result"`
		}
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(answer.Result.Content) != 1 {
			t.Fatalf("version %q: %d, %v, %+v", version, resp.StatusCode, err, answer)
		}
		txt, structured := answer.Result.Content[0].Text, answer.Result.StructuredContent
		var want, got any
		json.Unmarshal(structured, &want)
		if version < "2025-06-18" {
			if err := json.Unmarshal([]byte(txt), &got); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("version %q: the text is not the structured content as JSON: %.200s", version, txt)
			}
			continue
		}
		pages := pageURLs(want)
		if len(pages) != 20 || !strings.HasPrefix(txt, "Studies found: ") || 2*len(txt) > len(structured) {
			t.Errorf("version %q: a digest of %d bytes for %d of JSON with %d hits:\n%s", version, len(txt), len(structured), len(pages), txt)
		}
		for _, p := range pages {
			if !strings.Contains(txt, p) {
				t.Errorf("version %q: the digest does not link %s", version, p)
			}
		}
	}
}
