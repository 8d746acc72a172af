package prefetch

import (
	"testing"
	"unsafe"
)

// A hint never faults, whatever the address: nil, unmapped, the top of the
// address space, kernel space, the last bytes of an object (Pair reaches
// past it), and it changes nothing it points at.
func TestHintsNeverFault(t *testing.T) {
	for _, a := range []uintptr{0, 1, 0x1000, 0xdead_0000, 1 << 47, ^uintptr(0), ^uintptr(0) - 63} {
		line(a)
		line(a + 64)
	}
	Line(nil)
	Pair(nil)
	b := make([]byte, 3)
	b[0], b[2] = 7, 9
	Pair(unsafe.Pointer(&b[2]))
	Line(unsafe.Pointer(&b[0]))
	if b[0] != 7 || b[1] != 0 || b[2] != 9 {
		t.Fatalf("bytes changed to %v", b)
	}
}

func BenchmarkLine(b *testing.B) {
	x := make([]uint64, 1<<20)
	for i := 0; b.Loop(); i++ {
		Line(unsafe.Pointer(&x[(i*4099)&(len(x)-1)]))
	}
}
