package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-kb/parental-engagement/internal/specgen"
)

// TestSpecIsCurrent regenerates the OpenAPI documents from the swag annotations and fails
// when the committed ones differ: openapi.yaml is generated, never hand-edited.
func TestSpecIsCurrent(t *testing.T) {
	files, err := specgen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go generate ./...` and commit the result", path)
		}
	}
	if !bytes.Equal(spec, files[specgen.OpenAPIYAML]) {
		t.Error("the embedded spec differs from the generated one")
	}
}

// TestRunServes starts the real program on a free port with a fresh store, as
// `go run . -addr 127.0.0.1:0 -db FILE` would, and reads the embedded dataset through it.
func TestRunServes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fresh.db")
	addr, stop := startServer(t, "-addr", "127.0.0.1:0", "-db", db)
	resp, err := http.Get("http://" + addr + "/api/v1/studies?per_page=1")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Meta struct{ Total int } `json:"meta"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body.Meta.Total != 110 {
		t.Errorf("GET studies = %d, total %d; want 200 and 110", resp.StatusCode, body.Meta.Total)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("store file not created at -db path: %v", err)
	}
	stop() // graceful shutdown
	if _, err := os.Stat(db + ".image"); err != nil {
		t.Errorf("no catalogue image beside the store: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-log-format", "xml"}, io.Discard, &stderr, nil)
	if err == nil || exitCode(err) != 2 {
		t.Errorf("run with a bad flag value = %v (exit %d); want a usage error", err, exitCode(err))
	}
	err = run(context.Background(), []string{"-help"}, io.Discard, &stderr, nil)
	if exitCode(err) != 0 || !strings.Contains(stderr.String(), "-addr") || !strings.Contains(stderr.String(), "KB_DB") {
		t.Errorf("-help did not list the flags and their environment variables, exiting 0: %s", stderr.String())
	}
}

func TestValidateCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"validate"}, &out, io.Discard, nil); err != nil {
		t.Fatalf("validate embedded: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "110 studies, 33 interventions") {
		t.Errorf("validate output = %q", out.String())
	}

	broken := filepath.Join(t.TempDir(), "broken.json")
	raw, err := os.ReadFile("store/seed/dataset.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	study := d["studies"].([]any)[0].(map[string]any)
	study["year"] = 2019
	study["themes"] = []any{"astrology"}
	id := study["id"].(string)
	b, _ := json.Marshal(d)
	os.WriteFile(broken, b, 0o644)
	out.Reset()
	err = run(context.Background(), []string{"validate", broken}, &out, io.Discard, nil)
	if err == nil || exitCode(err) == 0 {
		t.Fatal("validate passed a broken file")
	}
	for _, want := range []string{fmt.Sprintf("studies[0] (%s).year", id), fmt.Sprintf("studies[0] (%s).themes", id), "astrology"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("validate output does not name %q:\n%s", want, out.String())
		}
	}
}

func TestCORSOriginsFlag(t *testing.T) {
	if err := run(context.Background(), []string{"-cors-origins", "a.example"}, io.Discard, io.Discard, nil); exitCode(err) != 2 {
		t.Errorf("a bad -cors-origins = %v; want a usage error", err)
	}
}
