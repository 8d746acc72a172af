package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/fleet"
	"github.com/core-sim/core-sim/pcap"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/trace"
)

func cmdTrace(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("trace", `
core-sim trace [SCENARIO] [flags]

Runs one device of a scenario (the first, or --device) through the real
HLR, SGSN and GGSN logic and draws what happens as a ladder: the device and
its SIM applet, the visited network's VLR/SGSN, the HLR and the GGSN, one
row per message with its key fields (IMSI, ULR-Flags, results and causes by
name, APN, TEIDs, the UE's address), the applet's decisions with their
reasons, and each event with the status it leads to. --pcap writes the
Diameter and GTP-C messages as a capture for Wireshark; --mermaid the same
ladder as a Mermaid sequence diagram. See docs/attach-flow.md.`, `
  core-sim trace
  core-sim trace border-crossing --until 3h
  core-sim trace outage-fallback --device 3 --pcap fallback.pcap --mermaid fallback.mmd
  core-sim trace --device gateways:2 --no-color | less`, stderr)
	c.register(fs, false)
	// The ladder is the output: logs only when something is wrong.
	fs.Set("log-level", "warn") //nolint:errcheck // a known flag and value
	fs.Lookup("log-level").DefValue = "warn"
	device := fs.String("device", "1", "the device to trace: N (the N-th of the scenario, fleets in order) or FLEET:N")
	until := fs.Duration("until", 0, "stop at this virtual time (default: the scenario's duration)")
	noColor := fs.Bool("no-color", false, "plain text, no colours (also when stdout is not a terminal, or NO_COLOR is set)")
	pcapPath := fs.String("pcap", "", "write the Diameter and GTP-C messages to this capture file (pcap)")
	pcapSCTP := fs.Bool("pcap-sctp", false, "in the capture, carry Diameter over SCTP rather than TCP")
	mermaidPath := fs.String("mermaid", "", "write the trace as a Mermaid sequence diagram to this file")
	width := fs.Int("width", 0, "the ladder's width in columns (default: the terminal's, else 120)")
	transport := fs.String("transport", "inproc", "how the elements talk: inproc, or over the wire: auto, tcp, sctp")
	var out outputFlags
	out.register(fs)
	log, sc, err := c.setup(fs, args, stderr)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	n, err := pickDevice(sc, *device)
	if err != nil {
		return err
	}
	if *until < 0 {
		return fmt.Errorf("--until %v: want a virtual duration above 0", *until)
	}
	if *until > 0 && *until < sc.Duration {
		sc.Duration = *until
	}
	if len(out.events) == 0 {
		out.events = []string{"file:" + os.DevNull} // the ladder shows the events
	}
	dev := fleet.Devices(sc)[n-1]
	var col trace.Collect
	sinks := []trace.Sink{&col}
	var pw *capture
	if *pcapPath != "" {
		if pw, err = openPcap(*pcapPath, *pcapSCTP); err != nil {
			return err
		}
		sinks = append(sinks, pw)
	}
	rec := trace.NewRecorder(pw != nil, dev.IMSIs(), sinks...)

	ctx, stop := signalContext()
	defer stop()
	store, err := newStore(sc)
	if err != nil {
		return err
	}
	o := fleetOptions{out: &out, speed: "max", trace: rec, device: n, quiet: true}
	closeElements, err := startElements(ctx, sc, store, *transport, &o, log)
	if err != nil {
		return err
	}
	defer closeElements()
	fmt.Fprintf(stderr, "core-sim: tracing device %d of scenario %q (fleet %s, IMSIs %s)\n", n, sc.Name, dev.Fleet.Name, strings.Join(dev.IMSIs(), ", "))
	runErr := runFleet(ctx, sc, store, o, log, io.Discard, stderr)
	if pw != nil {
		if err := pw.Close(); err != nil {
			return fmt.Errorf("--pcap %s: %w", *pcapPath, err)
		}
	}
	if *mermaidPath != "" {
		if err := writeOut(*mermaidPath, func(w io.Writer) error { return trace.Mermaid(w, col.Steps) }); err != nil {
			return fmt.Errorf("--mermaid %s: %w", *mermaidPath, err)
		}
	}
	lo := trace.LadderOptions{Color: useColor(stdout, *noColor), Width: *width}
	if lo.Width == 0 {
		lo.Width = terminalWidth(stdout)
	}
	bw := bufio.NewWriter(stdout)
	if err := trace.Ladder(bw, col.Steps, lo); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return runErr
}

// pickDevice reads --device: N over the whole scenario, or FLEET:N.
func pickDevice(sc *scenarios.Scenario, arg string) (int, error) {
	total := 0
	for _, f := range sc.Fleets {
		total += f.Count
	}
	if name, num, ok := strings.Cut(arg, ":"); ok {
		k, err := strconv.Atoi(num)
		before := 0
		for _, f := range sc.Fleets {
			if f.Name == name {
				if err != nil || k < 1 || k > f.Count {
					return 0, fmt.Errorf("--device %q: fleet %s has devices 1 to %d", arg, name, f.Count)
				}
				return before + k, nil
			}
			before += f.Count
		}
		var names []string
		for _, f := range sc.Fleets {
			names = append(names, f.Name)
		}
		return 0, fmt.Errorf("--device %q: scenario %q has no fleet %q (it has %s)", arg, sc.Name, name, strings.Join(names, ", "))
	}
	k, err := strconv.Atoi(arg)
	if err != nil || k < 1 || k > total {
		return 0, fmt.Errorf("--device %q: want a number from 1 to %d, or FLEET:N", arg, total)
	}
	return k, nil
}

// capture is a capture file being written.
type capture struct {
	*pcap.Writer
	f *os.File
}

// Close ends the capture's connections and closes the file.
func (c *capture) Close() error {
	err := c.Writer.Close()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// openPcap creates a capture file.
func openPcap(path string, sctp bool) (*capture, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--pcap: %w", err)
	}
	mode := "tcp"
	if sctp {
		mode = "sctp"
	}
	w, err := pcap.NewWriter(f, mode)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--pcap %s: %w", path, err)
	}
	return &capture{Writer: w, f: f}, nil
}

func writeOut(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// useColor: on a terminal, unless --no-color, NO_COLOR or TERM=dumb.
func useColor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is the terminal's width (COLUMNS, else the window size),
// 120 when not a terminal; at least 80.
func terminalWidth(w io.Writer) int {
	cols, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	if cols == 0 && isTerminal(w) {
		cols = windowColumns(w.(*os.File))
	}
	if cols < 80 {
		if cols == 0 {
			return 120
		}
		return 80
	}
	return cols
}

// traceEvent records an emitted event as a step of the trace.
func traceEvent(rec *trace.Recorder, at time.Time, e *events.Event) {
	imsi := ""
	if e.IMSI != nil {
		imsi = e.IMSI.IMSI
	}
	if !rec.Traces(imsi) {
		return
	}
	s := trace.Step{At: at, Kind: trace.Event, From: trace.Platform, Name: e.EventType.Description, Text: e.Description,
		OK: !e.Alert, EventID: e.ID, EventType: int(e.Type), IMSI: imsi}
	if e.Status != events.StatusUnchanged {
		s.Status = e.Status.String()
	}
	if d, ok := e.Detail.(*events.PDPDetail); ok && d.Volume != nil {
		s.Fields = append(s.Fields, trace.Field{Key: "volume (MB)", Value: fmt.Sprintf("total %s, rx %s, tx %s",
			mb(d.Volume.Total), mb(d.Volume.Rx), mb(d.Volume.Tx))})
	}
	rec.Record(s)
}

func mb(b events.Bytes) string { return fmt.Sprintf("%d.%06d", int64(b)/1e6, int64(b)%1e6) }
