package flat

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A Map holds what a Go map holds through any mix of sets, overwrites and
// deletes, for keys in runs (as TEIDs and IMSIs come), spread at random,
// and zero.
func TestMapAgainstGoMap(t *testing.T) {
	for _, keys := range []struct {
		name string
		next func(r *rand.Rand) uint64
	}{
		{"run", func(r *rand.Rand) uint64 { return 295050000000000<<5 | uint64(r.IntN(5000)) }},
		{"random", func(r *rand.Rand) uint64 { return (r.Uint64() - 1) >> r.IntN(64) }}, // MaxUint64 - 1 down to 0
		{"few", func(r *rand.Rand) uint64 { return uint64(r.IntN(40)) }},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		var m Map[int32]
		want := map[uint64]int32{}
		for step := range 200000 {
			k := keys.next(r)
			switch op := r.IntN(10); {
			case op < 5:
				v := int32(step)
				m.Set(k, v)
				want[k] = v
			case op < 8:
				got, ok := m.Delete(k)
				w, wok := want[k]
				if got != w || ok != wok {
					t.Fatalf("%s step %d: Delete(%d) = %d, %v; want %d, %v", keys.name, step, k, got, ok, w, wok)
				}
				delete(want, k)
			default:
				got, ok := m.Get(k)
				w, wok := want[k]
				if got != w || ok != wok {
					t.Fatalf("%s step %d: Get(%d) = %d, %v; want %d, %v", keys.name, step, k, got, ok, w, wok)
				}
			}
			if m.Len() != len(want) {
				t.Fatalf("%s step %d: Len %d, want %d", keys.name, step, m.Len(), len(want))
			}
		}
		seen := 0
		m.All(func(k uint64, v int32) bool {
			if w, ok := want[k]; !ok || w != v {
				t.Fatalf("%s: All gave %d=%d, want %d (%v)", keys.name, k, v, w, ok)
			}
			seen++
			return true
		})
		if seen != len(want) {
			t.Fatalf("%s: All gave %d keys, want %d", keys.name, seen, len(want))
		}
		for k, w := range want {
			if got, ok := m.Get(k); !ok || got != w {
				t.Fatalf("%s: at the end Get(%d) = %d, %v; want %d", keys.name, k, got, ok, w)
			}
		}
	}
}

func TestZeroMapAndEarlyStop(t *testing.T) {
	var m Map[*int]
	if v, ok := m.Get(0); ok || v != nil {
		t.Fatal("the zero Map has a key")
	}
	m.Delete(7) // no panic
	for k := range uint64(10) {
		m.Set(k, new(int))
	}
	n := 0
	m.All(func(uint64, *int) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("All went on after false: %d calls", n)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Set took the key math.MaxUint64")
		}
	}()
	m.Set(math.MaxUint64, nil)
}

// Random lookups of a million keys of a run, as a million-device run does
// (out of the caches): the flat map against a Go map.
func BenchmarkLookupMillion(b *testing.B) {
	const n = 1 << 20
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = (295050000000000+uint64(i))<<5 | 15
	}
	order := rand.New(rand.NewPCG(3, 4)).Perm(n)
	b.Run("flat", func(b *testing.B) {
		var m Map[int32]
		for i, k := range keys {
			m.Set(k, int32(i))
		}
		i := 0
		for b.Loop() {
			if _, ok := m.Get(keys[order[i&(n-1)]]); !ok {
				b.Fatal("missing")
			}
			i++
		}
	})
	b.Run("gomap", func(b *testing.B) {
		m := make(map[uint64]int32)
		for i, k := range keys {
			m[k] = int32(i)
		}
		i := 0
		for b.Loop() {
			if _, ok := m[keys[order[i&(n-1)]]]; !ok {
				b.Fatal("missing")
			}
			i++
		}
	})
}

// Warm hints any key, on an empty map or a full one, and changes nothing.
func TestWarmChangesNothing(t *testing.T) {
	var m Map[int]
	m.Warm(7) // no slots yet
	for k := range uint64(100) {
		m.Set(k, int(k))
	}
	for _, k := range []uint64{0, 99, 100, 1 << 40, math.MaxUint64} {
		m.Warm(k)
	}
	if m.Len() != 100 {
		t.Fatalf("%d entries after the hints, want 100", m.Len())
	}
	for k := range uint64(100) {
		if v, ok := m.Get(k); !ok || v != int(k) {
			t.Fatalf("Get(%d) = %d, %v after the hints", k, v, ok)
		}
	}
}
