package edge

import (
	"container/heap"
	"context"
	"net/netip"
	"sync"
)

// fairSlots bound the costly query work running at once, server-wide, and share it fairly
// between clients (start-time fair queuing, weighted by cost):
//
//   - A request asks for a slot with its client and its cost. Each client has a virtual
//     finish time: the sum of the costs of its requests, counted from when it last had
//     nothing waiting. A request's tag is max(now, its client's finish) in virtual time;
//     the client's finish moves on by the request's cost.
//   - A free slot goes to the waiting request with the smallest tag, so a client with many
//     requests waiting (a flood) has tags far ahead, and another client's request, tagged
//     at the present, is served next: the flood waits behind its own requests, not in
//     front of everyone else's. Costlier requests move their client's finish further.
//   - A client alone may use every slot (the whole machine); while two or more clients
//     have costly work running or waiting, one slot stays free, so that cheap requests
//     (details, pages, probes), which take no slot, always find a core.
type fairSlots struct {
	mu      sync.Mutex
	size    int // slots when one client is alone
	running int
	vtime   float64 // the virtual time: the tag of the request served last
	horizon float64 // the latest finish given: the virtual time once nothing runs or waits
	seq     uint64  // orders waiters with one tag by arrival
	waiting waiters
	clients map[netip.Prefix]*flow // clients with work running or waiting, or a finish ahead of vtime
	busy    int                    // clients with work running or waiting
	sweepAt int                    // forgetIdle looks at the clients once there are this many
}

// flow is one client's share: its virtual finish, and its requests running or waiting.
type flow struct {
	finish float64
	active int
}

func newFairSlots(size int) *fairSlots {
	return &fairSlots{size: size, clients: map[netip.Prefix]*flow{}, sweepAt: minSweep}
}

// minSweep is the fewest clients forgetIdle looks through.
const minSweep = 64

// capacity is how many requests may run now: every slot for a client alone, one fewer
// (at least one) while several clients have costly work.
func (f *fairSlots) capacity() int {
	if f.busy > 1 {
		return max(1, f.size-1)
	}
	return f.size
}

// start and stop count a request of fl in or out of running-or-waiting.
func (f *fairSlots) start(fl *flow) {
	if fl.active++; fl.active == 1 {
		f.busy++
	}
}

func (f *fairSlots) stop(fl *flow) {
	if fl.active--; fl.active == 0 {
		f.busy--
	}
}

// acquire waits for a slot for a request of client costing cost, until ctx ends.
func (f *fairSlots) acquire(ctx context.Context, client netip.Prefix, cost int) error {
	f.mu.Lock()
	fl := f.clients[client]
	if fl == nil {
		fl = &flow{}
		f.clients[client] = fl
	}
	tag := max(f.vtime, fl.finish)
	fl.finish = tag + float64(cost)
	f.horizon = max(f.horizon, fl.finish)
	f.start(fl)
	if len(f.waiting) == 0 && f.running < f.capacity() {
		f.running++
		f.vtime = tag
		f.mu.Unlock()
		return nil
	}
	f.seq++
	w := &waiter{tag: tag, seq: f.seq, flow: fl, ready: make(chan struct{})}
	heap.Push(&f.waiting, w)
	f.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.index < 0 { // granted as ctx ended: hand the slot on
		f.releaseLocked(fl)
		return ctx.Err()
	}
	heap.Remove(&f.waiting, w.index)
	f.stop(fl)
	return ctx.Err()
}

// release lets go of a slot client held.
func (f *fairSlots) release(client netip.Prefix) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releaseLocked(f.clients[client])
}

func (f *fairSlots) releaseLocked(fl *flow) {
	f.running--
	if fl != nil {
		f.stop(fl)
	}
	for len(f.waiting) > 0 && f.running < f.capacity() {
		w := heap.Pop(&f.waiting).(*waiter)
		f.running++
		f.vtime = max(f.vtime, w.tag)
		close(w.ready)
	}
	if f.running == 0 && len(f.waiting) == 0 {
		// idle: no client is owed a turn any more, so the past is settled
		f.vtime = f.horizon
	}
	f.forgetIdle()
}

// forgetIdle drops clients with nothing running or waiting whose finish the virtual time
// has passed: such a client's next tag is the present, as a new client's is, so forgetting
// it changes nothing and bounds the map to the clients busy lately. It looks only once the
// map has doubled since it last did, so its cost per request stays constant.
func (f *fairSlots) forgetIdle() {
	if len(f.clients) < f.sweepAt {
		return
	}
	for k, fl := range f.clients {
		if fl.active == 0 && fl.finish <= f.vtime {
			delete(f.clients, k)
		}
	}
	f.sweepAt = max(minSweep, 2*len(f.clients))
}

// waiter is one request waiting for a slot.
type waiter struct {
	tag   float64
	seq   uint64
	flow  *flow
	ready chan struct{}
	index int // in the heap; -1 once granted
}

// waiters is a min-heap of waiting requests by tag, then arrival.
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].tag != h[j].tag {
		return h[i].tag < h[j].tag
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*h = old[:len(old)-1]
	return w
}
