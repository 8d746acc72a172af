package events

import (
	"testing"
	"time"
)

func TestPacerHoldsTheRate(t *testing.T) {
	p := NewPacer(1000) // 50 events take at least 49 ms at 1,000/s
	start := time.Now()
	for range 50 {
		p.Wait()
	}
	if took := time.Since(start); took < 45*time.Millisecond {
		t.Errorf("50 events at 1000/s went through in %v", took)
	}
	var none *Pacer
	none.Wait() // a nil pacer does not pace
	if none.Rate() != 0 || p.Rate() != 1000 {
		t.Errorf("rates %v %v", none.Rate(), p.Rate())
	}
}

func TestStatusCountsFollowChanges(t *testing.T) {
	var s Statuses
	ep := func(id int64, st Status) *Event { return &Event{Endpoint: &Endpoint{ID: id}, Status: st} }
	s.Apply(ep(1, StatusAttached))
	s.Apply(ep(2, StatusOnline))
	s.Apply(ep(1, StatusOnline))
	s.Apply(ep(2, StatusUnchanged))
	s.Apply(ep(3, StatusBlocked))
	c := s.Count()
	if c[StatusOnline] != 2 || c[StatusAttached] != 0 || c[StatusBlocked] != 1 {
		t.Errorf("counts %v", c)
	}
}
