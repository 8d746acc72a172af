// Package dense is a table keyed by int64 ids for values whose zero means
// "none", made for the per-endpoint state of million-device runs: ids
// from 0 to 2^32-1 index pages of 4096 values allocated as they are first
// written (a lookup is two array loads, no hashing, and pages of
// pointer-free values are never scanned by the collector); other ids go
// to a map.
package dense

import (
	"unsafe"

	"github.com/core-sim/core-sim/internal/prefetch"
)

const (
	pageBits = 12
	pageSize = 1 << pageBits
	maxPages = 1 << (32 - pageBits)
)

// Table maps ids to values. The zero Table is empty and ready. It is not
// safe for concurrent use.
type Table[V comparable] struct {
	pages []*[pageSize]V
	far   map[int64]V
}

// Get is the value of id, or the zero value.
func (t *Table[V]) Get(id int64) V {
	if p := uint64(id) >> pageBits; p < uint64(len(t.pages)) {
		if pg := t.pages[p]; pg != nil {
			return pg[id&(pageSize-1)]
		}
		var zero V
		return zero
	}
	return t.far[id]
}

// Warm hints the value of id (sim.Warmer's stages: a Get or Set of id a
// little later finds it in the cache). It only hints.
func (t *Table[V]) Warm(id int64) {
	if p := uint64(id) >> pageBits; p < uint64(len(t.pages)) {
		if pg := t.pages[p]; pg != nil {
			prefetch.Line(unsafe.Pointer(&pg[id&(pageSize-1)]))
		}
	}
}

// Set sets the value of id; the zero value removes it.
func (t *Table[V]) Set(id int64, v V) {
	p := uint64(id) >> pageBits
	if p >= maxPages {
		var zero V
		if v == zero {
			delete(t.far, id)
			return
		}
		if t.far == nil {
			t.far = make(map[int64]V)
		}
		t.far[id] = v
		return
	}
	if p >= uint64(len(t.pages)) {
		var zero V
		if v == zero {
			return
		}
		n := max(int(p)+1, 2*len(t.pages))
		n = min(n, maxPages)
		t.pages = append(t.pages, make([]*[pageSize]V, n-len(t.pages))...)
	}
	pg := t.pages[p]
	if pg == nil {
		var zero V
		if v == zero {
			return
		}
		pg = new([pageSize]V)
		t.pages[p] = pg
	}
	pg[id&(pageSize-1)] = v
}
