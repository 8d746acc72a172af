package events

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// keysOf returns the keys of the JSON object at the top of b, in order,
// and the raw value of each.
func keysOf(t *testing.T, b []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

// Key lists from ../shared/reference/event-format.md.
var (
	envelopeKeys = []string{"id", "timestamp", "alert", "description", "event_type", "event_source",
		"event_severity", "organisation", "endpoint", "sim", "imsi", "detail"}
	endpointKeys = []string{"id", "name", "imei", "ip_address", "tags"}
	simKeys      = []string{"id", "iccid", "production_date", "msisdn"}
	imsiKeys     = []string{"id", "imsi", "import_date"}
	locationKeys = []string{"id", "name", "country", "tapcode", "mnc"}
	countryKeys  = []string{"id", "name", "country_code", "mcc", "iso_code"}
	pdpKeys      = []string{"id", "name", "country", "session_id", "pdp_context"}
	contextKeys  = strings.Split("pdp_context_id, tunnel_created, gtp_version, ue_ip_address, apn, nsapi, "+
		"imsi, imeisv, mcc, mnc, lac, ci, sac, rac, rat_type, sgsn_control_plane_ip_address, "+
		"sgsn_data_plane_ip_address, ggsn_control_plane_ip_address, ggsn_data_plane_ip_address, "+
		"tx_teid_control_plane, tx_teid_data_plane, rx_teid, breakout_ip, region, operator_id, "+
		"tariff_profile_id, ratezone_id, tariff_id", ", ")
)

func testFacts() Facts {
	ip := "10.192.0.7"
	return Facts{
		At:           time.Date(2026, 11, 26, 10, 42, 58, 0, time.UTC),
		Organisation: Organisation{ID: 1, Name: "org"},
		Subject: Subject{
			Endpoint: &Endpoint{ID: 7, Name: "tracker-7", IMEI: "356938035643809", IPAddress: &ip},
			SIM:      &SIM{ID: 7, ICCID: "8942310000000000007", ProductionDate: "2026-01-01T00:00:00.000Z", MSISDN: "4917000000007"},
			IMSI:     &IMSI{ID: 7, IMSI: "295050900000007", ImportDate: "2026-01-01T00:00:00.000Z"},
		},
	}
}

var testOperator = Operator{ID: 2, Name: "Telekom", Country: Country{ID: 74, Name: "Germany", CountryCode: "49", MCC: "262", ISOCode: "de"},
	TapCodes: []TapCode{{ID: 1, TapCode: "DEUD1"}}, MNCs: []MNC{{ID: 2, MNC: "01"}}}

func TestEventKeysMatchReference(t *testing.T) {
	f := testFacts()
	sess := PDPSession{SessionID: "s-1", Context: PDPContext{APN: "em", GTPVersion: 1}}
	cases := []struct {
		name       string
		e          *Event
		detailKeys []string // nil: no detail key at all
		status     Status
	}{
		{"update location", UpdateLocation(f, testOperator, "491710000001"), locationKeys, StatusAttached},
		{"update gprs location", UpdateGPRSLocation(f, testOperator, "491710000002", "127.0.0.1", "UTRAN"), locationKeys, StatusAttached},
		{"create pdp", CreatePDPContext(f, testOperator, sess), pdpKeys, StatusOnline},
		{"delete pdp", DeletePDPContext(f, testOperator, sess, 1500000, 250), append(append([]string{}, pdpKeys...), "volume"), StatusAttached},
		{"purge location", PurgeLocation(f), nil, StatusOffline},
		{"purge gprs location", PurgeGPRSLocation(f), nil, StatusUnchanged},
		{"rejected location", LocationRejected(f, TypeUpdateLocation, testOperator, "491710000001", "endpoint disabled", "DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)", true, true), locationKeys, StatusBlocked},
		{"rejected pdp", CreatePDPContextRejected(f, "APN 'internet' is unknown", "Missing or unknown APN (219)"), nil, StatusUnchanged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(spelled(c.e))
			if err != nil {
				t.Fatal(err)
			}
			keys, vals := keysOf(t, b)
			want := envelopeKeys
			if c.detailKeys == nil {
				want = envelopeKeys[:len(envelopeKeys)-1]
			}
			if !reflect.DeepEqual(keys, want) {
				t.Fatalf("envelope keys\n got %v\nwant %v", keys, want)
			}
			for k, wantKeys := range map[string][]string{"endpoint": endpointKeys, "sim": simKeys, "imsi": imsiKeys} {
				if got, _ := keysOf(t, vals[k]); !reflect.DeepEqual(got, wantKeys) {
					t.Errorf("%s keys %v, want %v", k, got, wantKeys)
				}
			}
			if c.detailKeys != nil {
				dk, dv := keysOf(t, vals["detail"])
				if !reflect.DeepEqual(dk, c.detailKeys) {
					t.Errorf("detail keys %v, want %v", dk, c.detailKeys)
				}
				if ck, _ := keysOf(t, dv["country"]); !reflect.DeepEqual(ck, countryKeys) {
					t.Errorf("country keys %v, want %v", ck, countryKeys)
				}
				if pc, ok := dv["pdp_context"]; ok {
					if got, _ := keysOf(t, pc); !reflect.DeepEqual(got, contextKeys) {
						t.Errorf("pdp_context keys\n got %v\nwant %v", got, contextKeys)
					}
				}
			}
			if c.e.Status != c.status {
				t.Errorf("status %v, want %v", c.e.Status, c.status)
			}
			if string(vals["timestamp"]) != `"2026-11-26T10:42:58.000Z"` {
				t.Errorf("timestamp %s", vals["timestamp"])
			}
			wantAlert := c.e.EventSeverity.ID == int(SeverityWarn)
			if string(vals["alert"]) != map[bool]string{true: "true", false: "false"}[wantAlert] {
				t.Errorf("alert %s for severity %v", vals["alert"], c.e.EventSeverity)
			}
		})
	}
}

func TestVolumeInMegabytes(t *testing.T) {
	b, err := json.Marshal(Volume{Total: 1500250, Rx: 1500000, Tx: 250})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"total":1.500250,"rx":1.500000,"tx":0.000250}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestStreamNumbersCountsAndTracksStatus(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	f := testFacts()
	sess := PDPSession{SessionID: "s-1"}
	for _, e := range []*Event{
		UpdateLocation(f, testOperator, "1"),
		CreatePDPContext(f, testOperator, sess),
		CreatePDPContextRejected(f, "APN 'x' is unknown", "Missing or unknown APN (219)"),
	} {
		if err := s.Emit(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	for i, l := range lines {
		var e struct{ ID int64 }
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.ID != int64(i+1) {
			t.Fatalf("line %d: id %d err %v", i, e.ID, err)
		}
	}
	sum := s.Summary(5)
	if sum.ByType[TypeCreatePDPContext] != 2 || sum.ByType[TypeUpdateLocation] != 1 {
		t.Errorf("by type %v", sum.ByType)
	}
	if sum.Rejects["Missing or unknown APN (219)"] != 1 {
		t.Errorf("rejects %v", sum.Rejects)
	}
	// The rejected PDP context leaves the endpoint ONLINE from the accepted one; 4 others never seen.
	if sum.ByStatus[StatusOnline] != 1 || sum.ByStatus[StatusOffline] != 4 {
		t.Errorf("by status %v", sum.ByStatus)
	}
}

func BenchmarkStreamEmitCreatePDP(b *testing.B) {
	s := NewStream(io.Discard)
	f := testFacts()
	sess := PDPSession{SessionID: "01635f55-58ff-4c2e-8000-000000000001", Context: PDPContext{APN: "em", GTPVersion: 1, UEIPAddress: "10.192.0.1"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Emit(CreatePDPContext(f, testOperator, sess)); err != nil {
			b.Fatal(err)
		}
	}
}

// The summary counts every type emitted, the platform's small ids and any
// other, and leaves out the types never seen.
func TestSummaryCountsEveryType(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	for _, typ := range []Type{TypeCreatePDPContext, TypeCreatePDPContext, 99, -1, TypePurgeLocation} {
		e := PurgeLocation(realisticFacts())
		e.Type = typ
		if err := s.Emit(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := s.Summary(0).ByType
	want := map[Type]int{TypeCreatePDPContext: 2, 99: 1, -1: 1, TypePurgeLocation: 1}
	if len(got) != len(want) {
		t.Fatalf("by type %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("by type %v, want %v", got, want)
		}
	}
}

// The encoder gives emitted events back for reuse, zeroed: the next
// events are made in them, and what one held does not show in another.
func TestEncodedEventsAreReusedZeroed(t *testing.T) {
	freeEvents.mu.Lock() // what other tests left
	freeEvents.cur, freeEvents.batches = nil, nil
	freeEvents.mu.Unlock()
	var buf bytes.Buffer
	s := NewStream(&buf)
	f := testFacts()
	made := map[*Event]bool{}
	for range batchEvents {
		e := DeletePDPContext(f, testOperator, PDPSession{SessionID: "s-1"}, 1, 2)
		made[e] = true
		if err := s.Emit(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// The batch is back: an event made now is one of those, with nothing
	// of the Delete it was (no volume, no detail, no subject).
	e := PurgeGPRSLocation(Facts{At: f.At})
	if !made[e] {
		t.Fatal("an event made after the batch was encoded is not one of the batch's")
	}
	if e.Detail != nil || e.Endpoint != nil || e.own.vol != (Volume{}) || e.own.pdp.SessionID != "" || e.Type != TypePurgeGPRSLocation {
		t.Fatalf("reused event keeps what it held: %+v", e)
	}
	if err := s.Emit(e); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != batchEvents+1 || !strings.Contains(lines[0], `"volume":{"total":0.000003`) || strings.Contains(lines[batchEvents], `"detail"`) {
		t.Fatalf("%d lines; first %.200s; last %s", len(lines), lines[0], lines[len(lines)-1])
	}
}

// What the free list keeps is bounded: batches beyond it go to the collector.
func TestFreeEventsAreBounded(t *testing.T) {
	for range maxFreeBatches + 5 {
		b := make([]*Event, 0, batchEvents)
		for range batchEvents {
			b = append(b, &Event{ID: 9})
		}
		recycle(b)
	}
	freeEvents.mu.Lock()
	n := len(freeEvents.batches)
	freeEvents.mu.Unlock()
	if n > maxFreeBatches {
		t.Fatalf("%d batches kept, at most %d", n, maxFreeBatches)
	}
	if e := getEvent(); e.ID != 0 {
		t.Fatalf("a recycled event keeps its id %d", e.ID)
	}
}
