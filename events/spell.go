package events

import (
	"math/bits"
	"net/netip"
	"slices"
)

// Spelling by hand what the compact events write on every event: times
// from Unix nanoseconds, IPv4 addresses, hexadecimal digits. Each writes
// what the general form (appendTime, appendAddr, appendHex) writes; the
// tests hold them to it.

// secondCache is the last second an encoder spelled: events come in time
// order, most within the second of the one before.
type secondCache struct {
	sec  int64
	ok   bool
	text [19]byte // YYYY-MM-DDTHH:MM:SS
}

// appendUnixTime writes the instant ns (Unix nanoseconds, UTC) quoted, as
// appendTime writes it in TimestampLayout (milli true) or tunnelLayout,
// the date and time of day spelled once a second (an empty cache spells
// them every time).
func (c *secondCache) appendUnixTime(b []byte, ns int64, milli bool) []byte {
	sec := ns / 1e9
	nano := ns % 1e9
	if nano < 0 {
		sec, nano = sec-1, nano+1e9
	}
	if !c.ok || c.sec != sec {
		days := sec / 86400
		rem := sec % 86400
		if rem < 0 {
			days, rem = days-1, rem+86400
		}
		y, m, d := civil(days)
		var t [24]byte // the 19 bytes and appendClock's closing quote
		copy(c.text[:], appendClock(t[:0], int(y), int(m), int(d), int(rem), 0, false))
		c.sec, c.ok = sec, true
	}
	b = append(b, '"')
	b = append(b, c.text[:]...)
	if !milli {
		return append(b, '"')
	}
	ms := nano / 1e6
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// civil is the proleptic Gregorian date of days since 1970-01-01
// (H. Hinnant's days_from_civil, inverted). Unix nanoseconds in an int64
// span the years 1677 to 2262, which put4 writes as they are.
func civil(days int64) (year, month, day int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// decimalOctets[v] is v in decimal, for the octets of IPv4 addresses.
var decimalOctets = func() (t [256]struct {
	n byte
	d [3]byte
}) {
	for v := range t {
		switch {
		case v >= 100:
			t[v].n, t[v].d = 3, [3]byte{byte('0' + v/100), byte('0' + v/10%10), byte('0' + v%10)}
		case v >= 10:
			t[v].n, t[v].d = 2, [3]byte{byte('0' + v/10), byte('0' + v%10)}
		default:
			t[v].n, t[v].d = 1, [3]byte{byte('0' + v)}
		}
	}
	return t
}()

// appendQuotedAddr writes a quoted as appendAddr does; a must be valid.
func appendQuotedAddr(b []byte, a netip.Addr) []byte {
	if !a.Is4() {
		return appendAddr(b, a)
	}
	v := a.As4()
	b = append(b, '"')
	for i, o := range v {
		if i > 0 {
			b = append(b, '.')
		}
		t := &decimalOctets[o]
		b = append(b, t.d[:t.n]...)
	}
	return append(b, '"')
}

// hexPairs[v] is v as two lower-case hexadecimal digits.
var hexPairs = func() (t [256][2]byte) {
	for v := range t {
		t[v] = [2]byte{hexDigits[v>>4], hexDigits[v&0xf]}
	}
	return t
}()

// appendSessionUUIDQuoted writes appendSessionUUID(n) quoted.
func appendSessionUUIDQuoted(b []byte, n uint64) []byte {
	x := n*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	var u [38]byte
	u[0] = '"'
	hi := uint32(x >> 32)
	put8hex(u[1:9], hi)
	u[9] = '-'
	m := uint16(x >> 16)
	u[10], u[11] = hexPairs[m>>8][0], hexPairs[m>>8][1]
	u[12], u[13] = hexPairs[m&0xff][0], hexPairs[m&0xff][1]
	u[14], u[15] = '-', '4'
	l := uint16(x) & 0xfff
	u[16] = hexDigits[l>>8]
	u[17], u[18] = hexPairs[l&0xff][0], hexPairs[l&0xff][1]
	u[19], u[20] = '-', '8'
	v := uint16(n>>48) & 0xfff
	u[21] = hexDigits[v>>8]
	u[22], u[23] = hexPairs[v&0xff][0], hexPairs[v&0xff][1]
	u[24] = '-'
	low := n & 0xffffffffffff
	put8hex(u[25:33], uint32(low>>16))
	p := uint16(low)
	u[33], u[34] = hexPairs[p>>8][0], hexPairs[p>>8][1]
	u[35], u[36] = hexPairs[p&0xff][0], hexPairs[p&0xff][1]
	u[37] = '"'
	return append(b, u[:]...)
}

func put8hex(d []byte, v uint32) {
	for i := 3; i >= 0; i-- {
		p := hexPairs[byte(v)]
		d[2*i], d[2*i+1] = p[0], p[1]
		v >>= 8
	}
}

// decimalPairs holds "00" to "99".
var decimalPairs = func() (t [200]byte) {
	for i := range 100 {
		t[2*i], t[2*i+1] = byte('0'+i/10), byte('0'+i%10)
	}
	return t
}()

// powersOf10[i] is 10^i.
var powersOf10 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// appendUint writes v in decimal, as strconv.AppendUint(b, v, 10) does,
// in place: no buffer of its own to copy from, two digits a step.
func appendUint(b []byte, v uint64) []byte {
	n := bits.Len64(v) * 1233 >> 12 // about log10(v), one short at most
	if n < len(powersOf10) && v >= powersOf10[n] {
		n++
	}
	n = max(n, 1)
	b = slices.Grow(b, n)
	i := len(b) + n
	b = b[:i]
	for v >= 100 {
		q := v / 100
		r := (v - q*100) * 2
		i -= 2
		b[i], b[i+1] = decimalPairs[r], decimalPairs[r+1]
		v = q
	}
	if v >= 10 {
		b[i-2], b[i-1] = decimalPairs[2*v], decimalPairs[2*v+1]
	} else {
		b[i-1] = byte('0' + v)
	}
	return b
}

// appendInt is appendUint of a signed number, as strconv.AppendInt writes it.
func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendUint(append(b, '-'), uint64(-v)) // -MinInt64 is itself, as a uint64 its magnitude
	}
	return appendUint(b, uint64(v))
}
