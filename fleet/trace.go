package fleet

import (
	"github.com/core-sim/core-sim/applet"
	"github.com/core-sim/core-sim/trace"
)

// SetTrace makes the runner record what the devices do (power, travel,
// the applet's decisions, outages) for a trace; nil records nothing.
func (r *Runner) SetTrace(rec *trace.Recorder) { r.tr = rec }

// note records a line at the device's column.
func (d *device) note(name, text string, ok bool) {
	if d.r.tr == nil {
		return
	}
	imsi := d.IMSI(d.profileIndex())
	d.r.tr.Record(trace.Step{At: d.now(), Kind: trace.Note, From: trace.Device, Name: name, Text: text, OK: ok, IMSI: imsi})
}

// decision records an applet decision.
func (d *device) decision(name string, dec applet.Decision) {
	if d.r.tr == nil {
		return
	}
	from, to := d.profileNumber(dec.From.Name), d.profileNumber(dec.To.Name)
	fields := []trace.Field{{Key: "to", Value: profileLabel(dec.To.Name, d.IMSI(to))}}
	if dec.From.Name != "" && dec.From.Name != dec.To.Name {
		fields = append([]trace.Field{{Key: "from", Value: profileLabel(dec.From.Name, d.IMSI(from))}}, fields...)
	}
	if !dec.RefreshAt.IsZero() && dec.RefreshAt.After(d.now()) {
		fields = append(fields, trace.Field{Key: "re-attach at", Value: dec.RefreshAt.UTC().Format("15:04:05")})
	}
	d.r.tr.Record(trace.Step{At: d.now(), Kind: trace.Decision, From: trace.Device, Name: name, Text: dec.Reason, OK: true,
		Fields: fields, IMSI: d.IMSI(to)})
}

func (d *device) profileNumber(name string) int {
	for k, p := range d.Fleet.SIM.Profiles {
		if p == name {
			return k
		}
	}
	return 0
}

func profileLabel(name, imsi string) string {
	if name == "" {
		return "IMSI " + imsi
	}
	return "profile " + name + " (IMSI " + imsi + ")"
}

func (d *device) countryName(mcc string) string {
	if c, ok := d.r.sc.World.Country(mcc); ok {
		return c.Name
	}
	return "MCC " + mcc
}
