package diameter

import (
	"errors"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
)

func TestCheckHeader(t *testing.T) {
	hdr := func(version byte, length uint32) []byte {
		return []byte{version, byte(length >> 16), byte(length >> 8), byte(length), 0x80, 0, 1, 0x3c, 1, 0, 0, 0x23, 0, 0, 0, 1, 0, 0, 0, 1}
	}
	tests := []struct {
		name    string
		b       []byte
		wantLen int
		wantErr bool
	}{
		{"ok", hdr(1, 64), 64, false},
		{"header only", hdr(1, 20), 20, false},
		{"version 0", hdr(0, 64), 0, true},
		{"version 2", hdr(2, 64), 0, true},
		{"too short", hdr(1, 16), 0, true},
		{"not multiple of 4", hdr(1, 65), 0, true},
		{"over max", hdr(1, 1<<20+4), 0, true},
		{"truncated header", hdr(1, 64)[:10], 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := checkHeader(tt.b, 1<<20)
			if (err != nil) != tt.wantErr || l != tt.wantLen {
				t.Fatalf("checkHeader = %d, %v", l, err)
			}
			if err != nil && !errors.Is(err, ErrBadHeader) {
				t.Errorf("error %v is not ErrBadHeader", err)
			}
		})
	}
}

func TestDecodeMessageRoundTrip(t *testing.T) {
	m := appRequest("262011234567890")
	m.AddAVP(diam.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(10415)),
		diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(testApp)),
	}}))
	b := serialize(t, m)
	got, err := DecodeMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.CommandCode != diam.UpdateLocation || userName(got) != "262011234567890" || len(got.AVP) != len(m.AVP) {
		t.Errorf("decoded %v", got)
	}
	if sessionID(got) != rawSessionID(b) || sessionID(got) == "" {
		t.Errorf("session ids %q %q", sessionID(got), rawSessionID(b))
	}
}

// A Grouped AVP whose member is truncated makes go-diameter panic; the
// structural check must catch it first.
func TestDecodeTruncatedGroupMember(t *testing.T) {
	m := appRequest("x")
	m.AddAVP(diam.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(10415)),
	}}))
	b := serialize(t, m)
	// Shrink the group's inner AVP length to 3 (below a header).
	b[len(b)-12+7] = 3
	_, err := DecodeMessage(b)
	var me *MessageError
	if !errors.As(err, &me) || me.Result != ResultInvalidAVPLength || !errors.Is(err, ErrBadMessage) {
		t.Fatalf("err = %v, want 5014", err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(serialize(&testing.T{}, appRequest("262011234567890")))
	f.Add([]byte{1, 0, 0, 20, 0x80, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err == nil {
			// What decodes must encode again.
			if _, err := m.Serialize(); err != nil {
				t.Fatalf("decoded message does not serialize: %v", err)
			}
			sessionID(m)
		}
		if len(b) >= HeaderLength {
			rawSessionID(b)
		}
	})
}
