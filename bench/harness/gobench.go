package main

import (
	"bufio"
	"context"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// benchResult is one line of `go test -bench` output.
type benchResult struct {
	pkg     string // e.g. ./hlr
	name    string // without the -GOMAXPROCS suffix
	n       int64
	metrics []metric // in the order printed
}

type metric struct {
	value float64
	unit  string
}

func (b benchResult) metric(unit string) (float64, bool) {
	for _, m := range b.metrics {
		if m.unit == unit {
			return m.value, true
		}
	}
	return 0, false
}

// goBench is the Go benchmarks' part of the report.
type goBench struct {
	command string // with PKG standing for each package
	pkgs    []string
	results []benchResult
	notes   []string // failures, b.Log lines
}

// benchPackages lists the packages (./dir) with a Benchmark function, by
// reading the test files: cheaper than compiling every test binary to ask.
func benchPackages() []string {
	seen := map[string]bool{}
	filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if n := d.Name(); path != "." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), "\nfunc Benchmark") {
			seen["./"+filepath.ToSlash(filepath.Dir(path))] = true
		}
		return nil
	})
	pkgs := make([]string, 0, len(seen))
	for p := range seen {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	return pkgs
}

// runGoBenchmarks runs each package's benchmarks in its own `go test`, one
// after the other, so that compiling one package never competes with the
// benchmarks of another for the machine's cores.
func runGoBenchmarks(ctx context.Context, o options) *goBench {
	g := &goBench{pkgs: benchPackages()}
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", o.benchtime, "-count", "1", "-timeout", "4m"}
	g.command = o.goCmd + " " + shellJoin(args) + " PKG"
	for _, pkg := range g.pkgs {
		log.Printf("%s %s", strings.Join(append([]string{o.goCmd}, args...), " "), pkg)
		c := newChild(o.goCmd, append(args, pkg)...)
		err := c.run(ctx, 5*time.Minute)
		results, notes := parseGoBench(pkg, c.stdout.String())
		g.results = append(g.results, results...)
		g.notes = append(g.notes, notes...)
		if err != nil || c.limited {
			g.notes = append(g.notes, pkg+": "+describeExit(c)+"\n"+lastLines(c.stdout.String()+c.stderr.String(), 8))
		}
	}
	return g
}

func describeExit(c *child) string {
	switch {
	case c.limited:
		return "stopped at its time limit after " + c.wall.Round(time.Second).String()
	case c.err != nil:
		return c.err.Error()
	}
	return "ok"
}

// parseGoBench reads `go test -bench` output: result lines, and the lines a
// benchmark logs (b.Logf) or a failure, kept as notes.
func parseGoBench(pkg, out string) ([]benchResult, []string) {
	var results []benchResult
	var notes []string
	var current string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && strings.HasPrefix(f[0], "Benchmark"),
			len(f) >= 3 && current != "" && f[2] == "ns/op": // the results of a benchmark that logged
			name := current
			if strings.HasPrefix(f[0], "Benchmark") {
				name, f = trimProcs(f[0]), f[1:]
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				continue
			}
			r := benchResult{pkg: pkg, name: name, n: n}
			for i := 1; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					break
				}
				r.metrics = append(r.metrics, metric{v, f[i+1]})
			}
			results = append(results, r)
			current = r.name
		case len(f) == 1 && strings.HasPrefix(f[0], "Benchmark"):
			current = trimProcs(f[0]) // its results follow its log lines
		case strings.HasPrefix(line, "    ") && current != "":
			notes = append(notes, pkg+"."+current+": "+strings.TrimSpace(line))
		case strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "panic:"):
			notes = append(notes, pkg+": "+line)
		}
	}
	return results, notes
}

// trimProcs drops the -GOMAXPROCS suffix of a benchmark's name.
func trimProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i]
		}
	}
	return name
}

// shellJoin quotes the arguments a shell would mangle.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " ^$*?'\"\\|&;<>(){}[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
