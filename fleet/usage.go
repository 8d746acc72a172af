package fleet

import (
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/sgsn"
)

// The usage stream, as the platform makes it: a record every 45 s of an
// open PDP context that used at least 100 KB since its last record, and one
// at its close. A session's volume is spread evenly over its planned
// length, so the ticks that reach 100 KB are known when it opens: only
// those are scheduled.
const (
	usageTick = 45 * time.Second
	usageMin  = 100_000 // bytes
)

// usage is an open session's usage reporting.
type usage struct {
	sess  *sgsn.Session
	last  time.Duration // the end of the last record (offset from the run's start)
	every time.Duration // how often a record is due
	next  time.Duration // the next record scheduled; 0 for none
	total int64         // bytes reported so far
	rx    int64
}

// usageOpen plans the usage records of d's session, just opened, of the
// given planned length.
func (r *Runner) usageOpen(d *device, length time.Duration) {
	if r.usage == nil {
		return
	}
	u := &usage{sess: d.session, last: d.startAt}
	r.usage[d] = u
	bytes := int64(d.volKB) * 1000
	if bytes == 0 {
		return
	}
	// Ticks until 100 KB: ceil(100 KB / (bytes per tick)).
	perTick := float64(bytes) * float64(usageTick) / float64(length)
	ticks := int64(1)
	if perTick < usageMin {
		ticks = int64((usageMin + perTick - 1) / perTick)
		for float64(ticks)*perTick < usageMin {
			ticks++
		}
	}
	u.every = time.Duration(ticks) * usageTick
	r.usageSchedule(d, u)
}

func (r *Runner) usageSchedule(d *device, u *usage) {
	u.next = 0
	if at := u.last + u.every; at < d.endAt {
		u.next = at
		r.s.AtActor(r.s.Start().Add(at-1), d, actUsage) // offsets are elapsed+1
	}
}

// usageTick emits the record due now, if it is still due.
func (d *device) usageTick(now time.Duration) {
	r := d.r
	u := r.usage[d]
	if u == nil || u.next != now || u.sess != d.session || d.node == nil {
		return
	}
	total, rx := d.volume(d.startAt, now)
	r.usageEmit(d, u, now, total, rx)
	r.usageSchedule(d, u)
}

// usageClose emits the closing record of d's session (total and rx are the
// whole session's).
func (r *Runner) usageClose(d *device, sess *sgsn.Session, total, rx int64) {
	if r.usage == nil {
		return
	}
	u := r.usage[d]
	delete(r.usage, d)
	if u == nil || u.sess != sess {
		return
	}
	r.usageEmit(d, u, d.at(), total, rx)
}

func (r *Runner) usageEmit(d *device, u *usage, now time.Duration, total, rx int64) {
	dt, drx := total-u.total, rx-u.rx
	start, end := r.s.Start().Add(u.last-1), r.s.Start().Add(now-1)
	u.total, u.rx, u.last = total, rx, now
	if err := d.node.Usage(u.sess, start, end, events.Bytes(drx), events.Bytes(dt-drx)); err != nil && !r.fatal(err) {
		r.log.Warn("usage record", zap.Stringer("device", &d.Device), zap.Error(err))
	}
}
