package s6a

import (
	"errors"
	"fmt"
)

// errNotDigits reports a string that should hold decimal digits only.
var errNotDigits = errors.New("not decimal digits")

// IsDigits reports whether s is non-empty and holds only '0'..'9'.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// EncodeTBCD packs decimal digits two per octet, the first digit in the
// low nibble, padding an odd count with 0xF (TS 29.002 TBCD-STRING).
func EncodeTBCD(digits string) ([]byte, error) {
	if !IsDigits(digits) {
		return nil, fmt.Errorf("TBCD %q: %w", digits, errNotDigits)
	}
	b := make([]byte, (len(digits)+1)/2)
	for i := 0; i < len(digits); i++ {
		d := digits[i] - '0'
		if i%2 == 0 {
			b[i/2] = 0xf0 | d
		} else {
			b[i/2] = b[i/2]&0x0f | d<<4
		}
	}
	return b, nil
}

// DecodeTBCD unpacks a TBCD string; a 0xF nibble ends it and only the
// last high nibble may be one.
func DecodeTBCD(b []byte) (string, error) {
	out := make([]byte, 0, 2*len(b))
	for i, o := range b {
		lo, hi := o&0x0f, o>>4
		if lo > 9 {
			return "", fmt.Errorf("TBCD octet %d: %#02x: %w", i, o, errNotDigits)
		}
		out = append(out, '0'+lo)
		if hi == 0xf && i == len(b)-1 {
			break
		}
		if hi > 9 {
			return "", fmt.Errorf("TBCD octet %d: %#02x: %w", i, o, errNotDigits)
		}
		out = append(out, '0'+hi)
	}
	if len(out) == 0 {
		return "", fmt.Errorf("empty TBCD: %w", errNotDigits)
	}
	return string(out), nil
}

// ParsePLMN reads "MCCMNC" (5 or 6 digits), e.g. "26201".
func ParsePLMN(s string) (PLMN, error) {
	if (len(s) != 5 && len(s) != 6) || !IsDigits(s) {
		return PLMN{}, fmt.Errorf("PLMN %q: want 5 or 6 digits", s)
	}
	return PLMN{MCC: s[:3], MNC: s[3:]}, nil
}

// Encode gives the 3-octet PLMN identity of TS 24.008 10.5.1.3 used by
// Visited-PLMN-Id (TS 29.272 7.3.9): 262/01 is 0x62 0xF2 0x10.
func (p PLMN) Encode() ([]byte, error) {
	if len(p.MCC) != 3 || !IsDigits(p.MCC) || (len(p.MNC) != 2 && len(p.MNC) != 3) || !IsDigits(p.MNC) {
		return nil, fmt.Errorf("PLMN %s/%s: want 3-digit MCC and 2- or 3-digit MNC", p.MCC, p.MNC)
	}
	mnc3 := byte(0xf)
	if len(p.MNC) == 3 {
		mnc3 = p.MNC[2] - '0'
	}
	return []byte{
		(p.MCC[1]-'0')<<4 | (p.MCC[0] - '0'),
		mnc3<<4 | (p.MCC[2] - '0'),
		(p.MNC[1]-'0')<<4 | (p.MNC[0] - '0'),
	}, nil
}

// DecodePLMN reads a 3-octet PLMN identity.
func DecodePLMN(b []byte) (PLMN, error) {
	if len(b) != 3 {
		return PLMN{}, fmt.Errorf("PLMN identity of %d octets, want 3", len(b))
	}
	d := [6]byte{b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[2] & 0xf, b[2] >> 4, b[1] >> 4}
	n := 6
	if d[5] == 0xf {
		n = 5
	}
	out := make([]byte, n)
	for i := 0; i < n; i++ {
		if d[i] > 9 {
			return PLMN{}, fmt.Errorf("PLMN identity %x: %w", b, errNotDigits)
		}
		out[i] = '0' + d[i]
	}
	return PLMN{MCC: string(out[:3]), MNC: string(out[3:])}, nil
}
