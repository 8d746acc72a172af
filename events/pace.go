package events

import (
	"sync"
	"time"
)

// Pacer holds a stream to a rate: Wait blocks until the event it is
// called for is due. It sleeps in slices of at least a millisecond so that
// high rates cost few wake-ups. The zero Pacer does not pace.
type Pacer struct {
	rate  float64 // events per second; 0: no pacing
	mu    sync.Mutex
	start time.Time
	n     float64
}

// NewPacer paces at rate events per second.
func NewPacer(rate float64) *Pacer { return &Pacer{rate: rate} }

// Wait accounts for one event and sleeps if the stream is ahead of its rate.
func (p *Pacer) Wait() {
	if p == nil || p.rate <= 0 {
		return
	}
	p.mu.Lock()
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.n++
	due := p.start.Add(time.Duration(p.n / p.rate * float64(time.Second)))
	p.mu.Unlock()
	if d := time.Until(due); d >= time.Millisecond {
		time.Sleep(d)
	}
}

// Rate is the rate the pacer holds to, 0 if none.
func (p *Pacer) Rate() float64 {
	if p == nil {
		return 0
	}
	return p.rate
}
