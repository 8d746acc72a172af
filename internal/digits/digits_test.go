package digits

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Add agrees with parsing, adding and formatting, carries and overflows
// included.
func TestAddAgreesWithArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		width := 1 + r.IntN(18)
		v := r.Uint64N(pow10(width))
		n := r.Uint64N(pow10(1 + r.IntN(18)))
		s := strconv.FormatUint(v, 10)
		s = strings.Repeat("0", width-len(s)) + s
		b := []byte(s)
		carry := Add(b, n)
		sum := v + n
		if got, want := carry, sum/pow10(width); got != want {
			t.Fatalf("Add(%s, %d): carry %d, want %d", s, n, got, want)
		}
		want := strconv.FormatUint(sum%pow10(width), 10)
		want = strings.Repeat("0", width-len(want)) + want
		if string(b) != want {
			t.Fatalf("Add(%s, %d) = %s, want %s", s, n, b, want)
		}
	}
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
