// Package digits does arithmetic on identifiers spelled in decimal (IMSIs,
// MSISDNs, ICCIDs, IMEIs), in place, so that deriving one from its range's
// first costs no parsing and no allocation beyond the result.
package digits

// Add adds n to the decimal digits in b, in place, keeping len(b), and
// returns what did not fit (0 if the sum has len(b) digits). b must hold
// only the bytes '0' to '9'.
func Add(b []byte, n uint64) (carry uint64) {
	for i := len(b) - 1; i >= 0 && n > 0; i-- {
		d := uint64(b[i]-'0') + n%10
		n /= 10
		if d >= 10 {
			d -= 10
			n++
		}
		b[i] = byte('0' + d)
	}
	return n
}

// AppendIMEIOfIMSI appends the IMEI core-sim gives a device whose fleet has
// no IMEI range: 35 and the last 13 digits of its IMSI (at least 13).
func AppendIMEIOfIMSI(b, imsi []byte) []byte {
	return append(append(b, '3', '5'), imsi[len(imsi)-13:]...)
}
