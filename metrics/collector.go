package metrics

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "core_sim"

// Event type ids behind core_sim_registrations_total.
const (
	typeUpdateLocation     = 1 // S6a
	typeUpdateGPRSLocation = 2 // S6d
)

// The connectivity statuses core_sim_endpoints always carries.
var knownStatuses = []string{"ONLINE", "ATTACHED", "OFFLINE", "BLOCKED"}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
}

// collector turns the Sources' snapshots into const metrics at scrape time.
// Only the families whose source is set are described and collected.
type collector struct {
	src Sources

	events, registrations, rejects, endpoints, pdpActive *prometheus.Desc

	sinkEvents, sinkDeliveries, sinkRetries, sinkDropped, sinkFailed,
	sinkQueueDepth, sinkQueueCap *prometheus.Desc
}

func newCollector(src Sources) *collector {
	return &collector{
		src: src,

		events:        desc("events_total", "Events emitted, by event type id and name.", "type", "name"),
		registrations: desc("registrations_total", "Update location events (interface s6a, event type 1) and Update GPRS location events (s6d, type 2).", "interface"),
		rejects:       desc("rejects_total", "Rejected requests, by cause.", "cause"),
		endpoints:     desc("endpoints", "Endpoints by connectivity status.", "status"),
		pdpActive:     desc("pdp_contexts_active", "PDP contexts open now."),

		sinkEvents:     desc("sink_events_total", "Events delivered by a sink, by event type id.", "sink", "type"),
		sinkDeliveries: desc("sink_deliveries_total", "Successful sends of a sink (a POST, a produce batch, a file write).", "sink"),
		sinkRetries:    desc("sink_retries_total", "Failed send attempts of a sink that were retried.", "sink"),
		sinkDropped:    desc("sink_dropped_total", "Events a sink dropped because its queue was full.", "sink"),
		sinkFailed:     desc("sink_failed_total", "Events a sink gave up on: not delivered.", "sink"),
		sinkQueueDepth: desc("sink_queue_depth", "Events waiting in a sink's queue.", "sink"),
		sinkQueueCap:   desc("sink_queue_capacity", "Capacity of a sink's queue.", "sink"),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	if c.src.Events != nil {
		ch <- c.events
		ch <- c.registrations
	}
	if c.src.Rejects != nil {
		ch <- c.rejects
	}
	if c.src.Statuses != nil {
		ch <- c.endpoints
	}
	if c.src.ActivePDP != nil {
		ch <- c.pdpActive
	}
	if c.src.Sinks != nil {
		ch <- c.sinkEvents
		ch <- c.sinkDeliveries
		ch <- c.sinkRetries
		ch <- c.sinkDropped
		ch <- c.sinkFailed
		ch <- c.sinkQueueDepth
		ch <- c.sinkQueueCap
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Events != nil {
		events := c.src.Events()
		for id, n := range events {
			name := ""
			if c.src.TypeNames != nil {
				name = c.src.TypeNames(id)
			}
			counter(ch, c.events, n, strconv.Itoa(id), name)
		}
		counter(ch, c.registrations, events[typeUpdateLocation], "s6a")
		counter(ch, c.registrations, events[typeUpdateGPRSLocation], "s6d")
	}
	if c.src.Rejects != nil {
		for cause, n := range c.src.Rejects() {
			counter(ch, c.rejects, n, cause)
		}
	}
	if c.src.Statuses != nil {
		statuses := c.src.Statuses()
		for _, s := range knownStatuses {
			gauge(ch, c.endpoints, float64(statuses[s]), s)
		}
		for s, n := range statuses {
			if !isKnownStatus(s) {
				gauge(ch, c.endpoints, float64(n), s)
			}
		}
	}
	if c.src.ActivePDP != nil {
		gauge(ch, c.pdpActive, float64(c.src.ActivePDP()))
	}
	if c.src.Sinks != nil {
		c.collectSinks(ch, c.src.Sinks())
	}
}

func (c *collector) collectSinks(ch chan<- prometheus.Metric, sinks []SinkStats) {
	seen := make(map[string]int, len(sinks))
	for _, s := range sinks {
		// Two sinks of the same name would make the scrape fail on
		// duplicate series: the second is "name#2", and so on.
		name := s.Name
		seen[name]++
		if k := seen[name]; k > 1 {
			name += "#" + strconv.Itoa(k)
		}
		for id, n := range s.ByType {
			counter(ch, c.sinkEvents, n, name, strconv.Itoa(id))
		}
		counter(ch, c.sinkDeliveries, s.Deliveries, name)
		counter(ch, c.sinkRetries, s.Retries, name)
		counter(ch, c.sinkDropped, s.Dropped, name)
		counter(ch, c.sinkFailed, s.Failed, name)
		gauge(ch, c.sinkQueueDepth, float64(s.QueueDepth), name)
		gauge(ch, c.sinkQueueCap, float64(s.QueueCap), name)
	}
}

func isKnownStatus(s string) bool {
	for _, k := range knownStatuses {
		if s == k {
			return true
		}
	}
	return false
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, n int64, labels ...string) {
	constMetric(ch, d, prometheus.CounterValue, float64(n), labels)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	constMetric(ch, d, prometheus.GaugeValue, v, labels)
}

// constMetric sends one const metric. Label values that are not valid UTF-8
// (which would fail the whole scrape) get U+FFFD for their bad bytes.
func constMetric(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels []string) {
	for i, l := range labels {
		if !utf8.ValidString(l) {
			labels[i] = strings.ToValidUTF8(l, "\uFFFD")
		}
	}
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}
