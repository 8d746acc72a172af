package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine is what the figures were measured on.
type machine struct {
	cpus     int
	cpuModel string
	memory   string
	kernel   string
	goVer    string
	platform string
	commit   string
	date     time.Time
}

func describeMachine(ctx context.Context, goCmd string) machine {
	m := machine{cpus: runtime.NumCPU(), cpuModel: "unknown", memory: "unknown", kernel: "unknown",
		platform: runtime.GOOS + "/" + runtime.GOARCH, date: time.Now().UTC()}
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		m.cpuModel = v
	}
	if v, ok := procField("/proc/meminfo", "MemTotal"); ok {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.memory = strconv.FormatFloat(kb/(1<<20), 'f', 1, 64) + " GiB"
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	m.goVer = runtime.Version()
	if out, err := exec.CommandContext(ctx, goCmd, "env", "GOVERSION").Output(); err == nil {
		m.goVer = strings.TrimSpace(string(out))
	}
	m.commit = "unknown"
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		// Uncommitted changes outside bench/ change what was measured.
		if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench").Output(); err == nil && strings.TrimSpace(string(st)) != "" {
			m.commit += " with uncommitted changes"
		}
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(file, key string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// cpuSnap is the machine's CPU time and the harness's own (with its
// children's), to tell how much of the machine other processes took.
type cpuSnap struct {
	busy, steal, total float64 // seconds, from /proc/stat
	mine               float64 // seconds, from getrusage
	at                 time.Time
	ok                 bool
}

// contention is what other processes and the hypervisor took during a run.
type contention struct {
	other                  float64 // CPU-seconds
	otherShare, stealShare float64 // of the machine's capacity over the run
	ok                     bool
}

func takeCPU() cpuSnap {
	s := cpuSnap{at: time.Now()}
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	for _, ru := range []syscall.Rusage{self, kids} {
		s.mine += tv(ru.Utime) + tv(ru.Stime)
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return s
	}
	const userHz = 100 // USER_HZ, 100 on every Linux architecture Go runs on
	v := make([]float64, len(f)-1)
	for i := range v {
		n, _ := strconv.ParseFloat(f[i+1], 64)
		v[i] = n / userHz
	}
	// user nice system idle iowait irq softirq steal
	s.busy = v[0] + v[1] + v[2] + v[5] + v[6]
	s.steal = v[7]
	for _, x := range v[:8] {
		s.total += x
	}
	s.ok = true
	return s
}

func (s cpuSnap) since() contention {
	e := takeCPU()
	if !s.ok || !e.ok || e.total <= s.total {
		return contention{}
	}
	total := e.total - s.total
	other := max(0, (e.busy-s.busy)-(e.mine-s.mine))
	return contention{other: other, otherShare: other / total, stealShare: (e.steal - s.steal) / total, ok: true}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
