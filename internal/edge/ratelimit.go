package edge

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RateLimit configures the per-client token buckets. Each client (an IP address; an IPv6
// client by its /64, which one host can fill with addresses) has a bucket of Burst
// tokens, refilled at Rate tokens a second; a request takes its cost in tokens, or is
// refused with 429 when the bucket holds too few. The buckets live in this process: with
// several replicas, each limits on its own.
type RateLimit struct {
	Rate  float64 // tokens per second per client; 0 turns limiting off
	Burst int     // bucket size: the most a client can spend at once
	// TrustedProxies are the proxies whose X-Forwarded-For or Forwarded header names the
	// client; from anyone else those headers are ignored.
	TrustedProxies []netip.Prefix
	// MaxClients bounds the buckets held at once (memory under an address-spraying
	// client): past it an idle bucket, else an arbitrary one, is dropped.
	MaxClients int
}

// Rate-limit defaults: 20 tokens a second, bursts of 60, 100,000 clients at most.
const (
	DefaultRateLimit  = 20
	DefaultRateBurst  = 60
	defaultMaxClients = 100_000
)

// rateLimiter holds a token bucket per client.
type rateLimiter struct {
	cfg     RateLimit
	window  int // seconds to refill an empty bucket: the w of RateLimit-Policy
	policy  string
	now     func() time.Time
	onLimit func() // counts refusals (metrics)
	onHold  func() // counts requests held for coming back early (metrics)

	// wait holds a request for d, or until its client goes away (tests replace it)
	wait func(ctx context.Context, d time.Duration) error

	mu        sync.Mutex
	clients   map[netip.Prefix]*bucket
	lastSweep time.Time
}

// bucket is one client's token bucket, and when its last refusal told it to come back.
type bucket struct {
	*rate.Limiter
	retryAt atomic.Int64 // Unix nanoseconds
}

// maxHold bounds how long a request that came back too early is held.
const maxHold = 5 * time.Second

func newRateLimiter(cfg RateLimit) *rateLimiter {
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.MaxClients < 1 {
		cfg.MaxClients = defaultMaxClients
	}
	window := int(math.Ceil(float64(cfg.Burst) / cfg.Rate))
	return &rateLimiter{
		cfg: cfg, window: window, now: time.Now, onLimit: func() {}, onHold: func() {},
		policy:  fmt.Sprintf(`"default";q=%d;w=%d`, cfg.Burst, window),
		clients: map[netip.Prefix]*bucket{}, wait: sleep,
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limit is the middleware: it charges the request's cost to its client, answers 429 when
// the bucket cannot pay, and states the policy and what is left on every response
// (RateLimit-Policy and RateLimit, draft-ietf-httpapi-ratelimit-headers). A client that
// comes back before the Retry-After it was given has its request held until then, and
// only then charged or refused: a client retrying in a loop costs the server a request
// per Retry-After per connection, not thousands a second.
func (rl *rateLimiter) limit(refuse func(c *gin.Context, status int, detail string)) gin.HandlerFunc {
	return func(c *gin.Context) { rl.charge(c, refuse) }
}

func (rl *rateLimiter) charge(c *gin.Context, refuse func(c *gin.Context, status int, detail string)) {
	key := clientKey(c.Request, rl.cfg.TrustedProxies)
	cost := min(tokens(c), rl.cfg.Burst)
	now := rl.now()
	b := rl.bucket(key, now)
	if early := time.Duration(b.retryAt.Load() - now.UnixNano()); early > 0 {
		rl.onHold()
		if rl.wait(c.Request.Context(), min(early, maxHold)) != nil {
			c.Abort() // the client went away
			return
		}
		now = rl.now()
	}
	allowed := b.AllowN(now, cost)
	left := b.TokensAt(now)
	h := c.Writer.Header()
	h.Set("RateLimit-Policy", rl.policy)
	h.Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=%d`, max(0, int(left)), rl.secondsUntil(float64(rl.cfg.Burst)-left)))
	if !allowed {
		rl.onLimit()
		wait := rl.secondsUntil(float64(cost) - left)
		b.retryAt.Store(now.Add(time.Duration(wait) * time.Second).UnixNano())
		h.Set("Retry-After", strconv.Itoa(wait))
		refuse(c, http.StatusTooManyRequests,
			fmt.Sprintf("too many requests from this client: this one costs %d of a budget of %d, refilled at %g a second; retry in %d s", cost, rl.cfg.Burst, rl.cfg.Rate, wait))
		return
	}
	c.Next()
}

// secondsUntil is how long, in whole seconds, the bucket takes to refill tokens.
func (rl *rateLimiter) secondsUntil(tokens float64) int {
	if tokens <= 0 {
		return 0
	}
	return max(1, int(math.Ceil(tokens/rl.cfg.Rate)))
}

// bucket returns the client's bucket, making one when needed. Buckets that have refilled
// are dropped now and then: a full bucket is the same as a new one, so forgetting it
// changes nothing for its client and bounds memory to the clients active lately.
func (rl *rateLimiter) bucket(key netip.Prefix, now time.Time) *bucket {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if b, ok := rl.clients[key]; ok {
		return b
	}
	// a sweep at most once a window, so a client spraying addresses cannot make every
	// request walk every bucket
	if now.Sub(rl.lastSweep) > time.Duration(rl.window)*time.Second {
		rl.sweep(now)
	}
	for k := range rl.clients { // full: drop any one (a busy client merely gets a new bucket)
		if len(rl.clients) < rl.cfg.MaxClients {
			break
		}
		delete(rl.clients, k)
	}
	b := &bucket{Limiter: rate.NewLimiter(rate.Limit(rl.cfg.Rate), rl.cfg.Burst)}
	rl.clients[key] = b
	return b
}

// sweep drops the buckets that are full again.
func (rl *rateLimiter) sweep(now time.Time) {
	rl.lastSweep = now
	for k, b := range rl.clients {
		if b.TokensAt(now) >= float64(rl.cfg.Burst) {
			delete(rl.clients, k)
		}
	}
}

// size is how many buckets are held.
func (rl *rateLimiter) size() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return len(rl.clients)
}

// clientKey identifies the client of a request: its remote address, or, when that is a
// trusted proxy, the nearest address in X-Forwarded-For (or Forwarded) that is not one.
// IPv6 clients are keyed by their /64.
func clientKey(r *http.Request, trusted []netip.Prefix) netip.Prefix {
	addr := remoteAddr(r)
	if isTrusted(addr, trusted) {
		hops := forwardedFor(r)
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(hops[i])
			if err != nil {
				break // a hop we cannot read: trust nothing before it
			}
			addr = a.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the addresses a request passed through, client first: the for=
// parameters of Forwarded (RFC 7239) when present, else X-Forwarded-For.
func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, line := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				v = strings.Trim(v, `"`)
				if strings.HasPrefix(v, "[") { // "[2001:db8::1]:4711"
					v, _, _ = strings.Cut(v[1:], "]")
				} else if host, _, err := net.SplitHostPort(v); err == nil {
					v = host
				}
				hops = append(hops, v)
			}
		}
	}
	if len(hops) > 0 {
		return hops
	}
	for _, line := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR prefixes.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
