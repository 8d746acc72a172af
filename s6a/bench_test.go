package s6a

import (
	"testing"

	"github.com/core-sim/core-sim/diameter"
)

// BenchmarkULRCodec builds, encodes, decodes and parses one ULR.
func BenchmarkULRCodec(b *testing.B) {
	r := sampleULR()
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
}

// BenchmarkULACodec does the same for a ULA with subscription data: read
// as the library decodes it (ParseULA), and in place as the serving nodes
// read it (ParseULAFrame).
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
		for b.Loop() {
			if _, err := ParseULAFrame(build(b)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
