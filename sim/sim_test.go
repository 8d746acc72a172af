package sim

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func TestRunsInTimeOrderThenSchedulingOrder(t *testing.T) {
	s := New(t0, Max)
	var got []string
	s.After(2*time.Second, func() { got = append(got, "b") })
	s.After(time.Second, func() {
		got = append(got, "a")
		s.After(time.Second, func() { got = append(got, "c") }) // same time as b, scheduled later
		s.At(t0, func() { got = append(got, "now") })           // the past means now
	})
	s.After(10*time.Second, func() { got = append(got, "late") })
	if err := s.Run(context.Background(), t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "now", "b", "c"}
	if len(got) != len(want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ran %v, want %v", got, want)
		}
	}
	if !s.Now().Equal(t0.Add(5*time.Second)) || s.Pending() != 1 || s.Ran() != 4 {
		t.Errorf("now %v pending %d ran %d", s.Now(), s.Pending(), s.Ran())
	}
}

func TestClockIsVirtualAtMaxSpeed(t *testing.T) {
	s := New(t0, Max)
	var at time.Time
	s.After(24*time.Hour, func() { at = s.Now() })
	// A scheduler that waited for wall time would hit this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Run(ctx, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !at.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("action saw %v", at)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	s := New(t0, 1) // real time: the action is an hour away
	s.After(time.Hour, func() { t.Error("ran") })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Run(ctx, t0.Add(2*time.Hour)); err == nil {
		t.Fatal("Run did not stop")
	}
}

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]float64{"max": Max, "MAX": Max, "1": 1, "60": 60, "0.5": 0.5} {
		if got, err := ParseSpeed(in); err != nil || got != want {
			t.Errorf("ParseSpeed(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"0", "-1", "fast", ""} {
		if _, err := ParseSpeed(bad); err == nil {
			t.Errorf("ParseSpeed(%q) accepted", bad)
		}
	}
}

func TestStop(t *testing.T) {
	s := New(t0, Max)
	ran := 0
	s.After(time.Second, func() { ran++; s.Stop() })
	s.After(2*time.Second, func() { ran++ })
	if err := s.Run(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ran != 1 || !s.Now().Equal(t0.Add(time.Second)) {
		t.Errorf("ran %d, now %v", ran, s.Now())
	}
}

type recorder struct{ got *[]uint8 }

func (r recorder) Act(kind uint8) { *r.got = append(*r.got, kind) }

func TestQueueOrdersAnyMixOfTimes(t *testing.T) {
	s := New(t0, Max)
	var got []uint8
	r := recorder{&got}
	// Times out of order, ties scheduled in order 10, 11, 12.
	for i, d := range []time.Duration{5, 1, 3, 3, 3, 0, 9, 1} {
		kind := uint8(i)
		if d == 3 {
			kind = uint8(7 + i)
		}
		s.AtActor(t0.Add(d*time.Second), r, kind)
	}
	if err := s.Run(context.Background(), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := []uint8{5, 1, 7, 9, 10, 11, 0, 6}
	if len(got) != len(want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ran %v, want %v", got, want)
		}
	}
}

// The queue gives back actions in (time, scheduling order) order under
// interleaved pushes and pops: with many ties in one bucket, across
// buckets, beyond the wheel's reach (the far heap), and with keys pushed
// before the bucket being drained; and it reuses its slots and chunks.
func TestQueueOrderAgainstSort(t *testing.T) {
	const sec = int64(1) << bucketShift
	for _, c := range []struct {
		name   string
		spread func(r *rand.Rand, last int64) int64
	}{
		{"ties", func(r *rand.Rand, last int64) int64 { return int64(r.IntN(50)) }},
		// Thousands of keys a bucket, sorted by radix (sortKeys), many
		// of them at the same instant.
		{"crowded buckets", func(r *rand.Rand, last int64) int64 { return (last + r.Int64N(3*sec)) &^ (1<<22 - 1) }},
		{"buckets", func(r *rand.Rand, last int64) int64 { return last + r.Int64N(40*sec) }},
		{"beyond the wheel", func(r *rand.Rand, last int64) int64 { return last + r.Int64N(3*wheelSize*sec) }},
		{"mixed", func(r *rand.Rand, last int64) int64 {
			switch r.IntN(4) {
			case 0:
				return last
			case 1:
				return last + r.Int64N(sec)
			case 2:
				return last + r.Int64N(2*wheelSize*sec)
			}
			return max(0, last-r.Int64N(3*sec)) // before the bucket being drained
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			var q queue
			q.begin(0)
			type rec struct {
				at  int64
				seq uint64
			}
			var pending []rec
			var seq uint64
			var last int64
			pops := 0
			for round := 0; round < 20000; round++ {
				if r.IntN(3) > 0 || q.len() == 0 {
					seq++
					at := c.spread(r, last)
					q.push(at, seq, action{kind: uint8(seq)})
					pending = append(pending, rec{at, seq})
					continue
				}
				if p := q.peek(); p.at < 0 {
					t.Fatalf("peek %v", p)
				}
				k, x := q.pop()
				pops++
				m := 0
				for i, p := range pending {
					if p.at < pending[m].at || (p.at == pending[m].at && p.seq < pending[m].seq) {
						m = i
					}
				}
				if k.at != pending[m].at || k.seq != pending[m].seq || x.kind != uint8(k.seq) {
					t.Fatalf("round %d: popped (%d, %d, kind %d), want (%d, %d)", round, k.at, k.seq, x.kind, pending[m].at, pending[m].seq)
				}
				last = k.at
				pending = append(pending[:m], pending[m+1:]...)
			}
			if q.len() != len(pending) || len(q.slots)-len(q.free) != q.len() {
				t.Fatalf("%d keys, %d pending, %d slots with %d free", q.len(), len(pending), len(q.slots), len(q.free))
			}
			if pops < 5000 {
				t.Fatalf("only %d pops", pops)
			}
			// Drain: the rest in order, and every chunk back for reuse.
			slices.SortFunc(pending, func(a, b rec) int {
				return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq))
			})
			for i := 0; q.len() > 0; i++ {
				if k, _ := q.pop(); k.at != pending[i].at || k.seq != pending[i].seq {
					t.Fatalf("draining, pop %d: (%d, %d), want (%d, %d)", i, k.at, k.seq, pending[i].at, pending[i].seq)
				}
			}
			if q.inWheel != 0 || len(q.spare) != len(q.chunks) {
				t.Fatalf("drained: %d keys on the wheel, %d of %d chunks spare", q.inWheel, len(q.spare), len(q.chunks))
			}
		})
	}
}

// TestGrowKeepsOrderAndRoom: room made up front is used without moving the
// queue, and what was scheduled before and after still runs in order.
func TestGrowKeepsOrderAndRoom(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	s := New(start, Max)
	var got []int
	s.After(3*time.Second, func() { got = append(got, 3) })
	s.Grow(1000)
	if c := cap(s.q.slots); c < 1001 {
		t.Fatalf("cap(slots) %d after Grow(1000) with one scheduled, want at least 1001", c)
	}
	slots := &s.q.slots[:1][0]
	for i := 999; i >= 1; i-- {
		s.After(time.Duration(i)*time.Millisecond, func() { got = append(got, -i) })
	}
	if &s.q.slots[0] != slots {
		t.Error("the queue moved although Grow made room for it")
	}
	s.Grow(0)
	s.Grow(-1)
	if err := s.Run(context.Background(), start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1000 || got[0] != -1 || got[998] != -999 || got[999] != 3 {
		t.Fatalf("ran %d actions, first %d, last %d", len(got), got[0], got[len(got)-1])
	}
}

// Watch reports, before actions run, a time no later action precedes:
// every n actions at full speed, and before every wait at a finite speed.
func TestWatchReportsALowerBound(t *testing.T) {
	for _, speed := range []float64{Max, 1} {
		s := New(t0, speed)
		var ran []int64 // each action's time
		var marks [][2]int64
		s.Watch(3, func(next int64) { marks = append(marks, [2]int64{next, int64(len(ran))}) })
		for i := 0; i < 10; i++ {
			d := time.Duration(i/2) * time.Millisecond // pairs of actions at one time
			s.After(d, func() { ran = append(ran, s.Now().UnixNano()) })
		}
		if err := s.Run(context.Background(), t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if len(ran) != 10 {
			t.Fatalf("speed %g: ran %d actions", speed, len(ran))
		}
		if speed == Max && len(marks) != 4 { // before actions 0, 3, 6 and 9
			t.Errorf("speed %g: %d marks %v, want 4", speed, len(marks), marks)
		}
		if speed != Max && len(marks) < 5 { // and before waiting for each new time
			t.Errorf("speed %g: %d marks %v, want one per wait too", speed, len(marks), marks)
		}
		for _, m := range marks {
			for _, at := range ran[m[1]:] {
				if at < m[0] {
					t.Fatalf("speed %g: mark %d before action %d, which ran at %d", speed, m[0], m[1], at)
				}
			}
			if m[1] < int64(len(ran)) && ran[m[1]] != m[0] {
				t.Errorf("speed %g: mark %d is not the next action's time %d", speed, m[0], ran[m[1]])
			}
		}
	}
}

// BenchmarkQueue pops an action and schedules the next one of the same
// actor, as a fleet's sessions do, with n actions pending at once spread
// over 15 minutes of virtual time: the queue's cost per action, by how many
// wait (a million is the million-device run).
func BenchmarkQueue(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			const window = int64(15 * time.Minute)
			var q queue
			q.begin(0)
			for i := 0; i < n; i++ {
				q.push(r.Int64N(window), uint64(i+1), action{kind: uint8(i)})
			}
			seq := uint64(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k, x := q.pop()
				seq++
				q.push(k.at+window/2+r.Int64N(window), seq, x)
			}
		})
	}
}

// warmer logs its Warm calls and actions: "w<kind>.<ahead>", "a<kind>".
type warmer struct{ log *[]string }

func (w warmer) Act(kind uint8) { *w.log = append(*w.log, "a"+strconv.Itoa(int(kind))) }
func (w warmer) Warm(kind uint8, ahead int) {
	*w.log = append(*w.log, "w"+strconv.Itoa(int(kind))+"."+strconv.Itoa(ahead))
}

// Each action of a bucket is warmed in stages, WarmAhead actions before
// it runs down to the one just before, and every stage while exactly
// that many actions are still to run before it.
func TestWarmStagesRunAheadOfTheAction(t *testing.T) {
	s := New(t0, Max)
	var log []string
	w := warmer{&log}
	const n = 10
	// One bucket's span, out of the one the clock starts in.
	base := (t0.Add(10*time.Second).UnixNano()>>bucketShift + 1) << bucketShift
	for i := n - 1; i >= 0; i-- { // scheduled out of order: the bucket sorts them
		s.AtActor(time.Unix(0, base+int64(i)*int64(time.Millisecond)), w, uint8(i))
	}
	if err := s.Run(context.Background(), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var want []string
	for p := 0; p < n; p++ {
		for ahead := WarmAhead; ahead >= 1; ahead-- {
			if p+ahead < n {
				want = append(want, "w"+strconv.Itoa(p+ahead)+"."+strconv.Itoa(ahead))
			}
		}
		want = append(want, "a"+strconv.Itoa(p))
	}
	if !slices.Equal(log, want) {
		t.Fatalf("got  %v\nwant %v", log, want)
	}
}

// sortKeys orders a bucket's keys as before does, below and above the size
// from which it sorts by radix, with ties in any order of scheduling, in
// buckets before and after the epoch.
func TestSortKeysAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var tmp []key
	for _, n := range []int{0, 1, 2, radixFrom - 1, radixFrom, radixFrom + 1, 1000, 5000} {
		for _, bucket := range []int64{0, 1, 1 << 20, -1, -7} {
			for _, spread := range []int64{1, 5, 1 << 12, 1 << bucketShift} {
				keys := make([]key, n)
				for i := range keys {
					keys[i] = key{at: bucket<<bucketShift + r.Int64N(spread), seq: r.Uint64N(uint64(4*n + 1)), slot: uint32(i)}
				}
				want := slices.Clone(keys)
				slices.SortStableFunc(want, func(a, b key) int {
					return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq))
				})
				tmp = sortKeys(keys, tmp)
				for i := range keys {
					// Equal (at, seq) pairs may come in either order; their
					// slots are compared only where (at, seq) differ.
					if keys[i].at != want[i].at || keys[i].seq != want[i].seq {
						t.Fatalf("%d keys in bucket %d, spread %d: key %d is (%d, %d), want (%d, %d)",
							n, bucket, spread, i, keys[i].at, keys[i].seq, want[i].at, want[i].seq)
					}
				}
			}
		}
	}
}
