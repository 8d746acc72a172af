package hlr

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/core-sim/core-sim/s6a"
)

func trackers() Range {
	return Range{
		FirstIMSI: "262019900000000", Count: 1_000_000,
		FirstMSISDN: "4917099000000", FirstICCID: "89490199000000000009", FirstIMEI: "350000000000009",
		FirstEndpointID: 1000, EndpointName: "tracker-{n}", Enabled: true,
		AllowedPLMNs: []string{"26201", "26202", "23415"}, BlockedPLMNs: []string{"26203"},
		RATs: []s6a.RATType{s6a.RATUTRAN, s6a.RATGERAN}, APNs: []string{"iot.example", "em"},
	}
}

func TestLookup(t *testing.T) {
	st, err := NewStore([]Range{
		trackers(),
		{FirstIMSI: "001010000000001", Count: 10, FirstMSISDN: "4900", EndpointName: "{imsi}/{msisdn}/{id}", FirstEndpointID: -5},
		{FirstIMSI: "00101000000001", Count: 1, EndpointName: "short"}, // 14 digits: a different subscriber space
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Len() != 1_000_011 {
		t.Errorf("Len %d", st.Len())
	}
	tests := []struct {
		imsi string
		ok   bool
		want Subscriber
	}{
		{"262019900000000", true, Subscriber{MSISDN: "4917099000000", ICCID: "89490199000000000009", IMEI: "350000000000009",
			EndpointID: 1000, EndpointName: "tracker-1", Index: 0, Range: 0}},
		{"262019900999999", true, Subscriber{MSISDN: "4917099999999", ICCID: "89490199000001000008", IMEI: "350000001000008",
			EndpointID: 1000 + 999_999, EndpointName: "tracker-1000000", Index: 999_999, Range: 0}},
		{"262019901000000", false, Subscriber{}},
		{"262019899999999", false, Subscriber{}},
		{"001010000000003", true, Subscriber{MSISDN: "4902", EndpointID: -3, EndpointName: "001010000000003/4902/-3", Index: 2, Range: 1}},
		{"00101000000001", true, Subscriber{EndpointName: "short", Range: 2}},
		{"00101000000002", false, Subscriber{}},
		{"26201990000000x", false, Subscriber{}},
		{"", false, Subscriber{}},
		{"2620199000000000", false, Subscriber{}},
	}
	for _, tt := range tests {
		t.Run(tt.imsi, func(t *testing.T) {
			got, ok := st.Lookup(tt.imsi)
			if ok != tt.ok {
				t.Fatalf("found %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			w := tt.want
			if got.IMSI != tt.imsi || got.MSISDN != w.MSISDN || got.ICCID != w.ICCID || got.IMEI != w.IMEI ||
				got.EndpointID != w.EndpointID || got.EndpointName != w.EndpointName || got.Index != w.Index || got.Range != w.Range {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
		})
	}
	sub, _ := st.Lookup("262019900000042")
	if !sub.Enabled || len(sub.APNs) != 2 || len(sub.RATs) != 2 || sub.BlockedPLMNs[0] != "26203" {
		t.Errorf("policy not carried: %+v", sub)
	}
}

func TestNewStoreRejects(t *testing.T) {
	base := func(f func(r *Range)) []Range {
		r := trackers()
		f(&r)
		return []Range{{FirstIMSI: "001010000000000", Count: 5}, r}
	}
	tests := []struct {
		name   string
		ranges []Range
		index  int
		field  string
	}{
		{"IMSI letters", base(func(r *Range) { r.FirstIMSI = "26201990000000a" }), 1, "FirstIMSI"},
		{"IMSI too long", base(func(r *Range) { r.FirstIMSI = "2620199000000001" }), 1, "FirstIMSI"},
		{"count zero", base(func(r *Range) { r.Count = 0 }), 1, "Count"},
		{"IMSI runs out of digits", base(func(r *Range) { r.FirstIMSI = "999999999999999"; r.Count = 2 }), 1, "Count"},
		{"MSISDN letters", base(func(r *Range) { r.FirstMSISDN = "+4917" }), 1, "FirstMSISDN"},
		{"MSISDN runs out of digits", base(func(r *Range) { r.FirstMSISDN = "999999" }), 1, "FirstMSISDN"},
		{"ICCID letters", base(func(r *Range) { r.FirstICCID = "8949F" }), 1, "FirstICCID"},
		{"IMEI letters", base(func(r *Range) { r.FirstIMEI = "35-00" }), 1, "FirstIMEI"},
		{"bad allowed PLMN", base(func(r *Range) { r.AllowedPLMNs = []string{"26201", "2620"} }), 1, "AllowedPLMNs[1]"},
		{"bad blocked PLMN", base(func(r *Range) { r.BlockedPLMNs = []string{"x6201"} }), 1, "BlockedPLMNs[0]"},
		{"empty APN", base(func(r *Range) { r.APNs = []string{""} }), 1, "APNs[0]"},
		{"unknown placeholder", base(func(r *Range) { r.EndpointName = "t-{x}" }), 1, "EndpointName"},
		{"unclosed placeholder", base(func(r *Range) { r.EndpointName = "t-{n" }), 1, "EndpointName"},
		{"overlap", base(func(r *Range) { r.FirstIMSI = "001010000000004" }), 1, "FirstIMSI"},
		{"overlap, later range first", []Range{{FirstIMSI: "001010000000010", Count: 5}, {FirstIMSI: "001010000000000", Count: 11}}, 1, "FirstIMSI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewStore(tt.ranges)
			var re *RangeError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *RangeError", err)
			}
			if re.Range != tt.index || re.Field != tt.field {
				t.Errorf("range %d field %s, want %d %s (%v)", re.Range, re.Field, tt.index, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name the field", err)
			}
		})
	}
	if _, err := NewStore([]Range{{FirstIMSI: "001010000000000", Count: 5}, {FirstIMSI: "001010000000005", Count: 5}}); err != nil {
		t.Errorf("adjacent ranges rejected: %v", err)
	}
}

// A million subscribers cost the ranges, not a million records.
func TestStoreMemoryIndependentOfCount(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := NewStore([]Range{trackers()})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<10 {
		t.Errorf("store of %d subscribers takes %d bytes", st.Len(), grew)
	}
	allocs := testing.AllocsPerRun(100, func() { st.find("262019900123456") })
	if allocs != 0 {
		t.Errorf("find allocates %.0f times", allocs)
	}
}

func TestAddDecimal(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    uint64
		want string
		ok   bool
	}{
		{"0000", 0, "0000", true}, {"0999", 1, "1000", true}, {"0123", 877, "1000", true},
		{"9999", 1, "0000", false}, {"89490199000000000009", 999_999, "89490199000001000008", true},
	} {
		got, ok := addDecimal(tt.s, tt.n)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("addDecimal(%s, %d) = %s, %v", tt.s, tt.n, got, ok)
		}
	}
}

// AppendName names a subscriber by its range and index as Lookup names it
// by its IMSI, whatever the pattern asks for, and allocates nothing.
func TestAppendNameIsLookupsName(t *testing.T) {
	ranges := []Range{
		{FirstIMSI: "262019900000000", Count: 50, FirstMSISDN: "4917099000000", FirstICCID: "89490199000000000009",
			FirstIMEI: "350000000000009", FirstEndpointID: 1000, EndpointName: "{n}|{imsi}|{msisdn}|{iccid}|{imei}|{id}|<&> ü"},
		{FirstIMSI: "001010000000001", Count: 20, EndpointName: "plain"},
		{FirstIMSI: "001010000000101", Count: 20, EndpointName: "no-msisdn-{msisdn}-{n}", FirstEndpointID: -5},
		{FirstIMSI: "00101000000001", Count: 3},
	}
	st, err := NewStore(ranges)
	if err != nil {
		t.Fatal(err)
	}
	for ri, r := range ranges {
		for i := range r.Count {
			imsi, _ := addDecimal(r.FirstIMSI, uint64(i))
			sub, ok := st.Lookup(imsi)
			if !ok {
				t.Fatalf("Lookup(%s) failed", imsi)
			}
			if got := string(st.AppendName(nil, ri, uint64(i))); got != sub.EndpointName {
				t.Fatalf("range %d index %d: AppendName %q, Lookup %q", ri, i, got, sub.EndpointName)
			}
		}
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = st.AppendName(buf[:0], 0, 7) }); n != 0 {
		t.Errorf("AppendName: %v allocations", n)
	}
}
