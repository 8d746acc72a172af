package events

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
)

// SessionUUID writes what this format gives, without fmt, and the
// encoder writes the same quoted.
func TestSessionUUIDFormat(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		n := r.Uint64()
		if i < 100 {
			n = uint64(i)
		}
		x := n*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
		want := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(x>>32), uint16(x>>16), uint16(x)&0xfff, uint16(n>>48)&0xfff, n&0xffffffffffff)
		got := SessionUUID(n)
		if got != want || !shape.MatchString(got) {
			t.Fatalf("SessionUUID(%d) = %s, want %s", n, got, want)
		}
		if seen[got] {
			t.Fatalf("SessionUUID(%d) = %s twice", n, got)
		}
		seen[got] = true
	}
}
