// Command outageload puts replicas of the service under a bounded read and write load
// while the database goes away (scripts/outage.sh stops it; scripts/failover.sh kills the
// primary and promotes the standby), and then checks that nothing acknowledged was lost
// and nothing applied twice.
//
// -writers curators each create studies, one after another, each with an Idempotency-Key
// of its own, through the replicas in turn; a refused create (503, or no answer) is sent
// again with the same key, to the next replica, until it is acknowledged (201) or the run
// ends. -readers clients read details, searches, facets and the map. Every acknowledged
// id and every key is recorded. The script appends "down UNIX_MS" and "up UNIX_MS" lines
// to -events as it takes the database away and brings it (or the standby) back.
//
// Afterwards, once the replicas agree: every acknowledged study must be served by every
// replica; the audit log must hold one create per study (a second would be a write applied
// twice); every key sent again must replay its study. It prints the figures and exits 1
// on any loss, duplicate, read that was not 200, or write answer other than 201 and 503.
// Loopback only; bounded by -duration.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	targets := flag.String("targets", "", "comma-separated base URLs of the replicas")
	token := flag.String("token", "", "a curator's token")
	adminToken := flag.String("admin-token", "", "an admin's token, to read the audit log")
	writers := flag.Int("writers", 4, "concurrent curators")
	readers := flag.Int("readers", 8, "concurrent readers")
	duration := flag.Duration("duration", 60*time.Second, "how long the load runs")
	writeRate := flag.Float64("write-rate", 40, "creates a second, all writers together (bounded load)")
	retryCap := flag.Duration("retry-cap", 250*time.Millisecond, "the longest a writer waits before sending a refused write again (Retry-After is honoured up to this, so the window is timed to within it)")
	events := flag.String("events", "", "the file the script appends \"down UNIX_MS\" and \"up UNIX_MS\" to")
	label := flag.String("label", "load", "a word that starts every study id, so runs do not collide")
	flag.Parse()
	if *targets == "" || *token == "" || *adminToken == "" {
		log.Fatal("-targets, -token and -admin-token are required")
	}
	l := &load{targets: strings.Split(*targets, ","), token: *token, admin: *adminToken, retryCap: *retryCap, label: *label,
		pace:   time.Duration(float64(*writers) / *writeRate * float64(time.Second)),
		client: &http.Client{Timeout: 35 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		keys:   map[string]string{}, readStatus: map[int]int{}, writeStatus: map[string]int{}, readiness: map[string]int{}}
	began := time.Now()
	l.run(*writers, *readers, *duration)
	if err := l.report(began, *events); err != nil {
		fmt.Println("FAILED:", err)
		os.Exit(1)
	}
}

type load struct {
	targets       []string
	token, admin  string
	retryCap      time.Duration
	pace          time.Duration // how often each writer starts a create
	label         string
	client        *http.Client
	mu            sync.Mutex
	keys          map[string]string // Idempotency-Key → study id, for every create sent
	acked         []ack             // every acknowledged create
	refusals      []time.Time       // when each refused write was answered
	refusedMax    time.Duration     // the longest a refusal took to answer
	unfinished    int               // creates still refused when the run ended (never acknowledged)
	readStatus    map[int]int       // reads by status (0: no answer)
	writeStatus   map[string]int    // write answers by status ("201", "201 replayed", "503", "no answer", …)
	readiness     map[string]int    // /readyz answers during the run: "200 ready", "200 degraded", "503"
	otherFailures atomic.Int64
	firstOther    atomic.Value
}

// ack is one acknowledged create.
type ack struct {
	id, key string
	at      time.Time
}

func (l *load) run(writers, readers int, duration time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { l.writer(ctx, w) })
	}
	paths := []string{"/api/v1/studies/lindsay-2008", "/api/v1/studies?q=parent*&facets=theme", "/api/v1/interventions?filter=stage:primary",
		"/api/v1/evidence-map?rows=theme&cols=strand", "/api/v1/stats", "/api/v1/studies?filter=year:2010-2014&sort=-year"}
	for r := range readers {
		wg.Go(func() {
			for n := r; ctx.Err() == nil; n++ {
				target := l.targets[n%len(l.targets)] + paths[n%len(paths)]
				status := 0
				if resp, err := l.client.Get(target); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				} else if ctx.Err() != nil {
					return
				}
				l.mu.Lock()
				l.readStatus[status]++
				l.mu.Unlock()
				time.Sleep(20 * time.Millisecond) // bounded: about 50 reads a second per reader
			}
		})
	}
	wg.Go(func() { // readiness as a load balancer would see it, every 250 ms per replica
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for ctx.Err() == nil {
			for _, base := range l.targets {
				l.mu.Lock()
				l.readiness[l.ready(base)]++
				l.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	})
	wg.Wait()
}

// writer creates studies one after another; each create is sent again with its key until
// it is acknowledged or the run ends.
func (l *load) writer(ctx context.Context, w int) {
	next := time.Now()
	for n := 0; ctx.Err() == nil; n++ {
		select { // paced: a bounded load, the same before, during and after the outage
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		if next = next.Add(l.pace); next.Before(time.Now()) {
			next = time.Now() // after an outage, go on at the pace rather than catch up in a burst
		}
		id := fmt.Sprintf("%s-w%d-n%d", l.label, w, n)
		key := newKey()
		l.mu.Lock()
		l.keys[key] = id
		l.mu.Unlock()
		for attempt := 0; ; attempt++ {
			base := l.targets[(w+n+attempt)%len(l.targets)]
			sent := time.Now()
			status, replayed, retryAfter, err := l.create(base, id, key)
			answered := time.Now()
			label := strconv.Itoa(status)
			if err != nil {
				label = "no answer"
			} else if replayed {
				label += " replayed"
			}
			l.mu.Lock()
			l.writeStatus[label]++
			switch {
			case status == http.StatusCreated:
				l.acked = append(l.acked, ack{id: id, key: key, at: answered})
			case status == http.StatusServiceUnavailable || err != nil:
				l.refusals = append(l.refusals, answered)
				l.refusedMax = max(l.refusedMax, answered.Sub(sent))
			}
			l.mu.Unlock()
			if status == http.StatusCreated {
				break
			}
			if status != http.StatusServiceUnavailable && err == nil {
				l.other(fmt.Errorf("create %s: %d", id, status))
				break // not a write to retry: counted, reported
			}
			wait := min(retryAfter, l.retryCap)
			select {
			case <-ctx.Done():
				l.mu.Lock()
				l.unfinished++
				l.mu.Unlock()
				return
			case <-time.After(wait):
			}
		}
	}
}

func (l *load) other(err error) {
	l.otherFailures.Add(1)
	l.firstOther.CompareAndSwap(nil, err.Error())
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// studyBody is a valid new study in the dataset format.
func studyBody(id string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "title": "A study written while the database came and went", "authors": []string{"Okafor, N."},
		"year": 2012, "type": "journal-article", "summary": strings.Repeat("Parents read with their children at home in this study. ", 8),
		"key_findings": []string{"Parents read more often."}, "themes": []string{"engaging-with-fathers"},
		"strands": []string{}, "disadvantage_focus": []string{"low-income"}, "interventions": []string{},
		"verified_in": []string{"https://example.org/outage-load"},
	})
	return b
}

// create POSTs a study with its key: the status, whether it was a replay, and the
// Retry-After asked for (1 s when none).
func (l *load) create(base, id, key string) (int, bool, time.Duration, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/studies", bytes.NewReader(studyBody(id)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, false, time.Second, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	retry := time.Second
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		retry = time.Duration(s) * time.Second
	}
	if resp.StatusCode == http.StatusServiceUnavailable && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		l.other(fmt.Errorf("a 503 that is not a problem document: %s", body))
	}
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		l.other(errors.New("a 503 without Retry-After"))
	}
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", retry, nil
}

// ready is what /readyz says of a replica: "200 ready", "200 degraded", "503", or "no answer".
func (l *load) ready(base string) string {
	resp, err := l.client.Get(base + "/readyz")
	if err != nil {
		return "no answer"
	}
	defer resp.Body.Close()
	var r struct {
		Status   string
		Database string
		Revision int64
	}
	json.NewDecoder(resp.Body).Decode(&r)
	if resp.StatusCode != http.StatusOK {
		return strconv.Itoa(resp.StatusCode)
	}
	return "200 " + r.Status + " (database " + r.Database + ")"
}

// revision is the revision a replica serves, from /readyz; -1 when it does not answer.
func (l *load) revision(base string) int64 {
	resp, err := l.client.Get(base + "/readyz")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var r struct{ Revision int64 }
	if json.NewDecoder(resp.Body).Decode(&r) != nil || resp.StatusCode != http.StatusOK {
		return -1
	}
	return r.Revision
}

func (l *load) report(began time.Time, eventsFile string) error {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// the replicas agree before anything is counted
	convergeStart := time.Now()
	converged := false
	for time.Since(convergeStart) < 10*time.Second {
		revs := map[int64]bool{}
		for _, base := range l.targets {
			revs[l.revision(base)] = true
		}
		if len(revs) == 1 && !revs[-1] {
			converged = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !converged {
		fail("the replicas did not agree on a revision within 10 s of the load's end")
	}

	// every acknowledged create is served by every replica
	missing := 0
	for _, a := range l.acked {
		for _, base := range l.targets {
			resp, err := l.client.Get(base + "/api/v1/studies/" + a.id)
			if err != nil || resp.StatusCode != http.StatusOK {
				missing++
				if err == nil {
					resp.Body.Close()
				}
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	found := len(l.acked)*len(l.targets) - missing

	// the audit log: one create per study of this run
	createsOf, err := l.creates()
	if err != nil {
		fail("reading the audit log: %v", err)
	}
	ackedIDs := map[string]bool{}
	for _, a := range l.acked {
		ackedIDs[a.id] = true
	}
	duplicates, neverAcked := 0, 0
	for id, n := range createsOf {
		duplicates += n - 1
		if !ackedIDs[id] {
			neverAcked++
		}
	}
	inDatabase := 0
	for id := range ackedIDs {
		if createsOf[id] > 0 {
			inDatabase++
		}
	}

	// every key sent again replays its study (its idempotency record survived)
	replayed, replayWrong := 0, 0
	for _, a := range l.acked {
		status, isReplay, _, err := l.create(l.targets[0], a.id, a.key)
		if err == nil && status == http.StatusCreated && isReplay {
			replayed++
		} else {
			replayWrong++
		}
	}

	// the write-unavailable window: from the last acknowledgement before the first refusal
	// to the first acknowledgement after the last refusal
	slices.SortFunc(l.acked, func(a, b ack) int { return a.at.Compare(b.at) })
	slices.SortFunc(l.refusals, func(a, b time.Time) int { return a.Compare(b) })
	var window time.Duration
	var firstRefusal, lastRefusal, lastAckBefore, firstAckAfter time.Time
	if len(l.refusals) > 0 {
		firstRefusal, lastRefusal = l.refusals[0], l.refusals[len(l.refusals)-1]
		lastAckBefore, firstAckAfter = began, time.Time{}
		for _, a := range l.acked {
			if a.at.Before(firstRefusal) {
				lastAckBefore = a.at
			}
			if a.at.After(lastRefusal) && firstAckAfter.IsZero() {
				firstAckAfter = a.at
			}
		}
		if firstAckAfter.IsZero() {
			fail("no write was acknowledged after the last refusal")
		} else {
			window = firstAckAfter.Sub(lastAckBefore)
		}
	}
	down, up := readEvents(eventsFile)

	reads := 0
	for _, n := range l.readStatus {
		reads += n
	}
	fmt.Printf("load: %d replicas, %s\n", len(l.targets), time.Since(began).Round(time.Second))
	if !down.IsZero() {
		fmt.Printf("  database away at            +%.1f s", down.Sub(began).Seconds())
		if !up.IsZero() {
			fmt.Printf(", back at +%.1f s (away %.1f s)", up.Sub(began).Seconds(), up.Sub(down).Seconds())
		}
		fmt.Println()
	}
	fmt.Printf("  reads served                %d, by status: %s\n", reads, statusLine(l.readStatus))
	fmt.Printf("  /readyz (every 250 ms)      %s\n", countLine(l.readiness))
	fmt.Printf("  write answers               %s\n", countLine(l.writeStatus))
	fmt.Printf("  writes acknowledged         %d (distinct studies)\n", len(l.acked))
	fmt.Printf("  writes refused (503)        %d answers, the slowest in %s; %d creates still refused at the end\n",
		len(l.refusals), l.refusedMax.Round(time.Millisecond), l.unfinished)
	if len(l.refusals) > 0 {
		fmt.Printf("  write-unavailable window    %.2f s (last acknowledged write +%.2f s, first refusal +%.2f s, last refusal +%.2f s, first acknowledged after +%.2f s)\n",
			window.Seconds(), lastAckBefore.Sub(began).Seconds(), firstRefusal.Sub(began).Seconds(), lastRefusal.Sub(began).Seconds(), firstAckAfter.Sub(began).Seconds())
	}
	if !up.IsZero() && !firstAckAfter.IsZero() {
		fmt.Printf("  time to recover             %.2f s from the database's return (the script's \"up\") to the first acknowledged write\n", firstAckAfter.Sub(up).Seconds())
	}
	if !down.IsZero() {
		before, beforeFound := 0, 0
		for _, a := range l.acked {
			if a.at.Before(down) {
				before++
				if createsOf[a.id] > 0 {
					beforeFound++
				}
			}
		}
		fmt.Printf("  acknowledged before it went %d, found afterwards %d\n", before, beforeFound)
	}
	fmt.Printf("  acknowledged writes found   %d of %d in the database (its audit log, written in each write's transaction)\n", inDatabase, len(ackedIDs))
	fmt.Printf("                              %d of %d served (each acknowledged study, by each of %d replicas)\n", found, len(l.acked)*len(l.targets), len(l.targets))
	fmt.Printf("  duplicates                  %d (creates in the audit log beyond one per study); %d studies committed but never acknowledged\n", duplicates, neverAcked)
	fmt.Printf("  Idempotency-Keys replayed   %d of %d\n", replayed, len(l.acked))
	fmt.Printf("  replicas agree              %v\n", converged)

	if inDatabase < len(ackedIDs) {
		fail("%d acknowledged writes missing from the database", len(ackedIDs)-inDatabase)
	}
	if missing > 0 {
		fail("%d acknowledged writes missing from a replica", missing)
	}
	if duplicates > 0 {
		fail("%d duplicates", duplicates)
	}
	if replayWrong > 0 {
		fail("%d keys did not replay their study", replayWrong)
	}
	for status, n := range l.readStatus {
		if status != http.StatusOK {
			fail("%d reads answered %d", n, status)
		}
	}
	if n := l.otherFailures.Load(); n > 0 {
		fail("%d other failures (first: %v)", n, l.firstOther.Load())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// creates counts the create entries of this run's studies in the audit log.
func (l *load) creates() (map[string]int, error) {
	out := map[string]int{}
	for page := 1; ; page++ {
		q := url.Values{"operation": {"create"}, "kind": {"study"}, "per_page": {"100"}, "page": {strconv.Itoa(page)}}
		req, _ := http.NewRequest(http.MethodGet, l.targets[0]+"/api/v1/audit?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+l.admin)
		resp, err := l.client.Do(req)
		if err != nil {
			return nil, err
		}
		var body struct {
			Data []struct {
				RecordID string `json:"record_id"`
			}
			Meta struct{ Pages int }
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("audit page %d: %d %v", page, resp.StatusCode, err)
		}
		for _, d := range body.Data {
			if strings.HasPrefix(d.RecordID, l.label+"-") {
				out[d.RecordID]++
			}
		}
		if page >= body.Meta.Pages {
			return out, nil
		}
	}
}

// readEvents reads the script's "down UNIX_MS" and "up UNIX_MS" lines (the first of each).
func readEvents(path string) (down, up time.Time) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		word, ms, _ := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(strings.TrimSpace(ms), 10, 64)
		if err != nil {
			continue
		}
		at := time.UnixMilli(n)
		switch {
		case word == "down" && down.IsZero():
			down = at
		case word == "up" && up.IsZero():
			up = at
		}
	}
	return
}

func statusLine(m map[int]int) string {
	labels := map[string]int{}
	for status, n := range m {
		label := strconv.Itoa(status)
		if status == 0 {
			label = "no answer"
		}
		labels[label] = n
	}
	return countLine(labels)
}

func countLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
