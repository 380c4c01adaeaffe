package edge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// Memory stays bounded under a client spraying addresses: buckets that have refilled are
// dropped, and never more than MaxClients are held.
func TestRateLimitEvictsIdleClients(t *testing.T) {
	rl := newRateLimiter(RateLimit{Rate: 10, Burst: 20, MaxClients: 1000})
	clock := time.Unix(1_700_000_000, 0)
	rl.now = func() time.Time { return clock }
	addr := func(i int) string {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		return a.String() + ":1234"
	}
	for i := range 50_000 {
		req := httptest.NewRequest("GET", "/api/v1/themes", nil)
		req.RemoteAddr = addr(i)
		key := clientKey(req, nil)
		rl.bucket(key, clock).AllowN(clock, 1)
		if n := rl.size(); n > 1000 {
			t.Fatalf("%d buckets after %d clients; at most 1000", n, i+1)
		}
		if i%5000 == 0 {
			clock = clock.Add(time.Millisecond)
		}
	}
	// once every bucket has refilled (2 s), the next sweep forgets them all
	clock = clock.Add(3 * time.Second)
	rl.bucket(netip.MustParsePrefix("192.0.2.1/32"), clock)
	if n := rl.size(); n != 1 {
		t.Errorf("%d buckets after all went idle; want 1", n)
	}
}

// A client that comes back before its Retry-After is held until then, and is then served
// if its bucket can pay; a client that waited as told is not held.
func TestRateLimitHoldsEarlyRetries(t *testing.T) {
	rl := newRateLimiter(RateLimit{Rate: 1, Burst: 2})
	clock := time.Unix(1_700_000_000, 0)
	rl.now = func() time.Time { return clock }
	var held []time.Duration
	rl.wait = func(_ context.Context, d time.Duration) error {
		held = append(held, d)
		clock = clock.Add(d)
		return nil
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	refuse := func(c *gin.Context, status int, detail string) { c.AbortWithStatus(status) }
	r.GET("/api/v1/themes", rl.limit(refuse), func(c *gin.Context) { c.Status(http.StatusOK) })
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/themes", nil))
		return rec
	}
	for range 2 {
		if rec := get(); rec.Code != http.StatusOK {
			t.Fatalf("within the burst: %d", rec.Code)
		}
	}
	clock = clock.Add(100 * time.Millisecond)
	rec := get()
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" || len(held) != 0 {
		t.Fatalf("past the burst: %d, Retry-After %q, held %v; want 429 after 1 s, not held", rec.Code, rec.Header().Get("Retry-After"), held)
	}
	clock = clock.Add(200 * time.Millisecond) // back after 0.2 s of the 1 s it was told
	if rec := get(); rec.Code != http.StatusOK || len(held) != 1 || held[0] != 800*time.Millisecond {
		t.Fatalf("early retry: %d, held %v; want 200 after being held 800ms", rec.Code, held)
	}
	clock = clock.Add(5 * time.Second) // a client that waits is never held
	for range 2 {
		get()
	}
	if len(held) != 1 {
		t.Errorf("held %v; a client within its budget is not held", held)
	}
}
