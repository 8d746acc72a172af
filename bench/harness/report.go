package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// report is everything one harness run measured.
type report struct {
	machine machine
	quick   bool
	gobench *goBench
	inproc  []fleetSize
	wire    runResult // in one process
	wire2   runResult // in two (run --procs 2)
	emu     sideBySide
	took    time.Duration
	load    contention
}

func (r *report) markdown() string {
	var b strings.Builder
	m := r.machine
	fmt.Fprintf(&b, "## Results of `make bench%s` (%s)\n\n", map[bool]string{true: "-quick"}[r.quick], m.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Written by `bench/harness`; do not edit by hand. ")
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s of memory, Linux %s, %s, %s. Commit %s. The harness took %s.\n\n",
		m.cpus, m.cpuModel, m.memory, m.kernel, m.goVer, m.platform, m.commit, r.took.Round(time.Second))
	if r.load.ok {
		fmt.Fprintf(&b, "While it ran, other processes used %.0f CPU-seconds (%.0f%% of the machine) and the hypervisor stole %.0f%%",
			r.load.other, r.load.otherShare*100, r.load.stealShare*100)
		if r.load.otherShare+r.load.stealShare > 0.05 {
			b.WriteString(": the figures are lower than on an idle machine")
		}
		b.WriteString(".\n\n")
	}
	r.targets(&b)
	r.inprocSection(&b)
	r.wireSection(&b)
	r.emuSection(&b)
	r.goSection(&b)
	return b.String()
}

// verdict compares a figure with its target.
func verdict(v, target float64, higherIsBetter, ok bool) string {
	switch {
	case !ok:
		return "not measured"
	case higherIsBetter && v >= target:
		return fmt.Sprintf("met (%.2fx the target)", v/target)
	case higherIsBetter:
		return fmt.Sprintf("**missed by %.0f%%** (%.2fx the target)", 100*(1-v/target), v/target)
	case v <= target:
		return fmt.Sprintf("met (%.0f%% of the bound)", 100*v/target)
	default:
		return fmt.Sprintf("**missed: %.0f%% over**", 100*(v/target-1))
	}
}

func (r *report) targets(b *strings.Builder) {
	b.WriteString("### Issue #4's targets\n\n")
	b.WriteString("| target | measured | how | verdict |\n|---|---|---|---|\n")

	// In-process events/s: the best steady state of the fleet sizes.
	best, bestN, okBest := 0.0, 0, false
	for _, f := range r.inproc {
		if v, ok := f.steady(); ok && v > best {
			best, bestN, okBest = v, f.devices, true
		}
	}
	fmt.Fprintf(b, "| inproc: 1,000,000 events/s to /dev/null at steady state | %s | best steady state of the fleets below (%s devices; the median of its rounds) | %s |\n",
		rate(best, okBest, "events/s"), group(int64(bestN)), verdict(best, 1e6, true, okBest))

	w := r.wire
	cyc, okCyc := w.cyclesPerSecond()
	if c2, ok2 := r.wire2.cyclesPerSecond(); ok2 && (!okCyc || c2 > cyc) {
		w, cyc, okCyc = r.wire2, c2, true
	}
	fmt.Fprintf(b, "| wire: 20,000 full cycles/s (UL + UGL + Create + Delete) | %s | `%s`, the faster of one and two processes, see below | %s |\n",
		rate(cyc, okCyc, "cycles/s"), orDash(w.command, w.command != ""), verdict(cyc, 20000, true, okCyc))

	g, gname, okG := r.benchMetric("exchanges/s", "./ggsn.BenchmarkServerCreateDelete", "./gtpc.BenchmarkEndpointCreateDelete")
	ref := ""
	if u, _, ok := r.benchMetric("round-trips/s", "./bench/reference.BenchmarkUDPRoundTrip"); ok && okG {
		// An exchange is two request/response round trips.
		ref = fmt.Sprintf(" (%s round trips/s: %.2f of bare UDP's %s in `reference.BenchmarkUDPRoundTrip`, same run)",
			group(int64(math.Round(2*g))), 2*g/u, group(int64(math.Round(u))))
	}
	fmt.Fprintf(b, "| GGSN alone: 100,000 Create+Delete exchanges/s from core-sim's client | %s%s | %s | %s |\n",
		rate(g, okG, "exchanges/s"), ref, r.benchHow(gname), verdict(g, 1e5, true, okG))

	h, hname, okH := r.benchMetric("ULR/s", "./hlr.BenchmarkULRoverTCP")
	ref = ""
	if d, _, ok := r.benchMetric("ULR/s", "./bench/reference.BenchmarkGoDiameterULR"); ok && okH {
		ref = fmt.Sprintf(" (%.2f of go-diameter's own client and server, %s ULR/s in `reference.BenchmarkGoDiameterULR`, same run)",
			h/d, group(int64(math.Round(d))))
	}
	fmt.Fprintf(b, "| HLR alone: 56,000 ULR/ULA per second over TCP | %s%s | %s | %s |\n",
		rate(h, okH, "ULR/s"), ref, r.benchHow(hname), verdict(h, 56000, true, okH))

	cr, nc := medianRate(r.emu.coreR)
	or, no := medianRate(r.emu.osmoR)
	okLines := nc > 0 && no > 0
	ca, cn := pooledAnswer(r.emu.coreR)
	oa, on := pooledAnswer(r.emu.osmoR)
	switch {
	case cn > 0 && on > 0 && ca > 0:
		// The GGSN's own time: request on the wire to its answer.
		speed := float64(oa) / float64(ca)
		linesRatio := "-"
		if okLines {
			linesRatio = fmt.Sprintf("%.2f", cr/or)
		}
		fmt.Fprintf(b, "| GGSN against sgsnemu at least as fast as osmo-ggsn | answers in %s against %s: osmo-ggsn/core-sim = %.2f (sgsnemu's own creates/s: core-sim/osmo-ggsn = %s) | sgsnemu's %d creates against each, %d and %d runs; median time from each Create request to its answer on lo, over %s and %s exchanges (see below) | %s |\n",
			us(ca), us(oa), speed, linesRatio, r.emu.core.n, len(r.emu.coreR), len(r.emu.osmoR), group(int64(cn)), group(int64(on)), verdict(speed, 1, true, true))
	default:
		ratio := "not measured"
		if okLines {
			ratio = fmt.Sprintf("core-sim/osmo-ggsn = %.2f", cr/or)
		}
		fmt.Fprintf(b, "| GGSN against sgsnemu at least as fast as osmo-ggsn | %s | sgsnemu's %d creates against each, median creates/s of %d and %d runs (see below; not timed on the wire: %s) | %s |\n",
			ratio, r.emu.core.n, nc, no, r.emu.wireNote, verdict(cr/max(or, 1e-9), 1, true, okLines))
	}

	var rss1M int64
	var okRSS bool
	for _, f := range r.inproc {
		if f.devices == 1_000_000 && f.maxRSS() > 0 {
			rss1M, okRSS = f.maxRSS(), true
		}
	}
	fmt.Fprintf(b, "| 1,000,000 resident devices under 1 GiB RSS | %s | max RSS of the 1,000,000-device runs | %s |\n",
		mib(rss1M, okRSS), verdict(float64(rss1M), 1<<20, false, okRSS))

	flat, okFlat := r.flatness()
	flatVerdict := verdict(flat, 0.8, true, okFlat)
	if okFlat && flat < 0.8 {
		flatVerdict = fmt.Sprintf("**missed**: %.0f%% slower at 1,000,000 devices than at 10,000 (20%% allowed)", 100*(1-flat))
	}
	cpus := ""
	if n := len(r.inproc); n >= 2 {
		lo, okLo := r.inproc[0].steadyCPU()
		hi, okHi := r.inproc[n-1].steadyCPU()
		if okLo && okHi {
			cpus = fmt.Sprintf(" (CPU an event at steady state: %.2f us at %s devices, %.2f at %s)",
				lo, group(int64(r.inproc[0].devices)), hi, group(int64(r.inproc[n-1].devices)))
		}
	}
	fmt.Fprintf(b, "| events/s flat within 20%% from 10,000 to 1,000,000 devices | %s%s | steady events/s at 1,000,000 / at 10,000, the median of the rounds' ratios | %s |\n",
		ratioOr(flat, okFlat), cpus, flatVerdict)
	b.WriteString("\n")
}

// cpuPerEvent spells CPU-us an event, or "-".
func cpuPerEvent(us float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f", us)
}

// flatness is steady events/s at 1,000,000 devices over that at 10,000:
// the median of the rounds' ratios, each of two sizes measured minutes
// apart at most.
func (r *report) flatness() (float64, bool) {
	var lo, hi *fleetSize
	for i := range r.inproc {
		switch r.inproc[i].devices {
		case 10_000:
			lo = &r.inproc[i]
		case 1_000_000:
			hi = &r.inproc[i]
		}
	}
	if lo == nil || hi == nil {
		return 0, false
	}
	var ratios []float64
	for i := range min(len(lo.rounds), len(hi.rounds)) {
		l, okL := lo.rounds[i].steady()
		h, okH := hi.rounds[i].steady()
		if okL && okH {
			ratios = append(ratios, h/l)
		}
	}
	return median(ratios)
}

// benchHow names a benchmark and the command that ran it.
func (r *report) benchHow(name string) string {
	i := strings.LastIndexByte(name, '.')
	pkg, bench := name[:i], name[i+1:]
	cmd := "go test " + pkg + " -run '^$' -bench " + bench
	if r.gobench != nil {
		cmd = strings.Replace(r.gobench.command, "PKG", pkg, 1)
	}
	return "`" + strings.TrimPrefix(pkg, "./") + "." + bench + "` in `" + cmd + "`"
}

// benchMetric finds a metric of the first of the named benchmarks that ran.
func (r *report) benchMetric(unit string, names ...string) (float64, string, bool) {
	if r.gobench == nil {
		return 0, names[0], false
	}
	for _, n := range names {
		for _, res := range r.gobench.results {
			if res.pkg+"."+res.name == n {
				if v, ok := res.metric(unit); ok {
					return v, n, true
				}
			}
		}
	}
	return 0, names[0], false
}

func (w runResult) cyclesPerSecond() (float64, bool) {
	if !w.parsedOK || w.ran <= 0 {
		return 0, false
	}
	return float64(w.cycles()) / w.ran.Seconds(), true
}

func (r *report) inprocSection(b *strings.Builder) {
	if len(r.inproc) == 0 {
		return
	}
	b.WriteString("### In-process fleets (`--transport inproc`, events to /dev/null)\n\n")
	fmt.Fprintf(b, "Each fleet size runs in %s of two runs: until 2 minutes after the last power-on, and longer. "+
		"*Steady* is the events of the longer run beyond the shorter one over the time it took beyond it: sessions only, "+
		"without the set-up and the power-on burst; a size's figure is the median of its rounds. The rounds alternate between the sizes "+
		"(every size's first round, then every size's second...), so that the machine's drift over the minutes falls on every size alike. "+
		"*core-sim's time* is from the fleet's start to its end, as core-sim prints it; "+
		"*wall* is the whole process, set-up of the fleet included. *Steady CPU* is the longer run's user and system time beyond the shorter one's, "+
		"over the events beyond: less swayed than events/s by what else the machine runs.\n\n", plural(r.rounds(), "round"))
	b.WriteString("| devices | round | command | virtual time | events | core-sim's time | events/s (whole run) | wall | max RSS | steady events/s | steady CPU-us/event |\n")
	b.WriteString("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range r.inproc {
		st, ok := f.steady()
		sc, scok := f.steadyCPU()
		for ri, rd := range f.rounds {
			rs, rok := rd.steady()
			rc, rcok := rd.steadyCPU()
			for i, run := range []runResult{rd.short, rd.long} {
				steady, cpu := "", ""
				if i == 1 {
					steady, cpu = rate(rs, rok, ""), cpuPerEvent(rc, rcok)
				}
				fmt.Fprintf(b, "| %s | %d | `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					group(int64(f.devices)), ri+1, run.command, short(run.shape.duration), count(run.events, run.parsedOK),
					dur(run.ran, run.parsedOK), rate(run.rate, run.parsedOK, ""), dur(run.wall, run.wall > 0)+limitNote(run),
					mib(run.maxRSS, run.maxRSS > 0), steady, cpu)
			}
		}
		fmt.Fprintf(b, "| %s | median | | | | | | | | **%s** | **%s** |\n", group(int64(f.devices)), rate(st, ok, ""), cpuPerEvent(sc, scok))
		if run := f.profiled; run.command != "" {
			fmt.Fprintf(b, "| %s | profiled | `%s` | %s | %s | %s | %s | %s | %s | (not counted) | |\n",
				group(int64(f.devices)), run.command, short(run.shape.duration), count(run.events, run.parsedOK),
				dur(run.ran, run.parsedOK), rate(run.rate, run.parsedOK, ""), dur(run.wall, run.wall > 0)+limitNote(run),
				mib(run.maxRSS, run.maxRSS > 0))
		}
	}
	b.WriteString("\n")
	r.runErrors(b, flatRuns(r.inproc))
	if len(r.inproc) > 0 {
		last := r.inproc[len(r.inproc)-1]
		fmt.Fprintf(b, "The scenario of each run (here the longest %s-device run; the others differ in `name`, `count` and `duration`):\n\n```yaml\n%s```\n\n",
			group(int64(last.devices)), last.profiled.shape.yaml)
		if p := last.profiled.profile; p != "" {
			fmt.Fprintf(b, "Where the time goes in that run (repeated with `--cpuprofile`, the row marked profiled, then `go tool pprof -top -nodecount=15`):\n\n```\n%s\n```\n\n", p)
		}
	}
}

// rounds is the most rounds a fleet size ran.
func (r *report) rounds() int {
	n := 0
	for _, f := range r.inproc {
		n = max(n, len(f.rounds))
	}
	return n
}

func flatRuns(fs []fleetSize) []runResult {
	var out []runResult
	for _, f := range fs {
		for _, r := range f.rounds {
			out = append(out, r.short, r.long)
		}
		out = append(out, f.profiled)
	}
	return out
}

func limitNote(r runResult) string {
	if r.limited {
		return fmt.Sprintf(" (stopped at its %s limit)", r.shape.limit)
	}
	return ""
}

func (r *report) runErrors(b *strings.Builder, runs []runResult) {
	wrote := false
	for _, run := range runs {
		if run.err != "" {
			fmt.Fprintf(b, "- `%s`: %s\n", run.command, oneLine(run.err))
			wrote = true
		}
	}
	if wrote {
		b.WriteString("\n")
	}
}

func (r *report) wireSection(b *strings.Builder) {
	w := r.wire
	if w.command == "" {
		return
	}
	b.WriteString("### Full cycles over the wire (`--transport tcp`: Diameter over TCP, GTP-C over UDP, loopback)\n\n")
	b.WriteString("Every device powers on within the first minute, registers (Update Location, Update GPRS Location) and opens one " +
		"session, closed 1 to 2 minutes later (Create, Delete PDP Context). A full cycle is counted once all four events of it exist: " +
		"the fewest of the four event types; cycles/s is over core-sim's time.\n\n")
	b.WriteString("One process (`run`) does one action at a time on one processor; two (`run --procs 2`, docs/procs.md) run half " +
		"the devices each, with their own HLR, GGSN and serving nodes, and the parent merges their events.\n\n")
	b.WriteString("| command | devices | events | UL / UGL / Create / Delete | full cycles | core-sim's time | wall | max RSS | cycles/s |\n")
	b.WriteString("|---|---:|---:|---|---:|---:|---:|---:|---:|\n")
	runs := []runResult{w}
	if r.wire2.command != "" {
		runs = append(runs, r.wire2)
	}
	for _, w := range runs {
		cps, ok := w.cyclesPerSecond()
		fmt.Fprintf(b, "| `%s` | %s | %s | %s / %s / %s / %s | %s | %s | %s | %s | **%s** |\n",
			w.command, group(int64(w.shape.devices)), count(w.events, w.parsedOK),
			group(w.byType[1]), group(w.byType[2]), group(w.byType[3]), group(w.byType[5]), count(w.cycles(), w.parsedOK),
			dur(w.ran, w.parsedOK), dur(w.wall, w.wall > 0)+limitNote(w), mib(w.maxRSS, w.maxRSS > 0), rate(cps, ok, ""))
	}
	b.WriteString("\n")
	r.runErrors(b, runs)
}

func (r *report) emuSection(b *strings.Builder) {
	s := r.emu
	if s.core.ggsn == "" && s.note == "" {
		return
	}
	b.WriteString("### Side by side: osmocom's sgsnemu against core-sim's GGSN and against osmo-ggsn\n\n")
	if s.note != "" {
		b.WriteString(s.note + "\n\n")
		return
	}
	b.WriteString("sgsnemu sends its N Create PDP Context Requests in one burst, never retransmits, deletes its contexts about " +
		"10 seconds later (it has no faster setting than `--timelimit 1`) and exits about 20 seconds after that. " +
		"So the comparable figure is the create phase: from its first request (`Setting up PDP context #0`) to its Nth answer, " +
		"read off sgsnemu's output line by line. That phase is bounded by sgsnemu itself (it prints a line per request and " +
		"per answer); both GGSNs face the same client. Times are from sgsnemu's start; each GGSN is started afresh.\n\n")
	b.WriteString("On the wire, each run is timed from a capture of lo (`dumpcap`, kernel timestamps): a GGSN's *answer time* is from a Create " +
		"PDP Context Request leaving sgsnemu's socket to its Response leaving the GGSN's, the GGSN's own time; the *wire phase* is " +
		"from the first request to the last answer. sgsnemu's output, by contrast, also times sgsnemu: how fast it sends, " +
		"takes the answers in and prints them, sharing two processors with the GGSN and the harness.\n\n")
	b.WriteString("| GGSN | GGSN command | sgsnemu command | creates answered | create phase (sgsnemu's output) | creates/s | answer time on the wire, median / 90th | wire phase | deletes answered (at) | sgsnemu exit |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, e := range []emuRun{s.core, s.osmo} {
		if e.skipped != "" {
			fmt.Fprintf(b, "| %s | skipped: %s | | | | | | | | |\n", e.ggsn, e.skipped)
			continue
		}
		cr, ok := e.createRate()
		exit := "stopped after " + emuExitWait.String()
		if e.exited > 0 {
			exit = dur(e.exited, true)
		}
		fmt.Fprintf(b, "| %s | `%s` | `%s` | %d of %d | %s | **%s** | %s | %s | %d (%s) | %s |\n",
			e.ggsn, e.ggsnCmd, e.emuCmd, e.creates, e.n, dur(e.created-e.firstSent, ok), rate(cr, ok, ""),
			wireAnswer(e.wire), dur(e.wire.phase, e.wire.phase > 0), e.deletes, dur(e.deleted, e.deleted > 0), exit)
	}
	b.WriteString("\nThen each GGSN, started afresh each time, takes the same burst again, the two alternating, and sgsnemu is stopped " +
		"once every create is answered. Every run, the full one first: creates/s from sgsnemu's output, and the median answer " +
		"time on the wire:\n\n")
	for _, runs := range [][]emuRun{s.coreR, s.osmoR} {
		if len(runs) == 0 {
			continue
		}
		var v, a []string
		for _, e := range runs {
			if x, ok := e.createRate(); ok {
				v = append(v, group(int64(math.Round(x))))
			} else {
				v = append(v, "-")
			}
			if len(e.wire.answer) > 0 {
				a = append(a, us(e.wire.quantile(0.5)))
			} else {
				a = append(a, "-")
			}
		}
		med, k := medianRate(runs)
		fmt.Fprintf(b, "- %s: %s; median **%s** (%d runs)\n", runs[0].ggsn, strings.Join(v, ", "), rate(med, k > 0, "creates/s"), k)
		if pa, pn := pooledAnswer(runs); pn > 0 {
			fmt.Fprintf(b, "  - answer time on the wire: %s; over all %s exchanges: median **%s**\n", strings.Join(a, ", "), group(int64(pn)), us(pa))
			var ph []time.Duration
			for _, e := range runs {
				if e.wire.phase > 0 {
					ph = append(ph, e.wire.phase)
				}
			}
			sort.Slice(ph, func(i, j int) bool { return ph[i] < ph[j] })
			if len(ph) > 0 {
				fmt.Fprintf(b, "  - wire phase (first request to last answer): median %s of %d runs, fastest %s, slowest %s\n",
					us(ph[len(ph)/2]), len(ph), us(ph[0]), us(ph[len(ph)-1]))
			}
		}
	}
	cr, nc := medianRate(s.coreR)
	or, no := medianRate(s.osmoR)
	if nc > 0 && no > 0 {
		fmt.Fprintf(b, "\n**Ratio core-sim / osmo-ggsn (median creates/s in sgsnemu's output): %.2f.**", cr/or)
	}
	ca, cn := pooledAnswer(s.coreR)
	oa, on := pooledAnswer(s.osmoR)
	if cn > 0 && on > 0 && ca > 0 {
		fmt.Fprintf(b, " **Answer time on the wire, osmo-ggsn / core-sim (medians over every exchange): %.2f.**", float64(oa)/float64(ca))
	}
	b.WriteString("\n")
	if s.wireNote != "" {
		fmt.Fprintf(b, "\n- Not timed on the wire: %s.", oneLine(s.wireNote))
	}
	for _, e := range append(append([]emuRun{}, s.coreR...), s.osmoR...) {
		if e.err != "" {
			fmt.Fprintf(b, "\n- %s: %s", e.ggsn, oneLine(e.err))
		}
	}
	if !s.core.lineBuf && s.core.skipped == "" {
		b.WriteString("\n- stdbuf is missing, so sgsnemu's output came at its exit and the phases are not timed.")
	}
	b.WriteString("\n\n")
}

func (r *report) goSection(b *strings.Builder) {
	g := r.gobench
	if g == nil {
		return
	}
	b.WriteString("### Go benchmarks of the hot paths\n\n")
	fmt.Fprintf(b, "`%s`, one package after the other, for PKG in %s.\n\n", g.command, "`"+strings.Join(g.pkgs, "`, `")+"`")
	b.WriteString("| benchmark | ns/op | B/op | allocs/op | other |\n|---|---:|---:|---:|---|\n")
	for _, res := range g.results {
		var other []string
		for _, m := range res.metrics {
			switch m.unit {
			case "ns/op", "B/op", "allocs/op":
			default:
				other = append(other, num(m.value)+" "+m.unit)
			}
		}
		ns, _ := res.metric("ns/op")
		bop, okB := res.metric("B/op")
		al, okA := res.metric("allocs/op")
		fmt.Fprintf(b, "| `%s.%s` | %s | %s | %s | %s |\n", strings.TrimPrefix(res.pkg, "./"), res.name, num(ns),
			orDash(num(bop), okB), orDash(num(al), okA), strings.Join(other, ", "))
	}
	if len(g.notes) > 0 {
		b.WriteString("\nWhat the benchmarks logged or reported:\n\n")
		for _, n := range g.notes {
			fmt.Fprintf(b, "- %s\n", oneLine(n))
		}
	}
	b.WriteString("\n")
}

func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", " / ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func orDash(s string, ok bool) string {
	if !ok {
		return "-"
	}
	return s
}

// group writes an integer with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// num writes a benchmark figure: grouped when large, 3 significant digits when small.
func num(v float64) string {
	if math.Abs(v) >= 1000 {
		return group(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func rate(v float64, ok bool, unit string) string {
	if !ok {
		return "-"
	}
	return strings.TrimSpace(group(int64(math.Round(v))) + " " + unit)
}

func count(n int64, ok bool) string {
	if !ok {
		return "-"
	}
	return group(n)
}

func ratioOr(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

// us is a short duration in microseconds below a millisecond, else in
// milliseconds with a decimal.
func us(d time.Duration) string {
	if d >= time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return group(d.Microseconds()) + " µs"
}

// wireAnswer is a run's median and 90th percentile answer time on the wire.
func wireAnswer(w wireTimes) string {
	if len(w.answer) == 0 {
		return "-"
	}
	return us(w.quantile(0.5)) + " / " + us(w.quantile(0.9))
}

func dur(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func mib(kib int64, ok bool) string {
	if !ok {
		return "-"
	}
	return group((kib+512)>>10) + " MiB"
}

// plural is n and what it counts, in the plural unless n is 1.
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
