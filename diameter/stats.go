package diameter

import "sync/atomic"

// Stats counts what a server or a connection saw.
type Stats struct {
	Accepted         uint64 // connections accepted (server)
	Established      uint64 // capabilities exchanges completed
	Active           int64  // connections open now
	RequestsIn       uint64 // requests received
	AnswersOut       uint64 // answers sent
	RequestsOut      uint64 // requests sent
	AnswersIn        uint64 // answers received and decoded
	Timeouts         uint64 // requests sent that got no answer in time
	UnmatchedAnswers uint64 // answers matching no pending request
	BadFrames        uint64 // bad headers: connection closed
	BadRequests      uint64 // requests answered with an error before any handler
	BadAnswers       uint64 // answers that did not decode
	HandlerPanics    uint64
	Busy             uint64 // requests answered DIAMETER_TOO_BUSY
	WatchdogsMissed  uint64 // DWRs without DWA
}

type counters struct {
	accepted, established                 atomic.Uint64
	active                                atomic.Int64
	requestsIn, answersOut, requestsOut   atomic.Uint64
	answersIn, timeouts, unmatchedAnswers atomic.Uint64
	badFrames, badRequests, badAnswers    atomic.Uint64
	handlerPanics, busy, watchdogsMissed  atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Accepted: c.accepted.Load(), Established: c.established.Load(), Active: c.active.Load(),
		RequestsIn: c.requestsIn.Load(), AnswersOut: c.answersOut.Load(),
		RequestsOut: c.requestsOut.Load(), AnswersIn: c.answersIn.Load(),
		Timeouts: c.timeouts.Load(), UnmatchedAnswers: c.unmatchedAnswers.Load(),
		BadFrames: c.badFrames.Load(), BadRequests: c.badRequests.Load(), BadAnswers: c.badAnswers.Load(),
		HandlerPanics: c.handlerPanics.Load(), Busy: c.busy.Load(), WatchdogsMissed: c.watchdogsMissed.Load(),
	}
}
