// Command core-sim is a simulated mobile core and multi-IMSI network
// emulator: an HLR (Diameter S6a/S6d), visited networks' VLR/SGSN nodes and
// a GGSN (GTPv1-C) that produce an IoT connectivity platform's events.
//
// This file only wires things together: every element lives in its own
// package.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/core-sim/core-sim/scenarios"
)

const usage = `core-sim: a simulated mobile core that produces an IoT platform's events.

Usage:
  core-sim run [SCENARIO]        run a scenario with HLR, GGSN and SGSN in one process
  core-sim hlr [flags]           run the HLR (Diameter S6a/S6d server)
  core-sim ggsn [flags]          run the GGSN (GTPv1-C server)
  core-sim sgsn [flags]          run the visited networks' VLR/SGSN nodes and the fleet
  core-sim trace [SCENARIO]      draw one device's attach and PDP activation as a ladder (--pcap, --mermaid)
  core-sim validate SCENARIO     check a scenario file
  core-sim scenarios             list the scenario library (run one by name)
  core-sim help [COMMAND]        show help

With no scenario every command uses the embedded default scenario (100 devices in
Germany, France and Austria). Events go to stdout as NDJSON; logs go to stderr.

Examples:
  core-sim run
  core-sim run outage-fallback --check
  core-sim run --events events.ndjson --log-level debug
  core-sim hlr  --listen 127.0.0.1:3868 --transport tcp
  core-sim ggsn --listen 127.0.0.2:2123
  core-sim sgsn --hlr 127.0.0.1:3868 --ggsn 127.0.0.2:2123 --transport tcp

Run "core-sim COMMAND --help" for the flags of a command.
`

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage means the command line was wrong; the flag package has said why.
var errUsage = errors.New("usage")

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"run":       cmdRun,
		"hlr":       cmdHLR,
		"ggsn":      cmdGGSN,
		"sgsn":      cmdSGSN,
		"validate":  cmdValidate,
		"scenarios": cmdScenarios,
		"trace":     cmdTrace,
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 {
			if c, ok := cmds[rest[0]]; ok {
				_ = c([]string{"--help"}, stdout, stdout)
				return 0
			}
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "core-sim: unknown command %q\n\n%s", name, usage)
		return 2
	}
	if err := cmd(rest, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "core-sim %s: %v\n", name, err)
		return 1
	}
	return 0
}

// common are the flags every command has.
type common struct {
	logLevel  string
	logFormat string
	config    string
	pos       []string // the positional arguments
}

// register adds the common flags; withConfig adds --config for the
// elements, which take their scenario as a flag (run takes it as an argument).
func (c *common) register(fs *flag.FlagSet, withConfig bool) {
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "console", "log format: console (readable lines) or json")
	if withConfig {
		fs.StringVar(&c.config, "config", "", "scenario file (default: the embedded default)")
	}
}

// setup parses the flags, then builds the logger and loads the scenario
// (a positional argument or --config, else the embedded default).
func (c *common) setup(fs *flag.FlagSet, args []string, stderr io.Writer) (*zap.Logger, *scenarios.Scenario, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	c.pos = pos
	log, err := c.logger(stderr)
	if err != nil {
		return nil, nil, err
	}
	sc, err := loadScenario(pos, c.config)
	if err != nil {
		return nil, nil, err
	}
	return log, sc, nil
}

// logger builds the zap logger; logs always go to stderr so that stdout
// stays clean for events.
func (c *common) logger(stderr io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(c.logLevel)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	ec := zap.NewProductionEncoderConfig()
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch c.logFormat {
	case "console":
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		ec.ConsoleSeparator = " "
		enc = zapcore.NewConsoleEncoder(ec)
	case "json":
		enc = zapcore.NewJSONEncoder(ec)
	default:
		return nil, fmt.Errorf("--log-format %q: want console or json", c.logFormat)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(stderr)), lvl)), nil
}

// hiddenFlags are flags core-sim passes to itself (the lanes of run
// --procs), left out of --help.
var hiddenFlags = map[string]bool{"lane": true, "lane-usage": true}

// newFlagSet makes a flag set whose --help prints the command's usage and examples.
func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", strings.TrimSpace(synopsis))
		shown := flag.NewFlagSet(name, flag.ContinueOnError)
		shown.SetOutput(fs.Output())
		fs.VisitAll(func(f *flag.Flag) {
			if !hiddenFlags[f.Name] {
				shown.Var(f.Value, f.Name, f.Usage)
			}
		})
		shown.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s\n", strings.Trim(examples, "\n"))
		}
	}
	return fs
}

// parse parses flags allowing positional arguments before and after them.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
