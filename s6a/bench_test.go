package s6a

import (
	"errors"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"

	"github.com/core-sim/core-sim/diameter"
)

// serialized is the bytes of m, as built (err is the builder's).
func serialized(tb testing.TB, m *diam.Message, err error) []byte {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// codecBoth runs a message's round trip both ways: built from the
// library's objects, serialized, decoded and parsed ("library"), and
// written as bytes and read in place ("in-place").
func codecBoth(b *testing.B, build func() (*diam.Message, error), parse func(*diam.Message) error,
	write func([]byte) ([]byte, error), read func([]byte) error) {
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := build()
			dm, err := diameter.DecodeMessage(serialized(b, m, err))
			if err != nil {
				b.Fatal(err)
			}
			if err := parse(dm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-place", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			var err error
			if buf, err = write(buf[:0]); err != nil {
				b.Fatal(err)
			}
			if err := read(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkULRCodec: one ULR both ways (AppendULR and ParseULRFrame are
// what the serving nodes and the HLR use).
func BenchmarkULRCodec(b *testing.B) {
	r := sampleULR()
	codecBoth(b, func() (*diam.Message, error) { return BuildULR(r) },
		func(m *diam.Message) error { _, err := ParseULR(m); return err },
		func(buf []byte) ([]byte, error) { return AppendULR(buf, r) },
		func(buf []byte) error {
			if _, ok := ParseULRFrame(buf); !ok {
				return errors.New("not read in place")
			}
			return nil
		})
}

// BenchmarkULACodec: one ULA with subscription data both ways (AppendULA
// and ParseULAFrame are what the HLR and the serving nodes use).
func BenchmarkULACodec(b *testing.B) {
	a := &UpdateLocationAnswer{SessionID: "sgsn.test;1;2", Origin: Peer{Host: "hlr.test", Realm: "home.test"},
		Result: ResultSuccess, ULAFlags: 1, Subscription: &SubscriptionData{MSISDN: "491701234567",
			GPRS: []PDPContext{{ContextID: 1, APN: "iot.example"}, {ContextID: 2, APN: "em"}}}}
	codecBoth(b, func() (*diam.Message, error) { return BuildULA(a) },
		func(m *diam.Message) error { _, err := ParseULA(m); return err },
		func(buf []byte) ([]byte, error) { return AppendULA(buf, a) },
		func(buf []byte) error { _, err := ParseULAFrame(buf); return err })
}
