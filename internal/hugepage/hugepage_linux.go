package hugepage

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// modeFile is where Linux says how it uses transparent huge pages.
var modeFile = "/sys/kernel/mm/transparent_hugepage/enabled"

// SystemMode reads the setting: the bracketed word of "always [madvise]
// never".
func SystemMode() Mode {
	b, err := os.ReadFile(modeFile)
	if err != nil {
		return Unknown
	}
	return parseMode(b)
}

func parseMode(b []byte) Mode {
	i := bytes.IndexByte(b, '[')
	j := bytes.IndexByte(b, ']')
	if i < 0 || j < i {
		return Unknown
	}
	switch m := Mode(b[i+1 : j]); m {
	case Always, Madvise, Never:
		return m
	}
	return Unknown
}

// mapping is one line of /proc/self/maps that matters here.
type mapping struct {
	start, end uintptr
	anonRW     bool // private, readable and writable, no file
}

// parseMaps reads the lines of /proc/self/maps: "start-end perms offset
// dev inode [path]".
func parseMaps(b []byte) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 5 {
			return nil, fmt.Errorf("maps line %d: %d fields", n, len(f))
		}
		dash := bytes.IndexByte(f[0], '-')
		if dash < 0 {
			return nil, fmt.Errorf("maps line %d: no range in %q", n, f[0])
		}
		lo, err1 := strconv.ParseUint(string(f[0][:dash]), 16, 64)
		hi, err2 := strconv.ParseUint(string(f[0][dash+1:]), 16, 64)
		if err1 != nil || err2 != nil || hi < lo {
			return nil, fmt.Errorf("maps line %d: bad range %q", n, f[0])
		}
		m := mapping{start: uintptr(lo), end: uintptr(hi)}
		// No path (or an anonymous name the kernel gave it) and inode 0.
		m.anonRW = string(f[1]) == "rw-p" && string(f[4]) == "0" &&
			(len(f) == 5 || bytes.HasPrefix(f[5], []byte("[anon")))
		out = append(out, m)
	}
	return out, sc.Err()
}

// heapMappings picks the mappings of the Go heap: the anonymous ones that
// hold one of the probes (addresses of objects just allocated), and those
// that adjoin a mapping so picked (the heap grows into the reservation
// beside it, a mapping at a time). ms is in address order.
func heapMappings(ms []mapping, probes []uintptr) []mapping {
	heap := make([]bool, len(ms))
	for i, m := range ms {
		for _, p := range probes {
			if m.anonRW && p >= m.start && p < m.end {
				heap[i] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range ms {
			if heap[i] || !ms[i].anonRW {
				continue
			}
			if (i > 0 && heap[i-1] && ms[i-1].end == ms[i].start) ||
				(i+1 < len(ms) && heap[i+1] && ms[i+1].start == ms[i].end) {
				heap[i], changed = true, true
			}
		}
	}
	var out []mapping
	for i, m := range ms {
		if heap[i] {
			out = append(out, m)
		}
	}
	return out
}

// probe is where the heap puts objects now: a small one and a large one
// (which comes straight from the heap's pages).
func probe() []uintptr {
	small, large := new([8]uint64), make([]byte, 64<<10)
	p := []uintptr{uintptr(unsafe.Pointer(small)), uintptr(unsafe.Pointer(&large[0]))}
	runtime.KeepAlive(small)
	runtime.KeepAlive(large)
	return p
}

// adviseOnce advises every heap mapping (again: the kernel keeps the
// advice on a mapping, and one that grew or merged is a new range).
func adviseOnce(r *Report, seen map[[2]uintptr]bool) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		if r.Err == nil {
			r.Err = err
		}
		return
	}
	ms, err := parseMaps(b)
	if err != nil {
		if r.Err == nil {
			r.Err = err
		}
		return
	}
	for _, m := range heapMappings(ms, probe()) {
		k := [2]uintptr{m.start, m.end}
		if seen[k] {
			continue
		}
		// By address: the range is not a Go object (a slice over it would
		// make one of memory the collector does not own).
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_HUGEPAGE); e != 0 {
			err := error(e)
			r.Failures++
			if r.Err == nil {
				r.Err = fmt.Errorf("madvise %#x-%#x: %w", m.start, m.end, err)
			}
			continue
		}
		seen[k] = true
		r.Advised++
		r.Bytes += int64(m.end - m.start)
	}
}
