package events

import (
	"sync"

	"github.com/core-sim/core-sim/internal/dense"
)

// Status is an endpoint's connectivity status as the platform's
// connectivity API reports it.
type Status uint8

const (
	StatusUnchanged Status = iota // the event does not move the status
	StatusOffline
	StatusAttached
	StatusOnline
	StatusBlocked
)

var statusNames = [...]string{"", "OFFLINE", "ATTACHED", "ONLINE", "BLOCKED"}

// String is the platform's spelling, e.g. "ONLINE".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "UNKNOWN"
}

// Statuses is the connectivity status of each endpoint, driven by events:
// Update location -> ATTACHED, Create PDP Context -> ONLINE, Delete PDP
// Context -> ATTACHED, Purge location -> OFFLINE, and a rejection because
// the endpoint is disabled -> BLOCKED. An endpoint never seen is OFFLINE.
type Statuses struct {
	mu     sync.Mutex
	m      dense.Table[Status] // StatusUnchanged (zero): never seen
	counts [StatusBlocked + 1]int
}

// Apply moves the status of the event's endpoint, if the event moves it.
func (s *Statuses) Apply(e *Event) {
	if e.Status == StatusUnchanged || e.Endpoint == nil {
		return
	}
	s.set(e.Endpoint.ID, e.Status)
}

// set moves endpoint id to status st.
func (s *Statuses) set(id int64, st Status) {
	if st == StatusUnchanged {
		return
	}
	s.mu.Lock()
	if old := s.m.Get(id); old != StatusUnchanged {
		s.counts[old]--
	}
	s.m.Set(id, st)
	s.counts[st]++
	s.mu.Unlock()
}

// Warm hints the status of endpoint id, which an event will soon move.
func (s *Statuses) Warm(id int64) {
	s.mu.Lock()
	s.m.Warm(id)
	s.mu.Unlock()
}

// Of returns the status of one endpoint.
func (s *Statuses) Of(endpointID int64) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.m.Get(endpointID); st != StatusUnchanged {
		return st
	}
	return StatusOffline
}

// Count returns how many of the seen endpoints are in each status.
func (s *Statuses) Count() map[Status]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Status]int)
	for st, n := range s.counts {
		if n > 0 {
			out[Status(st)] = n
		}
	}
	return out
}
