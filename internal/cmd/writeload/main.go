// Command writeload puts the curator write path under load and then pulls the plug.
//
// Phase 1, mixed load: the server binary runs on a fresh SQLite store on 127.0.0.1, rate
// limits off (every client here comes from one address);
// -writers curators each change their own share of the studies (GET for the ETag, then
// PATCH with If-Match) while -readers clients list, search and read details, for
// -duration. Any 5xx, transport error or "database is locked" counts as a failure.
//
// Phase 2, kill -9: writers run again; after -crash-after the server is killed with
// SIGKILL mid-load and restarted on the same file. Every write the server acknowledged
// must be there, and no study may hold anything but an acknowledged title or the one
// write that was in flight when the process died.
//
// It prints the figures and exits non-zero on any failure. Bounded in time and count,
// loopback only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/cmd/loadkit"
)

func main() {
	bin := flag.String("bin", "", "the evidence-kb binary")
	writers := flag.Int("writers", 8, "concurrent curators")
	readers := flag.Int("readers", 32, "concurrent readers")
	duration := flag.Duration("duration", 60*time.Second, "length of the mixed load")
	crashAfter := flag.Duration("crash-after", 5*time.Second, "how long writers run before kill -9")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required")
	}
	dir, err := os.MkdirTemp("", "writeload")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	l := &load{bin: *bin, db: filepath.Join(dir, "kb.db"), logFile: filepath.Join(dir, "server.log")}
	failed := false
	if err := l.mixed(*writers, *readers, *duration); err != nil {
		fmt.Println("mixed load FAILED:", err)
		failed = true
	}
	if err := l.crash(*writers, *crashAfter); err != nil {
		fmt.Println("kill -9 check FAILED:", err)
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

type load struct {
	bin, db, logFile string
	token            string
	srv              *loadkit.Server
	base             string
	client           *http.Client
}

// start runs the server on a free loopback port and waits until it is ready.
func (l *load) start() error {
	logf, err := os.OpenFile(l.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	l.srv, err = loadkit.Start(l.bin, []string{"-db", l.db, "-rate-limit", "0", "-log-format", "json"}, logf)
	if err != nil {
		return err
	}
	l.base = l.srv.Base
	l.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if err := l.srv.WaitReady(l.client, 100*time.Millisecond, 30*time.Second); err != nil {
		l.srv.Stop()
		return err
	}
	return nil
}

func (l *load) stop() {
	if l.srv != nil {
		l.srv.Stop()
	}
}

func (l *load) makeToken() (err error) {
	l.token, err = loadkit.CuratorToken(l.bin, l.db, fmt.Sprintf("load-%d", time.Now().UnixNano()))
	return err
}

// studyIDs lists every study id, through the API.
func (l *load) studyIDs() ([]string, error) {
	var ids []string
	cursor := "*"
	for cursor != "" {
		resp, err := l.client.Get(l.base + "/api/v1/studies?fields=id&per_page=100&cursor=" + cursor)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct{ ID string }
			Meta struct {
				NextCursor *string `json:"next_cursor"`
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		for _, d := range page.Data {
			ids = append(ids, d.ID)
		}
		cursor = ""
		if page.Meta.NextCursor != nil {
			cursor = *page.Meta.NextCursor
		}
	}
	return ids, nil
}

// patchTitle sets a study's title: GET for its ETag, then PATCH with If-Match.
func (l *load) patchTitle(id, title string) (int, error) {
	resp, err := l.client.Get(l.base + "/api/v1/studies/" + id)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("GET %s: %d", id, resp.StatusCode)
	}
	body, _ := json.Marshal(map[string]string{"title": title})
	req, _ := http.NewRequest(http.MethodPatch, l.base+"/api/v1/studies/"+id, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("If-Match", resp.Header.Get("ETag"))
	resp, err = l.client.Do(req)
	if err != nil {
		return 0, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("PATCH %s: %d %s", id, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

type counts struct {
	writes, reads, failures atomic.Int64
	firstFailure            atomic.Value
}

func (c *counts) fail(err error) {
	c.failures.Add(1)
	c.firstFailure.CompareAndSwap(nil, err.Error())
}

func (l *load) mixed(writers, readers int, duration time.Duration) error {
	if err := l.start(); err != nil {
		return err
	}
	defer l.stop()
	if err := l.makeToken(); err != nil {
		return err
	}
	ids, err := l.studyIDs()
	if err != nil {
		return err
	}
	var c counts
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	writeLatency := make([][]time.Duration, writers)
	for w := range writers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				id := ids[own(w, n, writers, len(ids))]
				start := time.Now()
				if _, err := l.patchTitle(id, fmt.Sprintf("Load title %d-%d", w, n)); err != nil {
					c.fail(err)
					continue
				}
				writeLatency[w] = append(writeLatency[w], time.Since(start))
				c.writes.Add(1)
			}
		})
	}
	paths := []string{"/api/v1/studies?filter=year:2010-2014&sort=-year,title", "/api/v1/studies?q=parent*", "/api/v1/interventions?facets=stage,setting",
		"/api/v1/evidence-map?rows=theme&cols=strand", "/api/v1/studies/" + ids[0], "/healthz"}
	for r := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for ctx.Err() == nil {
				resp, err := l.client.Get(l.base + paths[rng.IntN(len(paths))])
				if err != nil {
					if ctx.Err() == nil {
						c.fail(err)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					c.fail(fmt.Errorf("read: %d", resp.StatusCode))
				}
				c.reads.Add(1)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(writeLatency...)
	slices.Sort(all)
	logged, _ := os.ReadFile(l.logFile)
	locked := strings.Count(string(logged), "database is locked")
	fmt.Printf("mixed load, %s: %d writers, %d readers\n", duration, writers, readers)
	fmt.Printf("  writes acknowledged  %d (%.0f/s), GET+PATCH latency p50 %s p99 %s\n", c.writes.Load(),
		float64(c.writes.Load())/duration.Seconds(), pct(all, 50), pct(all, 99))
	fmt.Printf("  reads                %d (%.0f/s)\n", c.reads.Load(), float64(c.reads.Load())/duration.Seconds())
	fmt.Printf("  failures             %d; \"database is locked\" in the log: %d\n", c.failures.Load(), locked)
	if c.failures.Load() > 0 || locked > 0 {
		return fmt.Errorf("%d failures (first: %v), %d lock errors", c.failures.Load(), c.firstFailure.Load(), locked)
	}
	return nil
}

// own is the index of writer w's n-th study: each writer keeps to its own residue class,
// so no two writers change the same study and a 412 means a lost ETag, not a race.
func own(w, n, writers, studies int) int {
	return (w + n*writers) % (studies - studies%writers)
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)].Round(100 * time.Microsecond)
}

func (l *load) crash(writers int, after time.Duration) error {
	if err := l.start(); err != nil {
		return err
	}
	if err := l.makeToken(); err != nil {
		return err
	}
	ids, err := l.studyIDs()
	if err != nil {
		return err
	}
	type state struct {
		acked    string // the last title the server acknowledged
		inFlight string // the title being written when the server died
	}
	var mu sync.Mutex
	states := map[string]*state{}
	var acked atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[own(w, n, writers, len(ids))]
				title := fmt.Sprintf("Crash title %d-%d", w, n)
				mu.Lock()
				st := states[id]
				if st == nil {
					st = &state{}
					states[id] = st
				}
				st.inFlight = title
				mu.Unlock()
				if _, err := l.patchTitle(id, title); err != nil {
					return // the server is gone
				}
				mu.Lock()
				st.acked, st.inFlight = title, ""
				mu.Unlock()
				acked.Add(1)
			}
		})
	}
	time.Sleep(after)
	if err := l.srv.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		return err
	}
	close(stop)
	wg.Wait()
	if err := l.start(); err != nil {
		return fmt.Errorf("restart after kill -9: %w", err)
	}
	defer l.stop()
	lost, stray := 0, 0
	for id, st := range states {
		title, err := l.title(id)
		if err != nil {
			return err
		}
		switch {
		case title == st.acked && st.acked != "":
		case title == st.inFlight && st.inFlight != "":
		case st.acked == "" && !strings.HasPrefix(title, "Crash title"):
		case st.acked == "":
			stray++
		default:
			lost++
		}
	}
	fmt.Printf("kill -9 after %s of %d writers: %d writes acknowledged, %d studies written\n", after, writers, acked.Load(), len(states))
	fmt.Printf("  after restart: acknowledged writes lost %d, studies holding a write never attempted %d\n", lost, stray)
	if lost > 0 || stray > 0 {
		return fmt.Errorf("%d acknowledged writes lost, %d stray values", lost, stray)
	}
	return nil
}

func (l *load) title(id string) (string, error) {
	resp, err := l.client.Get(l.base + "/api/v1/studies/" + id)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("study %s after restart: %s", id, resp.Status)
	}
	var d struct{ Data struct{ Title string } }
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return "", fmt.Errorf("study %s after restart: %w", id, err)
	}
	return d.Data.Title, nil
}
