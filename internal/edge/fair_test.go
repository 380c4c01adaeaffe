package edge

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

var (
	flooder = netip.MustParsePrefix("192.0.2.1/32")
	polite  = netip.MustParsePrefix("192.0.2.2/32")
	third   = netip.MustParsePrefix("192.0.2.3/32")
)

// queue makes a request of client wait for a slot, and reports its grant on granted.
func queue(t *testing.T, f *fairSlots, client netip.Prefix, cost int, granted chan<- netip.Prefix) {
	t.Helper()
	before := f.waitingNow()
	go func() {
		if err := f.acquire(context.Background(), client, cost); err == nil {
			granted <- client
		}
	}()
	for f.waitingNow() == before { // wait until it is in the queue
		time.Sleep(time.Millisecond)
	}
}

func (f *fairSlots) waitingNow() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiting)
}

// A flood waits behind its own requests: the next free slot goes to another client's
// request that came after the whole flood.
func TestFloodWaitsBehindItself(t *testing.T) {
	f := newFairSlots(1)
	if err := f.acquire(context.Background(), flooder, searchTokens); err != nil {
		t.Fatal(err)
	}
	granted := make(chan netip.Prefix, 10)
	for range 5 {
		queue(t, f, flooder, searchTokens, granted)
	}
	queue(t, f, polite, searchTokens, granted)
	var order []netip.Prefix
	holder := flooder
	for range 6 {
		f.release(holder)
		holder = <-granted
		order = append(order, holder)
	}
	if order[0] != polite {
		t.Errorf("grants after the flood's first request: %v; want the polite client first", order)
	}
}

// Costlier requests move their client's turn further: against a client of searches, a
// client of requests costing twice as much gets about half the turns.
func TestTurnsFollowCost(t *testing.T) {
	f := newFairSlots(1)
	if err := f.acquire(context.Background(), third, 1); err != nil {
		t.Fatal(err)
	}
	granted := make(chan netip.Prefix, 20)
	for range 6 {
		queue(t, f, flooder, 2*searchTokens, granted)
		queue(t, f, polite, searchTokens, granted)
	}
	holder, counts := third, map[netip.Prefix]int{}
	for range 6 {
		f.release(holder)
		holder = <-granted
		counts[holder]++
	}
	if counts[polite] != 4 || counts[flooder] != 2 {
		t.Errorf("of the first 6 turns: %v; want 4 for the cheaper client, 2 for the costlier", counts)
	}
}

// A client alone uses every slot; while a second client has work, one slot stays free for
// the cheap requests, which take none.
func TestAloneUsesEverySlot(t *testing.T) {
	f := newFairSlots(2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for range 2 {
		if err := f.acquire(ctx, flooder, searchTokens); err != nil {
			t.Fatalf("a client alone waited for its second slot: %v", err)
		}
	}
	f.release(flooder)
	if err := f.acquire(ctx, polite, searchTokens); err == nil {
		t.Fatal("a second client took the last slot while the first held one")
	}
	f.release(flooder)
	if err := f.acquire(context.Background(), polite, searchTokens); err != nil {
		t.Fatal(err)
	}
	f.release(polite)
	if f.running != 0 || f.busy != 0 {
		t.Errorf("after every release: %d running, %d clients busy", f.running, f.busy)
	}
}

// A request that gives up waiting leaves the queue, and the slot goes to the next.
func TestGivingUpLeavesTheQueue(t *testing.T) {
	f := newFairSlots(1)
	if err := f.acquire(context.Background(), flooder, searchTokens); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := f.acquire(ctx, polite, searchTokens); err == nil {
		t.Fatal("granted a held slot")
	}
	granted := make(chan netip.Prefix, 1)
	queue(t, f, third, searchTokens, granted)
	f.release(flooder)
	if got := <-granted; got != third || f.waitingNow() != 0 {
		t.Errorf("granted %v with %d waiting; want the third client, none waiting", got, f.waitingNow())
	}
	f.release(third)
	if f.running != 0 || f.busy != 0 {
		t.Errorf("after every release: %d running, %d clients busy", f.running, f.busy)
	}
}

// Clients that have gone quiet are forgotten: the map stays bounded under a client
// spraying addresses.
func TestIdleClientsAreForgotten(t *testing.T) {
	f := newFairSlots(1)
	for i := range 10_000 {
		client := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
		if err := f.acquire(context.Background(), client, searchTokens); err != nil {
			t.Fatal(err)
		}
		f.release(client)
		if len(f.clients) > 2*minSweep+1 {
			t.Fatalf("%d clients held after %d, each done", len(f.clients), i+1)
		}
	}
}
