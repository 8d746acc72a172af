package events

// The stream's encoder writes most of an event the same way as the event
// before: a run's events share a few kinds (type, source, severity,
// organisation), a few visited networks, the same SGSN and GGSN addresses
// and the same tariff. fragments keeps the JSON it wrote for the last few
// values of each of those parts and copies it instead of writing it
// again. The key of a fragment is everything the part is written from,
// compared in full, so a cached fragment is always what writing would
// give (strings compare by length, then by pointer, before their bytes).
type fragments struct {
	kind     fragCache[kindKey]
	operator fragCache[operatorKey]
	plmn     fragCache[[2]string]
	gsns     fragCache[[4]string]
	tariff   fragCache[[6]string]
}

type kindKey struct {
	typ, source, severity Ref
	org                   Organisation
}

type operatorKey struct {
	id      int
	name    string
	country Country
}

// fragWays is how many values of each part a cache keeps: more than a
// scenario's operators take turns in misses, each costing a comparison
// more than writing the part.
const fragWays = 8

// fragCache holds the JSON of up to fragWays values of one part.
type fragCache[K comparable] struct {
	keys [fragWays]K
	json [fragWays][]byte
	n    int // entries in use
	next int // the one to replace when full
}

// cached appends what write(b, v) appends, for the part whose value is
// key: from f when it has key, else written and kept in f.
func cached[K comparable, V any](b []byte, f *fragCache[K], key K, v V, write func([]byte, V) []byte) []byte {
	for i := 0; i < f.n; i++ {
		if f.keys[i] == key {
			return append(b, f.json[i]...)
		}
	}
	start := len(b)
	b = write(b, v)
	i := f.next
	if f.n < fragWays {
		i = f.n
		f.n++
	} else {
		f.next = (f.next + 1) % fragWays
	}
	f.keys[i] = key
	f.json[i] = append(f.json[i][:0], b[start:]...)
	return b
}
