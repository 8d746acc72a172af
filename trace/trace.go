// Package trace records what the elements say to each other, step by step,
// for people learning the attach and PDP activation flow: the messages
// between the device, the visited network's serving node (VLR/SGSN), the
// HLR and the GGSN with their key fields, the SIM applet's decisions with
// their reasons, and the events the platform emits with the status they
// lead to. Renderers draw the steps as a ladder in a terminal or as a
// Mermaid sequence diagram; the pcap writer puts the Diameter and GTP bytes
// of the steps in a capture file for Wireshark.
package trace

import (
	"net/netip"
	"sync"
	"time"
)

// Column is one of the ladder's columns.
type Column uint8

const (
	// Device is the device and its SIM applet.
	Device Column = iota
	// Serving is the visited network's serving node: its VLR (circuit
	// switched, S6a) and SGSN (packet switched, S6d and Gn) roles.
	Serving
	// HLR is the home network's HLR.
	HLR
	// GGSN is the home network's GGSN.
	GGSN
	// Platform is where events are emitted (not a network element: events
	// are drawn as notes, not arrows).
	Platform
)

// Columns are the columns in the ladder's order, with their titles.
var Columns = []Column{Device, Serving, HLR, GGSN}

func (c Column) String() string {
	switch c {
	case Device:
		return "Device / SIM applet"
	case Serving:
		return "VLR / SGSN"
	case HLR:
		return "HLR"
	case GGSN:
		return "GGSN"
	case Platform:
		return "Platform"
	}
	return "?"
}

// Kind is what a step is.
type Kind uint8

const (
	// Message is a message from one column to another.
	Message Kind = iota
	// Decision is the SIM applet choosing (or keeping) an IMSI profile.
	Decision
	// Event is a platform event: Text is its description, Status the
	// connectivity status it leads to.
	Event
	// Note is anything else worth a line (power on, a timer, an outage).
	Note
)

// Protocol is how a message travels.
type Protocol uint8

const (
	// NAS is the radio side, device to serving node (24.008). core-sim does
	// not encode it: these messages are not in captures.
	NAS Protocol = iota
	// S6a is Diameter between the VLR role and the HLR (circuit switched).
	S6a
	// S6d is Diameter between the SGSN role and the HLR (packet switched).
	S6d
	// Gn is GTPv1-C between the SGSN and the GGSN.
	Gn
	// Diameter is the Diameter base protocol on a serving node's connection
	// to the HLR (the capabilities exchange).
	Diameter
)

func (p Protocol) String() string {
	switch p {
	case NAS:
		return "NAS"
	case S6a:
		return "S6a"
	case S6d:
		return "S6d"
	case Gn:
		return "Gn"
	case Diameter:
		return "Diameter"
	}
	return "?"
}

// Field is one key field of a message, in the order it is shown.
type Field struct {
	Key, Value string
}

// Step is one row of the ladder.
type Step struct {
	At       time.Time // virtual time
	Kind     Kind
	From, To Column // for a Message; From alone for the others
	Protocol Protocol
	Name     string  // "Update-Location-Request", "Create PDP Context Response", ...
	Fields   []Field // key fields
	// OK is false for a rejection, an error cause or a failed step: drawn
	// in red where colour is on.
	OK bool
	// Text is a decision's reason, an event's description or a note.
	Text string
	// Status is, for an event, the connectivity status it leads to
	// ("ATTACHED"); "" when it changes none.
	Status string
	// EventID and EventType are an event's id and type id.
	EventID   int64
	EventType int
	IMSI      string // the IMSI the step is about, if any

	// Bytes is the message as encoded on the wire (Diameter or GTP-C),
	// set for S6a, S6d and Gn messages when a capture is asked for.
	Bytes []byte
	// Src and Dst are the addresses the message goes between (the
	// elements' addresses, as a capture shows them).
	Src, Dst netip.AddrPort
	// Stream identifies the Diameter connection a message belongs to (one
	// per serving node and HLR): a capture gives each its own TCP or SCTP
	// association.
	Stream string
}

// Sink takes steps as they happen.
type Sink interface {
	Step(s *Step)
}

// Recorder hands steps to its sinks, and says which IMSIs are traced. It
// is safe for concurrent use. A nil *Recorder records nothing.
type Recorder struct {
	mu    sync.Mutex
	sinks []Sink
	imsis map[string]bool // nil: every IMSI
	bytes bool
}

// NewRecorder records the steps about imsis (all if none) for sinks. With
// bytes set, messages carry their encoding (for a capture).
func NewRecorder(bytes bool, imsis []string, sinks ...Sink) *Recorder {
	r := &Recorder{sinks: sinks, bytes: bytes}
	if len(imsis) > 0 {
		r.imsis = map[string]bool{}
		for _, i := range imsis {
			r.imsis[i] = true
		}
	}
	return r
}

// Traces says whether steps about imsi are recorded ("" for steps about
// no IMSI in particular, which are recorded when every IMSI is).
func (r *Recorder) Traces(imsi string) bool {
	if r == nil {
		return false
	}
	return r.imsis == nil || r.imsis[imsi]
}

// WantsBytes says whether messages should carry their encoding.
func (r *Recorder) WantsBytes() bool { return r != nil && r.bytes }

// Record hands s to the sinks, if its IMSI is traced.
func (r *Recorder) Record(s Step) {
	if r == nil || !r.Traces(s.IMSI) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.sinks {
		k.Step(&s)
	}
}

// Collect is a Sink that keeps every step.
type Collect struct {
	Steps []Step
}

// Step keeps a copy of s.
func (c *Collect) Step(s *Step) { c.Steps = append(c.Steps, *s) }
