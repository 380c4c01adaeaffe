// Command writelatency measures one curator's write, end to end from a client on loopback,
// at one or more sizes of the evidence base, for one build or two side by side.
//
// For each size N it generates a synthetic dataset of N studies (`generate -studies N`,
// by the earliest build measured: a build reads the dataset formats before its own, not
// the ones after; every build measured at that size gets the same file), and
// for each build: starts the server on a fresh SQLite store seeded from it
// (`-rate-limit 0`), waits for /readyz, creates a curator token, then measures
//
//   - K sequential POSTs of new studies (a copy of an existing study under a new id, with
//     new words in its title and summary, without a DOI), checking after some that a
//     search finds the new title at once;
//   - K sequential PATCHes of existing studies (GET for the ETag, then the PATCH with
//     If-Match; only the PATCH is timed);
//   - -writers concurrent writers for -duration, each creating a study and then patching
//     it with the ETag the POST answered, over and over: acknowledged writes a second.
//
// It prints p50, p99 and max of each, and the throughput, per size and build. Bounded in
// time and count, loopback only.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/cmd/loadkit"
)

func main() {
	bin := flag.String("bin", "", "the evidence-kb binary to measure (required)")
	before := flag.String("before", "", "an older evidence-kb binary, measured side by side on the same datasets")
	sizes := flag.String("studies", "110,100000", "comma-separated numbers of synthetic studies to measure at")
	k := flag.Int("k", 200, "sequential POSTs, and then PATCHes, at each size")
	writers := flag.Int("writers", 8, "concurrent writers in the throughput phase")
	duration := flag.Duration("duration", 10*time.Second, "length of the throughput phase")
	beforeToken := flag.String("before-token", "sqlite3", "how the -before build's curator token is made: sqlite3 inserts its row with the sqlite3 shell (an older build's `token create` may apply its embedded dataset to a store seeded from a file), bin runs the build's own `token create`")
	keep := flag.String("dir", "", "a directory for datasets, stores and logs (default: a temporary one, removed at the end)")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required")
	}
	if *k < 1 || *k > 10_000 || *writers < 1 || *writers > 64 || *duration <= 0 || *duration > 10*time.Minute {
		log.Fatal("-k must be 1–10000, -writers 1–64, -duration at most 10m")
	}
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "writelatency")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if *beforeToken != "sqlite3" && *beforeToken != "bin" {
		log.Fatal("-before-token is sqlite3 or bin")
	}
	builds := []build{{"after", *bin, false}}
	if *before != "" {
		builds = []build{{"before", *before, *beforeToken == "sqlite3"}, {"after", *bin, false}}
	}
	var results []result
	failed := false
	for _, field := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 || n > 1_000_000 {
			log.Fatalf("-studies: %q is not a number of studies (1–1000000)", field)
		}
		dataset := filepath.Join(dir, fmt.Sprintf("dataset-%d.json", n))
		if err := generate(builds[0].path, n, dataset); err != nil {
			log.Fatal(err)
		}
		for i, b := range builds {
			r := result{build: b.name, studies: n}
			run := &server{bin: b.path, tokenBySQL: b.tokenBySQL, dataset: dataset, dir: filepath.Join(dir, fmt.Sprintf("%d-%d-%s", n, i, b.name))}
			if err := run.measure(&r, *k, *writers, *duration); err != nil {
				fmt.Printf("%s at %d studies FAILED: %v (server log: %s)\n", b.name, n, err, run.logFile())
				failed = true
			}
			run.stop()
			r.print()
			results = append(results, r)
		}
	}
	fmt.Println()
	fmt.Printf("%-7s %8s | %-26s | %-26s | %s\n", "build", "studies", "POST p50 / p99 / max", "PATCH p50 / p99 / max", fmt.Sprintf("%d writers", *writers))
	for _, r := range results {
		fmt.Printf("%-7s %8d | %-26s | %-26s | %.0f writes/s\n", r.build, r.studies, r.post.summary(), r.patch.summary(), r.throughput)
	}
	if failed {
		os.Exit(1)
	}
}

type build struct {
	name, path string
	tokenBySQL bool // make the token with the sqlite3 shell, not the build's token create
}

// generate writes the synthetic dataset of n studies to file, unless it is there already.
func generate(bin string, n int, file string) error {
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "generate", "-studies", strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	err = cmd.Run()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file)
		return fmt.Errorf("generate %d studies: %w", n, err)
	}
	return nil
}

// latencies are the times of one kind of request.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l))
	return s[min(len(s)-1, int(float64(len(s))*p/100))]
}

func (l latencies) summary() string {
	if len(l) == 0 {
		return "-"
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) }
	return ms(l.pct(50)) + " / " + ms(l.pct(99)) + " / " + ms(l.pct(100)) + " ms"
}

type result struct {
	build       string
	studies     int
	post, patch latencies
	throughput  float64
	writes      int64
	ready       time.Duration
	first       time.Duration // the first POST after the start
}

func (r result) print() {
	fmt.Printf("%s at %d studies (ready in %s; first POST %s): POST %s; PATCH %s; %d writes, %.0f writes/s\n",
		r.build, r.studies, r.ready.Round(100*time.Millisecond), r.first.Round(100*time.Microsecond), r.post.summary(), r.patch.summary(), r.writes, r.throughput)
}

// server is one build's server on a store of its own.
type server struct {
	bin, dataset, dir string
	tokenBySQL        bool
	base, token       string
	srv               *loadkit.Server
	client            *http.Client
}

func (s *server) logFile() string { return filepath.Join(s.dir, "server.log") }
func (s *server) db() string      { return filepath.Join(s.dir, "kb.db") }

// start runs the server on a free loopback port and waits until it is ready.
func (s *server) start() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	logf, err := os.Create(s.logFile())
	if err != nil {
		return err
	}
	s.srv, err = loadkit.Start(s.bin, []string{"-db", s.db(), "-dataset", s.dataset, "-rate-limit", "0", "-log-format", "json"}, logf)
	if err != nil {
		return err
	}
	s.base = s.srv.Base
	s.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	return s.srv.WaitReady(s.client, 100*time.Millisecond, 10*time.Minute)
}

func (s *server) stop() {
	if s.srv != nil {
		s.srv.Stop()
	}
}

// makeToken creates a curator token, once the server has started (and so seeded the store).
func (s *server) makeToken() (err error) {
	if s.tokenBySQL {
		return s.insertToken()
	}
	s.token, err = loadkit.CuratorToken(s.bin, s.db(), "w")
	return err
}

// insertToken makes a curator token as the store's token create does (kbt_ and 52
// characters of base32, of which the store keeps the SHA-256 in hex and the first 12
// characters), and inserts its row with the sqlite3 shell.
func (s *server) insertToken() error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	s.token = "kbt_" + base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding).EncodeToString(secret)
	sum := sha256.Sum256([]byte(s.token))
	insert := fmt.Sprintf("INSERT INTO tokens (name, role, prefix, hash, created_at) VALUES ('w', 'curator', '%s', '%s', '%s');",
		s.token[:12], hex.EncodeToString(sum[:]), time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z"))
	cmd := exec.Command("sqlite3", "-cmd", ".timeout 5000", s.db(), insert)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sqlite3: %w: %s", err, out)
	}
	return nil
}

func (s *server) measure(r *result, k, writers int, duration time.Duration) error {
	began := time.Now()
	if err := s.start(); err != nil {
		return err
	}
	r.ready = time.Since(began)
	if err := s.makeToken(); err != nil {
		return err
	}
	ids, err := s.someIDs(k + 1)
	if err != nil {
		return err
	}
	template, _, err := s.get(ids[0])
	if err != nil {
		return err
	}
	// warm up: the first requests pay for connections and lazily built state; the first
	// write after the start is reported on its own
	for i := range 5 {
		start := time.Now()
		if _, err := s.post(newStudy(template, fmt.Sprintf("warm%d", i))); err != nil {
			return err
		}
		if i == 0 {
			r.first = time.Since(start)
		}
	}
	for i := range k {
		word := fmt.Sprintf("wlpost%dx", i)
		start := time.Now()
		if _, err := s.post(newStudy(template, word)); err != nil {
			return err
		}
		r.post = append(r.post, time.Since(start))
		if i%max(1, k/10) == 0 { // the record is visible to search as soon as the POST returns
			if err := s.findsOne(word); err != nil {
				return err
			}
		}
	}
	for i := range k {
		id := ids[1+i%(len(ids)-1)]
		_, etag, err := s.get(id)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Patched title wlpatch%dx", i)})
		start := time.Now()
		if _, err := s.patch(id, etag, body); err != nil {
			return err
		}
		r.patch = append(r.patch, time.Since(start))
	}
	r.writes, err = s.concurrent(template, writers, duration)
	r.throughput = float64(r.writes) / duration.Seconds()
	return err
}

// concurrent runs writers that each create a study and patch it with the ETag the POST
// answered, for duration; it returns the writes acknowledged.
func (s *server) concurrent(template map[string]any, writers int, duration time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var (
		writes   atomic.Int64
		wg       sync.WaitGroup
		firstErr atomic.Value
	)
	for w := range writers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				st := newStudy(template, fmt.Sprintf("wlc%dx%dx", w, n))
				etag, err := s.post(st)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				writes.Add(1)
				if ctx.Err() != nil {
					return
				}
				body, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Patched wlcp%dx%dx", w, n)})
				if _, err := s.patch(st["id"].(string), etag, body); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				writes.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return writes.Load(), err
	}
	return writes.Load(), nil
}

// someIDs returns the ids of up to n studies, from the first pages of the list.
func (s *server) someIDs(n int) ([]string, error) {
	var ids []string
	for page := 1; len(ids) < n; page++ {
		resp, err := s.client.Get(fmt.Sprintf("%s/api/v1/studies?fields=id&per_page=100&page=%d", s.base, page))
		if err != nil {
			return nil, err
		}
		var p struct{ Data []struct{ ID string } }
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("list studies: %w", err)
		}
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		if len(p.Data) < 100 {
			break
		}
	}
	if len(ids) < 2 {
		return nil, errors.New("the store holds fewer than two studies")
	}
	return ids[:min(n, len(ids))], nil
}

// get reads a study: its record and its ETag.
func (s *server) get(id string) (map[string]any, string, error) {
	resp, err := s.client.Get(s.base + "/api/v1/studies/" + id)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, "", fmt.Errorf("GET %s: %d %s", id, resp.StatusCode, b)
	}
	var d struct{ Data map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return nil, "", err
	}
	return d.Data, resp.Header.Get("ETag"), nil
}

// newStudy is a copy of template under a new id, with word in its title and in place of
// its summary's first word (so no two summaries are the same), and without a DOI.
func newStudy(template map[string]any, word string) map[string]any {
	st := make(map[string]any, len(template))
	for k, v := range template {
		st[k] = v
	}
	st["id"] = "wl-" + strings.ToLower(word)
	st["title"] = "Written study " + word
	words := strings.Fields(template["summary"].(string))
	words[0] = word
	st["summary"] = strings.Join(words, " ")
	delete(st, "doi")
	return st
}

// post creates a study; it returns the ETag the server answered.
func (s *server) post(st map[string]any) (string, error) {
	body, _ := json.Marshal(st)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/studies", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.do(req, http.StatusCreated)
}

// patch changes a study with a merge patch under If-Match; it returns the new ETag.
func (s *server) patch(id, etag string, body []byte) (string, error) {
	req, _ := http.NewRequest(http.MethodPatch, s.base+"/api/v1/studies/"+id, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("If-Match", etag)
	return s.do(req, http.StatusOK)
}

func (s *server) do(req *http.Request, want int) (string, error) {
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return "", fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.Header.Get("ETag"), nil
}

// findsOne checks that a search for word finds exactly one study.
func (s *server) findsOne(word string) error {
	resp, err := s.client.Get(s.base + "/api/v1/studies?fields=id&q=" + word)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var p struct {
		Meta struct{ Total int }
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return err
	}
	if p.Meta.Total != 1 {
		return fmt.Errorf("a search for %s, written a moment ago, finds %d studies", word, p.Meta.Total)
	}
	return nil
}
