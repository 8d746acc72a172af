package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fleetTemplate is the scenario of the end-to-end runs: one fleet in one
// country, one home network with roaming everywhere, an APN whose pool
// holds every device.
const fleetTemplate = `name: %[1]s
seed: 1
duration: %[3]s
ggsn: {apns: [{name: em, pool: 10.0.0.0/8}]}
fleets:
  - name: fleet
    count: %[2]d
    imsi: "295050000000001"
    iccid: "8942310000000000016"
    msisdn: "423660000001"
    endpoint_id: 1
    endpoint_name: device-{n}
    country: DE
    apn: em
    power_on: [0s, %[4]s]
    sessions: {every: %[5]s, length: [%[6]s, %[7]s]}
`

// fleetShape is what varies between the scenarios of fleetTemplate.
type fleetShape struct {
	devices         int
	duration        time.Duration
	powerOn         time.Duration // devices power on spread over [0, powerOn]
	every           time.Duration
	minLen, maxLen  time.Duration
	limit           time.Duration // wall-clock bound of the run
	transport       string
	procs           int  // --procs, when more than 1
	profile         bool // write a CPU profile
	name, yaml, cmd string
}

func (s *fleetShape) write(dir string) (string, error) {
	s.name = fmt.Sprintf("%s-%d-%s", s.transport, s.devices, short(s.duration))
	s.yaml = fmt.Sprintf(fleetTemplate, s.name, s.devices, short(s.duration), short(s.powerOn), short(s.every), short(s.minLen), short(s.maxLen))
	file := filepath.Join(dir, s.name+".yaml")
	return file, os.WriteFile(file, []byte(s.yaml), 0o644)
}

// short spells a duration as a scenario file does: 12m, 2h, 1h30m.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// runResult is one run of `core-sim run`.
type runResult struct {
	shape    fleetShape
	command  string
	devices  int
	virtual  string
	ran      time.Duration // core-sim's own figure: from the fleet's start to its end
	events   int64
	rate     float64 // core-sim's events/s (over ran)
	byType   map[int]int64
	wall     time.Duration // the process, start to exit (scenario load and fleet set-up included)
	maxRSS   int64         // KiB
	cpu      time.Duration // the process's user + system time
	limited  bool
	err      string
	profile  string // pprof -top of the run, when profiled
	parsedOK bool
}

// goTool is the go command (-go), for go tool pprof.
var goTool = "go"

var summaryRE = regexp.MustCompile(`core-sim: scenario "[^"]*", (\d+) devices, (\S+) of virtual time in (\S+): (\d+) events, (\d+) events/s`)
var typeRE = regexp.MustCompile(`^\s+(\d+) .*?\s(\d+)$`)

// coreSimRun runs the binary on a generated scenario and parses its summary.
func coreSimRun(ctx context.Context, bin, dir string, s fleetShape) runResult {
	file, err := s.write(dir)
	r := runResult{shape: s}
	if err != nil {
		r.err = err.Error()
		return r
	}
	args := []string{"run", file, "--transport", s.transport, "--events", os.DevNull, "--log-level", "warn"}
	if s.procs > 1 {
		args = append(args, "--procs", strconv.Itoa(s.procs))
	}
	var prof string
	if s.profile {
		prof = filepath.Join(dir, s.name+".cpu.prof")
		args = append(args, "--cpuprofile", prof)
	}
	r.command = "core-sim " + strings.Join(append([]string{"run", s.name + ".yaml"}, args[2:]...), " ")
	if prof != "" {
		r.command = strings.Replace(r.command, prof, s.name+".cpu.prof", 1)
	}
	log.Printf("%s (at most %s)", r.command, s.limit)
	c := newChild(bin, args...)
	c.run(ctx, s.limit)
	r.wall, r.maxRSS, r.cpu, r.limited = c.wall, c.maxRSS, c.cpu, c.limited
	r.parse(c.stderr.String())
	if !r.parsedOK || (c.err != nil && !c.limited) {
		r.err = describeExit(c) + ": " + lastLines(c.stderr.String(), 5)
	}
	if prof != "" && r.parsedOK {
		r.profile = pprofTop(ctx, bin, prof)
	}
	log.Printf("  %d events in %s (core-sim: %s, %.0f events/s), max RSS %d MiB", r.events, r.wall.Round(time.Millisecond), r.ran, r.rate, r.maxRSS>>10)
	return r
}

func (r *runResult) parse(stderr string) {
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		return
	}
	r.parsedOK = true
	r.devices, _ = strconv.Atoi(m[1])
	r.virtual = m[2]
	r.ran, _ = time.ParseDuration(m[3])
	r.events, _ = strconv.ParseInt(m[4], 10, 64)
	r.rate, _ = strconv.ParseFloat(m[5], 64)
	r.byType = map[int]int64{}
	sc := bufio.NewScanner(strings.NewReader(stderr[strings.Index(stderr, m[0]):]))
	inTypes := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "events by type"):
			inTypes = true
		case inTypes && typeRE.MatchString(line):
			t := typeRE.FindStringSubmatch(line)
			id, _ := strconv.Atoi(t[1])
			n, _ := strconv.ParseInt(t[2], 10, 64)
			r.byType[id] = n
		case inTypes:
			inTypes = false
		}
	}
}

// pprofTop is the head of `go tool pprof -top` of a CPU profile.
func pprofTop(ctx context.Context, bin, prof string) string {
	out, err := exec.CommandContext(ctx, goTool, "tool", "pprof", "-top", "-nodecount=15", bin, prof).Output()
	if err != nil {
		return ""
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Time:") || strings.HasPrefix(l, "Build ID:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// fleetSize is one fleet size of the in-process measurement, in rounds:
// each round a run that ends just after every device has powered on and
// a longer one; the difference between the two is the steady state
// (sessions only, no start-up, no power-on burst). The rounds of all
// sizes alternate (the first round of every size, then the second...):
// on a shared machine whose speed drifts by tens of percent within
// minutes, sizes measured side by side, several times, compare better
// than one size after the other.
type fleetSize struct {
	devices  int
	rounds   []fleetRound
	profiled runResult // the long run again with --cpuprofile (largest size only), kept out of the figures
}

type fleetRound struct{ short, long runResult }

// steady is events/s at steady state: the events the long run has beyond
// the short one, over the wall time it took beyond the short one.
func (f fleetRound) steady() (float64, bool) {
	if !f.short.parsedOK || !f.long.parsedOK || f.short.limited || f.long.limited {
		return 0, false
	}
	de, dt := f.long.events-f.short.events, f.long.ran-f.short.ran
	if de <= 0 || dt <= 0 {
		return 0, false
	}
	return float64(de) / dt.Seconds(), true
}

// steadyCPU is the CPU time an event at steady state, in microseconds:
// the long run's user and system time beyond the short one's, over the
// events it has beyond them. Less swayed than events/s by what else the
// machine runs (a wait for the processor costs no CPU time), though not
// by how fast the processor and its caches are at the time.
func (f fleetRound) steadyCPU() (float64, bool) {
	if _, ok := f.steady(); !ok || f.short.cpu <= 0 || f.long.cpu <= f.short.cpu {
		return 0, false
	}
	de := f.long.events - f.short.events
	return float64(f.long.cpu-f.short.cpu) / float64(time.Microsecond) / float64(de), true
}

// steadyCPU is the median of the rounds' CPU-us an event.
func (f fleetSize) steadyCPU() (float64, bool) { return f.overRounds(fleetRound.steadyCPU) }

// steady is the median of the rounds' steady states.
func (f fleetSize) steady() (float64, bool) { return f.overRounds(fleetRound.steady) }

// overRounds is the median of a figure over the rounds that have it.
func (f fleetSize) overRounds(figure func(fleetRound) (float64, bool)) (float64, bool) {
	var v []float64
	for _, r := range f.rounds {
		if s, ok := figure(r); ok {
			v = append(v, s)
		}
	}
	return median(v)
}

// median of v; false when v is empty. An even count gives the mean of
// the middle two.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2, true
	}
	return v[len(v)/2], true
}

func (f fleetSize) maxRSS() int64 {
	var m int64
	for _, r := range f.rounds {
		m = max(m, r.short.maxRSS, r.long.maxRSS)
	}
	return m
}

// inprocShape is the in-process fleet: power-on over 10 minutes, a session
// every 15 minutes of 1 to 5 minutes.
func inprocShape(devices int, d, limit time.Duration, profile bool) fleetShape {
	return fleetShape{devices: devices, duration: d, powerOn: 10 * time.Minute, every: 15 * time.Minute,
		minLen: time.Minute, maxLen: 5 * time.Minute, limit: limit, transport: "inproc", profile: profile}
}

// inprocRounds is how many rounds runInproc measures (one with -quick).
const inprocRounds = 3

func runInproc(ctx context.Context, bin, dir string, quick bool) []fleetSize {
	// Long durations chosen for about 1 to 4 million events each; the short
	// run ends 2 minutes after the last power-on.
	type size struct {
		devices int
		long    time.Duration
		limit   time.Duration
	}
	sizes := []size{{10_000, 12 * time.Hour, 2 * time.Minute}, {100_000, 2 * time.Hour, 2 * time.Minute}, {1_000_000, 30 * time.Minute, 3 * time.Minute}}
	rounds := inprocRounds
	if quick {
		sizes = []size{{10_000, 2 * time.Hour, time.Minute}, {100_000, 30 * time.Minute, time.Minute}}
		rounds = 1
	}
	out := make([]fleetSize, len(sizes))
	for range rounds {
		for i, s := range sizes {
			out[i].devices = s.devices
			out[i].rounds = append(out[i].rounds, fleetRound{
				short: coreSimRun(ctx, bin, dir, inprocShape(s.devices, 12*time.Minute, s.limit, false)),
				long:  coreSimRun(ctx, bin, dir, inprocShape(s.devices, s.long, s.limit, false)),
			})
		}
	}
	// A profile is taken in a run of its own, so that its cost is in no
	// figure.
	last := sizes[len(sizes)-1]
	out[len(out)-1].profiled = coreSimRun(ctx, bin, dir, inprocShape(last.devices, last.long, last.limit, true))
	return out
}

// runWire runs full cycles over the wire: every device powers on within a
// minute, registers (Update Location, Update GPRS Location), opens one
// session and closes it (Create, Delete PDP Context). procs > 1 runs the
// fleet in that many processes (run --procs).
func runWire(ctx context.Context, bin, dir string, quick bool, procs int) runResult {
	n := 50_000
	if quick {
		n = 10_000
	}
	return coreSimRun(ctx, bin, dir, fleetShape{devices: n, duration: 13 * time.Minute, powerOn: time.Minute,
		every: 10 * time.Minute, minLen: time.Minute, maxLen: 2 * time.Minute, limit: 2 * time.Minute, transport: "tcp", procs: procs})
}

// cycles is the number of full cycles of a wire run: the fewest of its
// Update location (1), Update GPRS location (2), Create (3) and Delete (5)
// PDP Context events.
func (r runResult) cycles() int64 {
	n := r.byType[1]
	for _, t := range []int{2, 3, 5} {
		n = min(n, r.byType[t])
	}
	return n
}
