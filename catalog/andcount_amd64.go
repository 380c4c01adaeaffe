package catalog

import "golang.org/x/sys/cpu"

// andCount is the size of the intersection of b and o, without allocating it. Every value
// of every facet of every query is counted here. In Go, bits.OnesCount64 checks the CPU for
// the POPCNT instruction at each call (unless built for GOAMD64=v2 or later) and keeps the
// loop's sums in memory around that check, which costs half again the time of the count;
// andCountPOPCNT checks once, here, and counts in registers.
func (b bitmap) andCount(o bitmap) int {
	o = o[:len(b)]
	if cpu.X86.HasPOPCNT {
		return andCountPOPCNT(b, o)
	}
	return andCountGeneric(b, o)
}

// andCountPOPCNT is andCountGeneric in assembly, for CPUs with POPCNT; len(o) ≥ len(b).
//
//go:noescape
func andCountPOPCNT(b, o []uint64) int
