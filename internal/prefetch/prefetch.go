// Package prefetch asks the processor to start loading a cache line that
// will be read soon, without waiting for it: PREFETCHT0 on amd64, PRFM
// PLDL1KEEP on arm64, nothing elsewhere. A million-device run reads each
// action's device from memory the caches no longer hold; the scheduler
// knows the next actions in advance and loads their devices while the
// current one runs (sim.Warmer), so that the wait overlaps work.
//
// It is a hint: it never faults, whatever the address, and changes no
// result. Addresses are passed as numbers, not pointers: nothing here
// keeps anything alive or points the collector anywhere.
package prefetch

import "unsafe"

// Line hints the cache line that holds p.
func Line(p unsafe.Pointer) { line(uintptr(p)) }

// Pair hints the two cache lines from p (128 bytes): a small struct or
// the head of a larger one.
func Pair(p unsafe.Pointer) {
	line(uintptr(p))
	line(uintptr(p) + 64)
}
