package s6a

import (
	"testing"

	"github.com/core-sim/core-sim/diameter"
)

// BenchmarkULRCodec builds, encodes, decodes and parses one ULR: through
// the library's objects, and as bytes written and read in place
// (AppendULR, ParseULRFrame), as the serving nodes and the HLR do.
func BenchmarkULRCodec(b *testing.B) {
	r := sampleULR()
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := BuildULR(r)
			if err != nil {
				b.Fatal(err)
			}
			m.Header.MessageLength = uint32(m.Len())
			buf, err := m.Serialize()
			if err != nil {
				b.Fatal(err)
			}
			dm, err := diameter.DecodeMessage(buf)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ParseULR(dm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-place", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			var err error
			if buf, err = AppendULR(buf[:0], r); err != nil {
				b.Fatal(err)
			}
			if _, ok := ParseULRFrame(buf); !ok {
				b.Fatal("not read")
			}
		}
	})
}

// BenchmarkULACodec does the same for a ULA with subscription data: through
// the library, and as bytes (AppendULA, ParseULAFrame) as the HLR writes
// it and the serving nodes read it.
func BenchmarkULACodec(b *testing.B) {
	a := &UpdateLocationAnswer{SessionID: "sgsn.test;1;2", Origin: Peer{Host: "hlr.test", Realm: "home.test"},
		Result: ResultSuccess, ULAFlags: 1, Subscription: &SubscriptionData{MSISDN: "491701234567",
			GPRS: []PDPContext{{ContextID: 1, APN: "iot.example"}, {ContextID: 2, APN: "em"}}}}
	build := func(b *testing.B) []byte {
		m, err := BuildULA(a)
		if err != nil {
			b.Fatal(err)
		}
		m.Header.MessageLength = uint32(m.Len())
		buf, err := m.Serialize()
		if err != nil {
			b.Fatal(err)
		}
		return buf
	}
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dm, err := diameter.DecodeMessage(build(b))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ParseULA(dm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-place", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			var err error
			if buf, err = AppendULA(buf[:0], a); err != nil {
				b.Fatal(err)
			}
			if _, err := ParseULAFrame(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
