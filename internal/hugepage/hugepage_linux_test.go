package hugepage

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{
		"always [madvise] never\n": Madvise,
		"[always] madvise never\n": Always,
		"always madvise [never]\n": Never,
		"always madvise never\n":   Unknown,
		"[sometimes]\n":            Unknown,
		"":                         Unknown,
	} {
		if got := parseMode([]byte(in)); got != want {
			t.Errorf("parseMode(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	old := modeFile
	defer func() { modeFile = old }()
	modeFile = filepath.Join(dir, "enabled")
	if got := SystemMode(); got != Unknown {
		t.Errorf("no setting to read: %q, want unknown", got)
	}
	os.WriteFile(modeFile, []byte("[always] madvise never\n"), 0o644)
	if got := SystemMode(); got != Always {
		t.Errorf("SystemMode = %q, want always", got)
	}
	// Nothing to ask under "always": the advisor does nothing.
	if r := Start(time.Millisecond, time.Millisecond).Stop(); r.Mode != Always || r.Advised != 0 || r.Err != nil {
		t.Errorf("under always: %+v", r)
	}
}

const sampleMaps = `00400000-00b41000 r-xp 00000000 fd:01 1234 /tmp/core-sim
01341000-013b2000 rw-p 00f41000 fd:01 1234 /tmp/core-sim
013b2000-033fd000 rw-p 00000000 00:00 0
20cfd000-20d1e000 rw-p 00000000 00:00 0 [heap]
c000000000-c004000000 rw-p 00000000 00:00 0
c004000000-c008000000 rw-p 00000000 00:00 0
c008000000-c00c000000 rw-p 00000000 00:00 0 [anon: Go: heap]
c00c000000-c010000000 ---p 00000000 00:00 0
c010000000-c014000000 rw-p 00000000 00:00 0
7f8198000000-7f8198021000 rw-p 00000000 00:00 0
7f8198021000-7f819c000000 ---p 00000000 00:00 0
7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]
`

func TestHeapMappings(t *testing.T) {
	ms, err := parseMaps([]byte(sampleMaps))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 12 {
		t.Fatalf("%d mappings, want 12", len(ms))
	}
	anon := 0
	for _, m := range ms {
		if m.anonRW {
			anon++
		}
	}
	// The unnamed rw-p ones and the Go-named one; not the file's, [heap]
	// (the C heap), PROT_NONE reservations or [stack].
	if anon != 6 {
		t.Errorf("%d anonymous rw mappings, want 6", anon)
	}
	got := heapMappings(ms, []uintptr{0xc004001000})
	var spans []string
	for _, m := range got {
		spans = append(spans, strconv.FormatUint(uint64(m.start), 16)+"-"+strconv.FormatUint(uint64(m.end), 16))
	}
	// The probe's mapping and those adjoining it; not the one past the
	// reservation, nor the thread's.
	want := "c000000000-c004000000 c004000000-c008000000 c008000000-c00c000000"
	if strings.Join(spans, " ") != want {
		t.Errorf("heap mappings %v, want %s", spans, want)
	}
	if got := heapMappings(ms, []uintptr{0x1000}); len(got) != 0 {
		t.Errorf("a probe in no mapping picked %d", len(got))
	}
	if got := heapMappings(ms, []uintptr{0x500000}); len(got) != 0 {
		t.Errorf("a probe in the binary picked %d", len(got))
	}
}

func TestParseMapsErrors(t *testing.T) {
	for in, want := range map[string]string{
		"00400000-00b41000 r-xp\n":                           "maps line 1: 2 fields",
		"ok-ok rw-p 0 00:00 0\n":                             "maps line 1: bad range",
		"1000-2000 rw-p 0 00:00 0\n0400000 rw-p 0 00:00 0\n": "maps line 2: no range",
		"2000-1000 rw-p 0 00:00 0\n":                         "maps line 1: bad range",
	} {
		_, err := parseMaps([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseMaps(%q) = %v, want %q", in, err, want)
		}
	}
}

// vmFlags is the VmFlags line of the mapping of /proc/self/smaps that
// holds addr.
func vmFlags(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if fs := bytes.Fields(line); len(fs) > 0 && bytes.Contains(fs[0], []byte("-")) && !bytes.HasSuffix(fs[0], []byte(":")) {
			lo, hi, _ := strings.Cut(string(fs[0]), "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if in && bytes.HasPrefix(line, []byte("VmFlags:")) {
			return string(line)
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}

// On a system set to madvise, the mapping of a heap object is advised
// (the kernel's "hg" flag) once the advisor has run.
func TestAdvisesTheHeap(t *testing.T) {
	if m := SystemMode(); m != Madvise {
		t.Skipf("transparent huge pages are %q here, not madvise: nothing to advise", m)
	}
	obj := make([]byte, 1<<20)
	addr := uintptr(unsafe.Pointer(&obj[0]))
	a := Start(time.Millisecond, time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(vmFlags(t, addr), " hg") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r := a.Stop()
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if fl := vmFlags(t, addr); !strings.Contains(fl, " hg") {
		t.Fatalf("the heap's mapping is not advised: %s (report %+v)", fl, r)
	}
	if r.Mode != Madvise || r.Advised == 0 || r.Bytes < 1<<20 {
		t.Errorf("report %+v", r)
	}
	_ = obj[0]
}
