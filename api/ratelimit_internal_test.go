package api

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
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
