package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/agent"
	"github.com/evidence-kb/parental-engagement/internal/apitest"
	"github.com/evidence-kb/parental-engagement/internal/edge"
	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
)

// BenchmarkSearchStudiesOverHTTP compares a search_studies call over Streamable HTTP with
// the same search from the JSON API, over one edge (as main wires it) on a real listener,
// each a whole round trip with a keep-alive client: request, edge, query, encoding, gzip,
// response read. The two alternate, request by request, so that both see the same machine
// (the load of anything else running shifts both alike): the benchmark reports each one's
// time per request (rest-µs, mcp-µs) and their ratio (mcp/rest). The MCP request is a
// JSON-RPC tools/call posted as any Streamable HTTP client posts it (stateless: no session
// to set up). The mcp-sdk benchmarks call through the Go SDK's client instead, which adds
// its own encoding and decoding.
//
// It runs over the embedded dataset (110 studies), or over KB_BENCH_STUDIES synthetic
// studies (see benchStore):
//
//	KB_BENCH_STUDIES=100000 go test ./agent -run '^$' -bench SearchStudiesOverHTTP -count 5
func BenchmarkSearchStudiesOverHTTP(b *testing.B) {
	st := benchStore(b)
	srv := newHTTPServer(b, st, edge.Config{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	sdk, err := newClient().Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL + agent.Path, HTTPClient: client}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sdk.Close()
	for _, q := range []struct{ name, q, filter string }{
		{"search", "parental engagement", ""},
		{"filter", "", "theme:family-learning,year:2010-2014"},
		{"search+filter", "reading", "stage:primary,design:RCT|quasi-experimental"},
	} {
		v := url.Values{"per_page": {"20"}}
		args := map[string]any{"limit": 20}
		if q.q != "" {
			v.Set("q", q.q)
			args["q"] = q.q
		}
		if q.filter != "" {
			v.Set("filter", q.filter)
			args["filter"] = q.filter
		}
		restURL := srv.URL + "/api/v1/studies?" + v.Encode()
		body := toolCall(agent.ToolSearchStudies, args)
		viaREST := func() int {
			resp, err := client.Get(restURL)
			if err != nil {
				b.Fatal(err)
			}
			return drain(b, resp)
		}
		viaMCP := func() int {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+agent.Path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			// as a client of a version with structured results sends it after initializing
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			return drain(b, resp)
		}
		for range 3 { // warm: the pages of a mapped catalogue image, the connections
			viaREST()
			viaMCP()
		}
		b.Run(q.name, func(b *testing.B) {
			var restTime, mcpTime, restCPU, mcpCPU time.Duration
			var restBytes, mcpBytes int
			for b.Loop() {
				start, startCPU := time.Now(), cpuTime()
				restBytes = viaREST()
				mid, midCPU := time.Now(), cpuTime()
				mcpBytes = viaMCP()
				end, endCPU := time.Now(), cpuTime()
				restTime, mcpTime = restTime+mid.Sub(start), mcpTime+end.Sub(mid)
				restCPU, mcpCPU = restCPU+midCPU-startCPU, mcpCPU+endCPU-midCPU
			}
			n := float64(b.N)
			b.ReportMetric(float64(restTime.Microseconds())/n, "rest-µs")
			b.ReportMetric(float64(mcpTime.Microseconds())/n, "mcp-µs")
			b.ReportMetric(float64(mcpTime)/float64(restTime), "mcp/rest")
			if restCPU > 0 {
				// the process's CPU time (server and client alike), less sensitive than
				// wall time to what else the machine runs
				b.ReportMetric(float64(restCPU.Microseconds())/n, "rest-cpu-µs")
				b.ReportMetric(float64(mcpCPU.Microseconds())/n, "mcp-cpu-µs")
				b.ReportMetric(float64(mcpCPU)/float64(restCPU), "mcp/rest-cpu")
			}
			b.ReportMetric(float64(restBytes), "rest-bytes")
			b.ReportMetric(float64(mcpBytes), "mcp-bytes")
		})
		b.Run(q.name+"/mcp-sdk", func(b *testing.B) {
			for b.Loop() {
				res, err := sdk.CallTool(context.Background(), &mcp.CallToolParams{Name: agent.ToolSearchStudies, Arguments: args})
				if err != nil || res.IsError {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}

// drain reads a whole answer, which must be a success, and returns its (decompressed) size.
func drain(b *testing.B, resp *http.Response) int {
	b.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"isError":true`)) {
		b.Fatalf("%d %v %.300s", resp.StatusCode, err, body)
	}
	return len(body)
}

var (
	benchOnce   sync.Once
	benchShared *store.Store
)

// benchStore is the shared store, or one of KB_BENCH_STUDIES synthetic studies. That one
// is kept in the temporary directory (evidence-kb-agent-bench-N, about 500 MB at 100,000)
// and reused by the next run; delete it to build it again.
func benchStore(b *testing.B) *store.Store {
	b.Helper()
	n := os.Getenv("KB_BENCH_STUDIES")
	if n == "" {
		return apitest.SharedStore(b)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		b.Fatalf("KB_BENCH_STUDIES=%q is not a number of studies", n)
	}
	benchOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("evidence-kb-agent-bench-%d", count))
		db := filepath.Join(dir, "kb.db")
		opts := store.Options{DB: db, Image: db + ".image"}
		if _, err := os.Stat(db); err != nil {
			base, err := models.ParseDataset(store.EmbeddedDataset())
			if err != nil {
				b.Fatal(err)
			}
			raw, err := json.Marshal(synth.Generate(base, count, 1))
			if err != nil {
				b.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			opts.Seed = store.DocumentSeed("synthetic", raw)
		}
		benchShared, err = store.Open(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if studies, _ := benchShared.Catalog().Size(); studies != count {
			b.Fatalf("%s holds %d studies, not %d: delete it", dir, studies, count)
		}
	})
	if benchShared == nil {
		b.Fatal("the benchmark store could not be built")
	}
	return benchShared
}
