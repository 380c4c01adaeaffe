package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// The mcp subcommand never makes or seeds a store: it says what to do when there is none,
// or an empty one; on the store a server made, it answers over stdin and stdout, read from
// the same evidence base the server serves, with links on -base-url.
func TestMCPCommand(t *testing.T) {
	ctx := context.Background()
	db := storetest.Location(t)
	if !store.IsPostgres(db) {
		err := run(ctx, []string{"mcp", "-db", db}, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), "start the server once") || exitCode(err) != 1 {
			t.Errorf("mcp on no store: %v (exit %d); want advice to start the server, exit 1", err, exitCode(err))
		}
		if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("mcp made a store at %s", db)
		}
	}
	if err := run(ctx, []string{"mcp", "-db", db, "-base-url", "ftp://kb.example"}, io.Discard, io.Discard, nil); exitCode(err) != 2 {
		t.Errorf("mcp -base-url ftp://…: %v; want a usage error", err)
	}
	// a command makes the store but leaves it empty
	if err := run(ctx, []string{"token", "create", "-db", db, "-name", "alice"}, io.Discard, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"mcp", "-db", db}, io.Discard, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "holds no studies") {
		t.Errorf("mcp on an empty store: %v; want it to say so", err)
	}

	addr, stop := startServer(t, "-addr", "127.0.0.1:0", "-db", db, "-catalog-image", "off")
	defer stop()
	want := servedState(t, addr)

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	defer func(stdin io.Reader) { mcpStdin = stdin }(mcpStdin)
	mcpStdin = inR
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"mcp", "-db", db, "-base-url", "https://kb.example/"}, outW, io.Discard, nil)
		outW.Close()
	}()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_studies", Arguments: map[string]any{"q": "fathers", "limit": 1}})
	if err != nil || res.IsError {
		t.Fatalf("search_studies: %+v, %v", res, err)
	}
	var got struct {
		Total int `json:"total"`
		Hits  []struct {
			PageURL string `json:"page_url"`
		} `json:"hits"`
		Meta struct {
			DatasetVersion string `json:"dataset_version"`
		} `json:"meta"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &got); err != nil || len(got.Hits) != 1 {
		t.Fatalf("search_studies answered %s (%v)", b, err)
	}
	if got.Meta.DatasetVersion != want.version || !strings.HasPrefix(got.Hits[0].PageURL, "https://kb.example/studies/") {
		t.Errorf("mcp answers version %s with links %s; the server serves %s, and -base-url is https://kb.example/", got.Meta.DatasetVersion, got.Hits[0].PageURL, want.version)
	}
	cs.Close() // the assistant goes away: stdin ends
	awaitReturn(t, done, 10*time.Second, "mcp after stdin ended")
}
