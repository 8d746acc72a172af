// Package flat is a hash map from uint64 keys, made for the tables a
// million-device run looks up for every session (registrations by IMSI,
// contexts by TEID and by subscriber): open addressing with linear
// probing, each slot's key and value side by side, so that a lookup of a
// table far larger than the caches usually costs one miss where a Go map
// costs two or three (its directory, a group's control word, then the
// slot). Deletion shifts the slots after it back: no tombstones, and a
// table that churns keeps its probes short.
package flat

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/core-sim/core-sim/internal/prefetch"
)

// Map maps uint64 keys to values of V; every key but the largest uint64
// (math.MaxUint64), which Set refuses. The zero Map is empty and ready.
// It is not safe for concurrent use.
type Map[V any] struct {
	slots []slot[V]
	n     int
	shift uint8 // 64 - log2(len(slots))
}

// slot holds a key plus one (0: empty), so that a pointer or a 32-bit
// value shares its 16 bytes with nothing more.
type slot[V any] struct {
	tag uint64
	val V
}

// minSlots is the size of a table's first allocation.
const minSlots = 16

// home is where key k's probe starts: Fibonacci hashing, so that keys in
// a run (TEIDs, IMSIs of a range) spread over the table.
func (m *Map[V]) home(k uint64) int { return int((k * 0x9e3779b97f4a7c15) >> m.shift) }

// Len is the number of keys.
func (m *Map[V]) Len() int { return m.n }

// Warm hints the slot where a look-up of k starts (sim.Warmer's stages:
// a Get of k a little later finds it in the cache). It only hints.
func (m *Map[V]) Warm(k uint64) {
	if len(m.slots) > 0 {
		prefetch.Line(unsafe.Pointer(&m.slots[m.home(k)]))
	}
}

// Get is the value of k and whether k is in m.
func (m *Map[V]) Get(k uint64) (V, bool) {
	if m.n > 0 {
		mask := len(m.slots) - 1
		for i := m.home(k); ; i = (i + 1) & mask {
			s := &m.slots[i]
			if s.tag == 0 {
				break
			}
			if s.tag == k+1 {
				return s.val, true
			}
		}
	}
	var zero V
	return zero, false
}

// Set sets the value of k.
func (m *Map[V]) Set(k uint64, v V) {
	if k == math.MaxUint64 {
		panic("flat: the key math.MaxUint64")
	}
	if (m.n+1)*4 > len(m.slots)*3 { // at most three quarters full
		m.grow()
	}
	mask := len(m.slots) - 1
	for i := m.home(k); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.tag == 0 {
			*s = slot[V]{tag: k + 1, val: v}
			m.n++
			return
		}
		if s.tag == k+1 {
			s.val = v
			return
		}
	}
}

// Delete removes k, if it is in m, and returns its value and whether it
// was: a look-up and a removal in one probe.
func (m *Map[V]) Delete(k uint64) (V, bool) {
	var old V
	if m.n == 0 {
		return old, false
	}
	mask := len(m.slots) - 1
	i := m.home(k)
	for ; ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.tag == 0 {
			return old, false
		}
		if s.tag == k+1 {
			old = s.val
			break
		}
	}
	// Shift back the slots after i whose probe passes over i, until an
	// empty slot ends the run.
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := &m.slots[j]
		if s.tag == 0 {
			break
		}
		// s belongs at h; it may move to i unless h lies after i, up to j
		// (cyclically).
		if h := m.home(s.tag - 1); (j-h)&mask >= (j-i)&mask {
			m.slots[i] = *s
			i = j
		}
	}
	m.slots[i] = slot[V]{}
	m.n--
	return old, true
}

// All calls f for each key and its value, in no particular order, until f
// returns false. f must not change m.
func (m *Map[V]) All(f func(k uint64, v V) bool) {
	for i := range m.slots {
		if s := &m.slots[i]; s.tag != 0 && !f(s.tag-1, s.val) {
			return
		}
	}
}

func (m *Map[V]) grow() {
	old := m.slots
	size := max(minSlots, 2*len(old))
	m.slots = make([]slot[V], size)
	m.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	m.n = 0
	for i := range old {
		if s := &old[i]; s.tag != 0 {
			m.Set(s.tag-1, s.val)
		}
	}
}
