package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A Table holds what a map holds, for ids in the pages, beyond them and
// negative, with the zero value as "none".
func TestTableAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tb Table[uint32]
	want := map[int64]uint32{}
	ids := []int64{0, 1, pageSize - 1, pageSize, 1<<32 - 1, 1 << 32, -1, math.MinInt64, math.MaxInt64}
	for range 2000 {
		ids = append(ids, r.Int64N(3_000_000), r.Int64()-r.Int64())
	}
	for round := range 20000 {
		id := ids[r.IntN(len(ids))]
		v := uint32(r.IntN(4)) // zero often: removes
		if round%3 == 0 {
			if got := tb.Get(id); got != want[id] {
				t.Fatalf("Get(%d) = %d, want %d", id, got, want[id])
			}
			continue
		}
		tb.Set(id, v)
		if v == 0 {
			delete(want, id)
		} else {
			want[id] = v
		}
	}
	for _, id := range ids {
		if got := tb.Get(id); got != want[id] {
			t.Fatalf("Get(%d) = %d, want %d", id, got, want[id])
		}
	}
	if len(tb.pages) > maxPages {
		t.Fatalf("%d pages", len(tb.pages))
	}
}

func BenchmarkTableGet(b *testing.B) {
	var tb Table[uint32]
	for i := int64(0); i < 1_000_000; i++ {
		tb.Set(i, uint32(i)+1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var sum uint32
	for b.Loop() {
		sum += tb.Get(r.Int64N(1_000_000))
	}
	_ = sum
}

// Warm hints any id, in the pages or not, of a page or not, and changes
// nothing.
func TestWarmChangesNothing(t *testing.T) {
	var tb Table[uint32]
	tb.Warm(5) // no pages yet
	tb.Set(3, 30)
	tb.Set(pageSize*3+1, 31)
	tb.Set(-4, 32)
	for _, id := range []int64{0, 3, pageSize, pageSize*3 + 1, -4, math.MaxInt64, math.MinInt64} {
		tb.Warm(id)
	}
	for id, want := range map[int64]uint32{3: 30, pageSize*3 + 1: 31, -4: 32, 4: 0, pageSize: 0} {
		if got := tb.Get(id); got != want {
			t.Fatalf("Get(%d) = %d after the hints, want %d", id, got, want)
		}
	}
}
