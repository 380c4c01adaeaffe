// Command abuse measures what abusive clients do to a polite one, with the default rate
// limits on.
//
// The server binary runs on a fresh SQLite store on 127.0.0.1, seeded from -dataset.
// Phase 1, unloaded: a polite client (source address 127.0.0.1) reads random study details
// at -polite-rate requests a second for -duration. Phase 2, loaded: -abusers clients, each
// from its own source address (127.0.0.2, 127.0.0.3, …, so the rate limiter sees separate
// clients) with -conns connections, hammer the costliest requests — disjunctive facets over
// long broad filters with a search, broad searches sorted on several keys, CSV exports, and
// evidence maps over long filters — as fast as the server answers, ignoring Retry-After,
// while the polite client reads details as before for another -duration. The polite
// client runs in a process of its own (this binary again, with -polite), as it would on a
// machine of its own: sharing a process with the abusers' goroutines would add their
// scheduling delays to its timings. It prints the polite client's p50 and p99 in both
// phases, their ratio, what the abusers got, and the server's counters over the loaded
// phase (refusals, held requests, busy refusals, CPU seconds, GC cycles).
//
// Exit status 1 when the polite p99 loaded is more than -target times the unloaded one.
// Bounded in time (two phases of -duration plus start-up) and in connections
// (abusers × conns + 1), loopback only.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-kb/parental-engagement/internal/cmd/loadkit"
)

func main() { os.Exit(run()) }

// run does the work and returns the exit status, so that the server is stopped and the
// temporary directory removed whatever the outcome.
func run() int {
	bin := flag.String("bin", "", "the evidence-kb binary")
	dataset := flag.String("dataset", "", "dataset file to seed the store from (go run . generate -studies N)")
	abusers := flag.Int("abusers", 8, "abusive clients, each from its own loopback address, 127.0.0.2 up (at most 200)")
	conns := flag.Int("conns", 4, "concurrent connections per abusive client")
	duration := flag.Duration("duration", 20*time.Second, "length of each phase")
	politeRate := flag.Float64("polite-rate", 10, "each polite client's requests a second")
	politeClients := flag.Int("polite-clients", 4, "polite clients, each from its own loopback address (127.0.0.1, then 127.0.0.253 down), together giving the samples of the p99 (at most 50)")
	target := flag.Float64("target", 5, "the most the polite p99 may grow under load, as a factor")
	readyTimeout := flag.Duration("ready-timeout", 5*time.Minute, "how long the server may take to get ready")
	keep := flag.Bool("keep", false, "keep the temporary directory (store and server log)")
	kinds := flag.String("kinds", "", "comma-separated abusive request kinds to send (facets, search, export, map); all when empty")
	honour := flag.Bool("honour-retry-after", false, "abusive clients wait as a 429's Retry-After says (a well-behaved script) instead of retrying at once")
	procs := flag.Int("abuser-procs", 0, "run the abusive clients on at most this many cores (GOMAXPROCS of this process; the server and the polite client keep theirs); 0 leaves it alone")
	politeBase := flag.String("polite", "", "internal: run only the polite client against this server for -duration, and print its samples as JSON")
	flag.Parse()
	if *politeBase != "" {
		return runPolite(*politeBase, *dataset, *politeClients, *politeRate, *duration)
	}
	if *bin == "" || *dataset == "" {
		log.Fatal("-bin and -dataset are required")
	}
	if *abusers < 1 || *abusers+*politeClients > 252 || *politeClients < 1 || *politeClients > 50 || *conns < 1 {
		log.Fatal("-abusers must be 1–200, -polite-clients 1–50, together at most 252, and -conns at least 1")
	}
	dir, err := os.MkdirTemp("", "abuse")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		fmt.Println("temporary directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	ids, err := studyIDs(*dataset)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := start(*bin, *dataset, dir, *readyTimeout)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	fmt.Printf("server ready on %s after %.1f s, %d studies\n", srv.Base, srv.startup.Seconds(), len(ids))

	abuse, err := abusiveRequests(srv.Base)
	if err != nil {
		log.Print(err)
		return 2
	}
	if *kinds != "" {
		abuse = slices.DeleteFunc(abuse, func(r abusiveRequest) bool { return !slices.Contains(strings.Split(*kinds, ","), r.short) })
		if len(abuse) == 0 {
			log.Printf("-kinds %q names none of facets, search, export, map", *kinds)
			return 2
		}
	}
	// The polite client runs in a process of its own, as it would on its own machine: in
	// this one, the abusers' goroutines would delay its own, and its timings with them.
	polite := func() (*samples, error) {
		out, err := exec.Command(os.Args[0], "-polite", srv.Base, "-dataset", *dataset,
			"-polite-clients", fmt.Sprint(*politeClients), "-polite-rate", fmt.Sprint(*politeRate), "-duration", duration.String()).Output()
		if err != nil {
			return nil, fmt.Errorf("the polite client: %w", err)
		}
		var s samples
		return &s, json.Unmarshal(out, &s)
	}

	fmt.Printf("phase 1: %d polite clients alone, %s at %g/s each\n", *politeClients, *duration, *politeRate)
	unloaded, err := polite()
	if err != nil {
		log.Print(err)
		return 2
	}

	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	fmt.Printf("phase 2: %d abusive clients × %d connections, and the polite client, %s\n", *abusers, *conns, *duration)
	ctx, cancel := context.WithCancel(context.Background())
	st := &abuseStats{byKind: map[string]map[int]int{}}
	var wg sync.WaitGroup
	for a := range *abusers {
		client := clientFrom(netip(2+a), *conns)
		for c := range *conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hammer(ctx, client, abuse, a**conns+c, *honour, st)
			}()
		}
	}
	time.Sleep(time.Second) // the abusers' first bursts land before the measurement starts
	before := scrapeMetrics(srv.Base)
	loaded, err := polite()
	after := scrapeMetrics(srv.Base)
	cancel()
	wg.Wait()
	if err != nil {
		log.Print(err)
		return 2
	}

	fmt.Println()
	report("polite, unloaded", unloaded)
	report("polite, loaded", loaded)
	ratio := loaded.p(0.99).Seconds() / unloaded.p(0.99).Seconds()
	fmt.Printf("p99 loaded / unloaded: %.2f× (target ≤ %g×)\n", ratio, *target)
	fmt.Println()
	st.print()
	fmt.Printf("the server while the polite client was measured under load (%s):\n", *duration)
	for _, name := range serverMetrics {
		fmt.Printf("  %-32s +%g\n", name, math.Round((after[name]-before[name])*100)/100)
	}
	if ratio > *target || unloaded.Failures+loaded.Failures > 0 {
		fmt.Println("TARGET MISSED")
		return 1
	}
	fmt.Println("target met")
	return 0
}

// netip is the loopback address 127.0.0.n.
func netip(n int) net.IP { return net.IPv4(127, 0, 0, byte(n)) }

// clientFrom is an HTTP client whose connections leave from the loopback address src, so
// the server sees it as a client of its own.
func clientFrom(src net.IP, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			DisableCompression:  true, // read what a script would read: identity bodies
		},
	}
}

type server struct {
	*loadkit.Server
	startup time.Duration
}

// start runs the server on a free port of 127.0.0.1 over a fresh store, default limits on.
func start(bin, dataset, dir string, readyTimeout time.Duration) (*server, error) {
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	began := time.Now()
	srv, err := loadkit.Start(bin, []string{"-db", filepath.Join(dir, "kb.db"), "-dataset", dataset, "-log-format", "json"}, logf)
	if err != nil {
		return nil, err
	}
	if err := srv.WaitReady(clientFrom(netip(254), 1), 250*time.Millisecond, readyTimeout); err != nil {
		srv.Stop()
		return nil, fmt.Errorf("%w; see %s", err, logf.Name())
	}
	return &server{Server: srv, startup: time.Since(began)}, nil
}

// studyIDs reads the study ids of a dataset file.
func studyIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var d struct {
		Studies []struct{ ID string } `json:"studies"`
	}
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ids := make([]string, len(d.Studies))
	for i, s := range d.Studies {
		ids[i] = s.ID
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s holds no studies", path)
	}
	return ids, nil
}

// abusiveRequest is one of the costliest requests an anonymous client can send.
type abusiveRequest struct {
	short, kind, url string
}

// abusiveRequests builds them from the server's vocabularies: every tag value of the
// studies in one clause per field (so the filter matches nearly everything), the clauses
// repeated as far as the limits on values and URL length allow.
func abusiveRequests(base string) ([]abusiveRequest, error) {
	resp, err := clientFrom(netip(254), 1).Get(base + "/api/v1/vocabularies")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var vocab struct {
		Data []struct {
			Collection string
			Fields     []struct {
				Name      string
				Type      string
				Facetable bool
				Operators []string
				Values    []struct{ Value string }
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&vocab); err != nil {
		return nil, fmt.Errorf("vocabularies: %w", err)
	}
	var clauses, facets []string
	values := 0
	for _, c := range vocab.Data {
		if c.Collection != "studies" {
			continue
		}
		for _, f := range c.Fields {
			if f.Facetable {
				facets = append(facets, f.Name)
			}
			var vs []string
			for _, v := range f.Values {
				vs = append(vs, v.Value)
			}
			if f.Name == "year" {
				for y := 2008; y <= 2014; y++ {
					vs = append(vs, fmt.Sprint(y))
				}
			}
			if len(vs) == 0 || len(vs) > 32 {
				continue
			}
			if slices.Contains(f.Operators, "null") {
				vs = append(vs, "null")
			}
			clauses = append(clauses, f.Name+":"+strings.Join(vs, "|"))
			values += len(vs)
		}
	}
	if len(clauses) == 0 {
		return nil, errors.New("the vocabularies list no tag values")
	}
	// repeat the clauses while the filter stays within 256 values, 50 clauses and about 6 KB
	var filter []string
	for n := 0; (n+1)*values <= 256 && (n+1)*len(clauses) <= 50 && (n+1)*len(url.QueryEscape(strings.Join(clauses, ","))) < 6000; n++ {
		filter = append(filter, clauses...)
	}
	long := url.QueryEscape(strings.Join(filter, ","))
	fmt.Printf("abusive filter: %d clauses, %d values, %d bytes escaped\n", len(filter), len(filter)/len(clauses)*values, len(long))
	return []abusiveRequest{
		{"facets", "disjunctive facets", base + "/api/v1/studies?filter=" + long + "&q=parent&facets=" + strings.Join(facets, ",") + "&facet_mode=disjunctive&per_page=100"},
		{"search", "broad search", base + "/api/v1/studies?q=" + url.QueryEscape("parent OR school OR children OR family OR home*") + "&sort=author,-year&per_page=100"},
		{"export", "CSV export", base + "/api/v1/studies?format=csv"},
		{"map", "evidence map", base + "/api/v1/evidence-map?rows=disadvantage&cols=design&q=parent&filter=" + long},
	}, nil
}

type abuseStats struct {
	mu     sync.Mutex
	byKind map[string]map[int]int // kind → status (0 for a transport error) → count
	bytes  atomic.Int64
}

func (s *abuseStats) add(kind string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKind[kind] == nil {
		s.byKind[kind] = map[int]int{}
	}
	s.byKind[kind][status]++
}

func (s *abuseStats) print() {
	s.mu.Lock()
	defer s.mu.Unlock()
	total, limited := 0, 0
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		var parts []string
		statuses := make([]int, 0, len(s.byKind[k]))
		for st := range s.byKind[k] {
			statuses = append(statuses, st)
		}
		slices.Sort(statuses)
		for _, st := range statuses {
			n := s.byKind[k][st]
			total += n
			if st == http.StatusTooManyRequests {
				limited += n
			}
			label := fmt.Sprint(st)
			if st == 0 {
				label = "error"
			}
			parts = append(parts, fmt.Sprintf("%s: %d", label, n))
		}
		fmt.Printf("abusive %-20s %s\n", k, strings.Join(parts, ", "))
	}
	fmt.Printf("abusive requests: %d, of which 429: %d (%.1f%%); %.1f MB of answers read\n",
		total, limited, 100*float64(limited)/float64(max(total, 1)), float64(s.bytes.Load())/1e6)
}

// hammer sends the abusive requests in turn, as fast as the server answers, until ctx ends;
// after a 429 it waits the Retry-After only when honour is set.
func hammer(ctx context.Context, client *http.Client, reqs []abusiveRequest, offset int, honour bool, st *abuseStats) {
	for i := offset; ctx.Err() == nil; i++ {
		r := reqs[i%len(reqs)]
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				st.add(r.kind, 0)
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		st.bytes.Add(n)
		if ctx.Err() == nil || resp.StatusCode != http.StatusOK {
			st.add(r.kind, resp.StatusCode)
		}
		if honour && resp.StatusCode == http.StatusTooManyRequests {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
			}
		}
	}
}

type politeClient struct {
	client *http.Client
	base   string
	ids    []string
	rate   float64
}

type samples struct {
	Lat      []time.Duration `json:"latencies"`
	Failures int             `json:"failures"`
	First    string          `json:"first_failure"`
}

// runPolite is the polite client's process: it reads details from base for d and prints
// what it measured.
func runPolite(base, dataset string, clients int, rate float64, d time.Duration) int {
	ids, err := studyIDs(dataset)
	if err != nil {
		log.Print(err)
		return 2
	}
	all := &samples{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range clients {
		addr := netip(1)
		if i > 0 {
			addr = netip(254 - i)
		}
		p := &politeClient{client: clientFrom(addr, 2), base: base, ids: ids, rate: rate}
		wg.Go(func() {
			s := p.run(d)
			mu.Lock()
			defer mu.Unlock()
			all.Lat = append(all.Lat, s.Lat...)
			all.Failures += s.Failures
			all.First = cmpOr(all.First, s.First)
		})
	}
	wg.Wait()
	slices.Sort(all.Lat)
	if err := json.NewEncoder(os.Stdout).Encode(all); err != nil {
		log.Print(err)
		return 2
	}
	return 0
}

func (s *samples) p(q float64) time.Duration {
	if len(s.Lat) == 0 {
		return 0
	}
	i := int(float64(len(s.Lat))*q+0.999999) - 1
	return s.Lat[min(max(i, 0), len(s.Lat)-1)]
}

// run reads random study details, one at a time, at the client's rate, for d.
func (p *politeClient) run(d time.Duration) *samples {
	s := &samples{}
	interval := time.Duration(float64(time.Second) / p.rate)
	end := time.Now().Add(d)
	next := time.Now()
	for next.Before(end) {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		id := p.ids[rand.IntN(len(p.ids))]
		began := time.Now()
		resp, err := p.client.Get(p.base + "/api/v1/studies/" + id)
		if err != nil {
			s.Failures++
			s.First = cmpOr(s.First, err.Error())
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took := time.Since(began)
		if resp.StatusCode != http.StatusOK {
			s.Failures++
			s.First = cmpOr(s.First, fmt.Sprintf("GET %s: %d", id, resp.StatusCode))
			continue
		}
		s.Lat = append(s.Lat, took)
		if now := time.Now(); next.Before(now) {
			next = now // a slow answer does not make the client catch up in a burst
		}
	}
	slices.Sort(s.Lat)
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func report(name string, s *samples) {
	fmt.Printf("%-17s %4d reads: p50 %6.2f ms, p99 %7.2f ms, max %7.2f ms, failures %d",
		name, len(s.Lat), ms(s.p(0.5)), ms(s.p(0.99)), ms(s.p(1)), s.Failures)
	if s.First != "" {
		fmt.Printf(" (first: %s)", s.First)
	}
	fmt.Println()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// serverMetrics are the server's counters the report shows, read from /metrics.
var serverMetrics = []string{"kb_rate_limit_rejections_total", "kb_rate_limit_held_total", "kb_busy_rejections_total",
	"process_cpu_seconds_total", "go_gc_duration_seconds_count"}

// scrapeMetrics reads serverMetrics from /metrics; a metric it cannot read is NaN.
func scrapeMetrics(base string) map[string]float64 {
	out := map[string]float64{}
	for _, name := range serverMetrics {
		out[name] = math.NaN()
	}
	resp, err := clientFrom(netip(254), 1).Get(base + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if _, wanted := out[name]; ok && wanted {
			out[name], _ = strconv.ParseFloat(value, 64)
		}
	}
	return out
}
