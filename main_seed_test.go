package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/synth"
	"github.com/evidence-kb/parental-engagement/models"
	"github.com/evidence-kb/parental-engagement/store"
	"github.com/evidence-kb/parental-engagement/store/storetest"
)

// Only a server's start seeds, and only an empty store: a store seeded from a file keeps
// its records and its dataset_version through every command (run while a server serves
// it) and through restarts with and without -dataset.
func TestCommandsNeverReseed(t *testing.T) {
	db, dir := storetest.Location(t), t.TempDir()
	base, err := models.ParseDataset(store.EmbeddedDataset())
	if err != nil {
		t.Fatal(err)
	}
	seedFile := writeJSON(t, filepath.Join(dir, "seed.json"), synth.Generate(base, 300, 7))
	serve := []string{"-addr", "127.0.0.1:0", "-db", db, "-catalog-image", "off", "-poll-interval", "20ms"}

	addr, stop := startServer(t, append(serve, "-dataset", seedFile)...)
	want := servedState(t, addr)
	if want.total != 300 {
		t.Fatalf("the seeded server serves %d studies; want 300", want.total)
	}
	commands := [][]string{
		{"token", "create", "-db", db, "-name", "alice", "-role", "curator"},
		{"token", "create", "-db", db, "-name", "root", "-role", "admin"},
		{"token", "list", "-db", db},
		{"token", "revoke", "-db", db, "alice"},
		{"import", "-db", db, "-dry-run", seedFile},
		{"validate"},
		{"validate", seedFile},
	}
	for _, args := range commands {
		if err := run(context.Background(), args, io.Discard, io.Discard, nil); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	time.Sleep(200 * time.Millisecond) // ten poll intervals: the server would have followed a change by now
	if got := servedState(t, addr); got != want {
		t.Errorf("after the commands the running server serves %+v; want %+v", got, want)
	}
	stop()

	for _, args := range [][]string{serve, append(serve, "-dataset", seedFile)} {
		addr, stop := startServer(t, args...)
		if got := servedState(t, addr); got != want {
			t.Errorf("restarted with %v, the server serves %+v; want %+v", args[len(args)-2:], got, want)
		}
		stop()
	}
}

// A token made before the first start leaves the store empty, and that start seeds it.
func TestTokenBeforeFirstStart(t *testing.T) {
	db := storetest.Location(t)
	if err := run(context.Background(), []string{"token", "create", "-db", db, "-name", "alice"}, io.Discard, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	addr, stop := startServer(t, "-addr", "127.0.0.1:0", "-db", db, "-catalog-image", "off")
	defer stop()
	if got := servedState(t, addr); got.total != 110 || got.version != models.DocumentVersion(store.EmbeddedDataset()) {
		t.Errorf("the first start after a token serves %+v; want the embedded dataset", got)
	}
}

// served is what a client sees of the records a server serves.
type served struct {
	total   int
	version string
}

func servedState(t *testing.T, addr string) served {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/studies?per_page=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Meta struct {
			Total          int    `json:"total"`
			DatasetVersion string `json:"dataset_version"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET studies: %d, %v", resp.StatusCode, err)
	}
	return served{body.Meta.Total, body.Meta.DatasetVersion}
}

// startServer runs the program with args until stop, which waits for it to shut down.
func startServer(t *testing.T, args ...string) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, io.Discard, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run %v: %v", args, err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("the server did not start")
	}
	return addr, func() {
		cancel()
		awaitReturn(t, done, 60*time.Second, "shutdown")
	}
}

// awaitReturn waits up to within for a run that was told to end (cancelled, or its stdin
// closed) and fails the test if it returns an error or does not return.
func awaitReturn(t *testing.T, done <-chan error, within time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	case <-time.After(within):
		t.Errorf("%s: did not return within %v", what, within)
	}
}

func writeJSON(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(fmt.Errorf("write %s: %w", path, err))
	}
	return path
}
