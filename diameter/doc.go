// Package diameter is a Diameter base-protocol peer (RFC 6733) for core-sim:
// transport (TCP, or SCTP where the kernel has it), message framing,
// capabilities exchange (CER/CEA), the watchdog (DWR/DWA), disconnection
// (DPR/DPA), request/answer matching by Hop-by-Hop identifier with timeouts,
// and concurrent dispatch of incoming requests to a Handler, in both
// directions on one connection.
//
// Messages are encoded and decoded with go-diameter's diam package and its
// default dictionary; this package reads the header itself so that a bad
// frame is detected before any decoding and cannot desynchronise the stream.
//
// It is not an application: it knows nothing of S6a (see package s6a), does
// no routing or relaying between peers, no TLS, no retransmission to an
// alternate peer, and no peer state machine election (RFC 6733 5.6.4).
package diameter
