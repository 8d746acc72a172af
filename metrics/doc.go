// Package metrics is the Prometheus view of a core-sim run, served by
// `core-sim run --metrics ADDR` at /metrics (off by default).
//
// The hot path stays cheap: counts that the simulator already keeps are not
// counted again but read at scrape time through the snapshot functions of a
// [Sources] (a custom collector emitting const metrics); only the request
// latency histograms are observed live, through [Metrics.Observe].
//
// The metrics, with the Sources function or method each comes from:
//
//	core_sim_events_total{type,name}          counter    Events, TypeNames
//	    events emitted by event type id, e.g. {type="1",name="Update location"}
//	core_sim_registrations_total{interface}   counter    Events
//	    s6a: events of type 1 (Update location); s6d: type 2 (Update GPRS location)
//	core_sim_rejects_total{cause}             counter    Rejects
//	    rejects by cause, e.g. {cause="DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)"}
//	core_sim_endpoints{status}                gauge      Statuses
//	    endpoints by connectivity status: ONLINE, ATTACHED, OFFLINE, BLOCKED
//	core_sim_pdp_contexts_active              gauge      ActivePDP
//	    PDP contexts open now
//	core_sim_sink_events_total{sink,type}     counter    Sinks
//	    events a sink delivered, by event type id
//	core_sim_sink_deliveries_total{sink}      counter    Sinks
//	    successful sends: a POST, a produce batch, a file write
//	core_sim_sink_retries_total{sink}         counter    Sinks
//	    failed attempts that were retried
//	core_sim_sink_dropped_total{sink}         counter    Sinks
//	    events dropped on a full queue (--on-overflow drop)
//	core_sim_sink_failed_total{sink}          counter    Sinks
//	    events given up on: not delivered
//	core_sim_sink_queue_depth{sink}           gauge      Sinks
//	    events waiting in the sink's queue
//	core_sim_sink_queue_capacity{sink}        gauge      Sinks
//	    size of the sink's queue
//	core_sim_request_duration_seconds{interface,request}  histogram  Metrics.Observe
//	    request latency; interface s6a, s6d or gn; request ULR, CLR, PUR,
//	    CreatePDPContext, DeletePDPContext, ...
//
// The registrations count the location update events as the stream has
// them: a rejected Update location is an event of type 1 too, so rejected
// updates are included (core_sim_rejects_total has those by cause).
//
// A family whose Sources function is nil is left out. The endpoints gauge
// always carries the four statuses (0 when the snapshot lacks one) and the
// registrations counter both interfaces. The histogram's buckets are powers
// of two from 1µs to about 1s (1µs, 2µs, 4µs, ... 1.048576s), suited to
// loopback and in-process latencies; the children of the known
// interface/request pairs exist from the start, at zero.
//
// Besides these the registry holds the standard Go runtime (go_*) and
// process (process_*) collectors, and promhttp's own handler counters
// (promhttp_metric_handler_*).
//
// Every method is a no-op on a nil *Metrics, so a caller can hold a nil
// when metrics are off.
package metrics
