//go:build !amd64 && !arm64

package prefetch

// line hints the cache line that holds addr: nothing on this architecture.
func line(addr uintptr) {}
