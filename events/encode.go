package events

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as encoding/json.Marshal(e) writes it, byte for
// byte, and returns the extended slice. It is the stream's encoder: it
// walks the known types by hand instead of by reflection and allocates
// nothing once dst has room for the event (about 1.5 KB for a PDP context).
//
// A Detail other than *LocationDetail, *PDPDetail (or their values) is
// handed to encoding/json, so the output stays equal for any Detail. For
// an event that encoding/json refuses (such a Detail that cannot be
// encoded, or a volume of math.MinInt64 bytes, which Bytes.MarshalJSON
// cannot spell) AppendJSON returns dst unchanged; the stream reports
// those as errors.
func AppendJSON(dst []byte, e *Event) []byte {
	b, err := appendEvent(dst, e)
	if err != nil {
		return dst
	}
	return b
}

// appendEvent is AppendJSON with the error encoding/json would return.
// On error the returned slice is dst, unchanged.
func appendEvent(dst []byte, e *Event) ([]byte, error) { return appendEventCached(dst, e, nil) }

// appendEventCached is appendEvent taking the parts that most events
// share (see fragments) from c, when c is not nil.
func appendEventCached(dst []byte, e *Event, c *fragments) ([]byte, error) {
	if e == nil {
		return append(dst, "null"...), nil
	}
	b := append(dst, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"timestamp":`...)
	if e.Timestamp == "" && !e.at.IsZero() {
		b = appendTime(b, e.at, TimestampLayout)
	} else {
		b = appendString(b, e.Timestamp)
	}
	b = append(b, `,"alert":`...)
	b = strconv.AppendBool(b, e.Alert)
	b = append(b, `,"description":`...)
	b = appendString(b, e.Description)
	if c == nil {
		b = appendKind(b, e)
	} else {
		b = cached(b, &c.kind, kindKey{e.EventType, e.EventSource, e.EventSeverity, e.Organisation}, e, appendKind)
	}
	if u := e.User; u != nil { // omitempty
		b = append(b, `,"user":{"id":`...)
		b = strconv.AppendInt(b, u.ID, 10)
		b = append(b, `,"name":`...)
		b = appendString(b, u.Name)
		b = append(b, `,"username":`...)
		b = appendString(b, u.Username)
		b = append(b, '}')
	}
	b = append(b, `,"endpoint":`...)
	if p := e.Endpoint; p == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, p.ID, 10)
		b = append(b, `,"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"imei":`...)
		b = appendString(b, p.IMEI)
		b = append(b, `,"ip_address":`...)
		if p.IPAddress == nil && p.IP.IsValid() {
			b = appendAddr(b, p.IP)
		} else {
			b = appendStringPtr(b, p.IPAddress)
		}
		b = append(b, `,"tags":`...)
		b = appendStringPtr(b, p.Tags)
		b = append(b, '}')
	}
	b = append(b, `,"sim":`...)
	if p := e.SIM; p == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, p.ID, 10)
		b = append(b, `,"iccid":`...)
		b = appendString(b, p.ICCID)
		b = append(b, `,"production_date":`...)
		b = appendString(b, p.ProductionDate)
		b = append(b, `,"msisdn":`...)
		b = appendString(b, p.MSISDN)
		b = append(b, '}')
	}
	b = append(b, `,"imsi":`...)
	if p := e.IMSI; p == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, p.ID, 10)
		b = append(b, `,"imsi":`...)
		b = appendString(b, p.IMSI)
		b = append(b, `,"import_date":`...)
		b = appendString(b, p.ImportDate)
		b = append(b, '}')
	}

	// omitempty on an interface drops only a nil interface: a typed nil
	// pointer inside it is written as null.
	var err error
	switch d := e.Detail.(type) {
	case nil:
	case *LocationDetail:
		b = append(b, `,"detail":`...)
		if d == nil {
			b = append(b, "null"...)
		} else {
			b = appendLocationDetail(b, d)
		}
	case LocationDetail:
		b = append(b, `,"detail":`...)
		b = appendLocationDetail(b, &d)
	case *PDPDetail:
		b = append(b, `,"detail":`...)
		if d == nil {
			b = append(b, "null"...)
		} else {
			b, err = appendPDPDetail(b, d, c)
		}
	case PDPDetail:
		b = append(b, `,"detail":`...)
		b, err = appendPDPDetail(b, &d, c)
	default:
		var raw []byte
		if raw, err = json.Marshal(d); err == nil {
			b = append(b, `,"detail":`...)
			b = append(b, raw...)
		}
	}
	if err != nil {
		return dst, err
	}
	return append(b, '}'), nil
}

// appendKind writes what an event's kind and owner say: its type, source,
// severity and organisation.
func appendKind(b []byte, e *Event) []byte {
	b = append(b, `,"event_type":`...)
	b = appendRef(b, &e.EventType)
	b = append(b, `,"event_source":`...)
	b = appendRef(b, &e.EventSource)
	b = append(b, `,"event_severity":`...)
	b = appendRef(b, &e.EventSeverity)
	b = append(b, `,"organisation":{"id":`...)
	b = strconv.AppendInt(b, e.Organisation.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, e.Organisation.Name)
	return append(b, '}')
}

func appendRef(b []byte, r *Ref) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(r.ID), 10)
	b = append(b, `,"description":`...)
	b = appendString(b, r.Description)
	return append(b, '}')
}

func appendCountry(b []byte, c *Country) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(c.ID), 10)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"country_code":`...)
	b = appendString(b, c.CountryCode)
	b = append(b, `,"mcc":`...)
	b = appendString(b, c.MCC)
	b = append(b, `,"iso_code":`...)
	b = appendString(b, c.ISOCode)
	return append(b, '}')
}

func appendLocationDetail(b []byte, d *LocationDetail) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(d.ID), 10)
	b = append(b, `,"name":`...)
	b = appendString(b, d.Name)
	b = append(b, `,"country":`...)
	b = appendCountry(b, &d.Country)
	b = append(b, `,"tapcode":`...)
	if d.TapCode == nil { // a nil slice is null, an empty one []
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.TapCode {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, int64(d.TapCode[i].ID), 10)
			b = append(b, `,"tapcode":`...)
			b = appendString(b, d.TapCode[i].TapCode)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"mnc":`...)
	if d.MNC == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.MNC {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, int64(d.MNC[i].ID), 10)
			b = append(b, `,"mnc":`...)
			b = appendString(b, d.MNC[i].MNC)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendPDPDetail(b []byte, d *PDPDetail, c *fragments) ([]byte, error) {
	if c == nil {
		b = appendPDPOperator(b, d)
	} else {
		b = cached(b, &c.operator, operatorKey{d.ID, d.Name, d.Country}, d, appendPDPOperator)
	}
	b = append(b, `,"session_id":`...)
	if d.SessionID == "" && d.SessionNum != 0 {
		b = append(b, '"')
		b = appendSessionUUID(b, d.SessionNum)
		b = append(b, '"')
	} else {
		b = appendString(b, d.SessionID)
	}
	b = append(b, `,"pdp_context":`...)
	b = appendPDPContext(b, &d.PDPContext, c)
	if v := d.Volume; v != nil { // omitempty
		if v.Total == math.MinInt64 || v.Rx == math.MinInt64 || v.Tx == math.MinInt64 {
			// Bytes.MarshalJSON writes invalid JSON for it; take
			// encoding/json's error as it is.
			_, err := json.Marshal(v)
			return b, err
		}
		b = append(b, `,"volume":{"total":`...)
		b = appendBytes(b, v.Total)
		b = append(b, `,"rx":`...)
		b = appendBytes(b, v.Rx)
		b = append(b, `,"tx":`...)
		b = appendBytes(b, v.Tx)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendPDPOperator writes the visited network of a PDP detail.
func appendPDPOperator(b []byte, d *PDPDetail) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(d.ID), 10)
	b = append(b, `,"name":`...)
	b = appendString(b, d.Name)
	b = append(b, `,"country":`...)
	return appendCountry(b, &d.Country)
}

func appendPDPContext(b []byte, c *PDPContext, f *fragments) []byte {
	b = append(b, `{"pdp_context_id":`...)
	b = strconv.AppendInt(b, c.PDPContextID, 10)
	b = append(b, `,"tunnel_created":`...)
	if c.TunnelCreated == "" && !c.Created.IsZero() {
		b = appendTime(b, c.Created, tunnelLayout)
	} else {
		b = appendString(b, c.TunnelCreated)
	}
	b = append(b, `,"gtp_version":`...)
	b = strconv.AppendInt(b, int64(c.GTPVersion), 10)
	b = append(b, `,"ue_ip_address":`...)
	if c.UEIPAddress == "" && c.UEIP.IsValid() {
		b = appendAddr(b, c.UEIP)
	} else {
		b = appendString(b, c.UEIPAddress)
	}
	b = append(b, `,"apn":`...)
	b = appendString(b, c.APN)
	b = append(b, `,"nsapi":`...)
	b = strconv.AppendInt(b, int64(c.NSAPI), 10)
	b = append(b, `,"imsi":`...)
	b = appendString(b, c.IMSI)
	b = append(b, `,"imeisv":`...)
	b = appendString(b, c.IMEISV)
	if f == nil {
		b = appendPLMN(b, c)
	} else {
		b = cached(b, &f.plmn, [2]string{c.MCC, c.MNC}, c, appendPLMN)
	}
	b = append(b, `,"lac":`...)
	b = strconv.AppendInt(b, int64(c.LAC), 10)
	b = append(b, `,"ci":`...)
	b = appendIntPtr(b, c.CI)
	b = append(b, `,"sac":`...)
	b = appendIntPtr(b, c.SAC)
	b = append(b, `,"rac":`...)
	b = appendIntPtr(b, c.RAC)
	b = append(b, `,"rat_type":`...)
	b = strconv.AppendInt(b, int64(c.RATType), 10)
	if f == nil {
		b = appendGSNs(b, c)
	} else {
		b = cached(b, &f.gsns, [4]string{c.SGSNControlPlaneIPAddress, c.SGSNDataPlaneIPAddress,
			c.GGSNControlPlaneIPAddress, c.GGSNDataPlaneIPAddress}, c, appendGSNs)
	}
	b = append(b, `,"tx_teid_control_plane":`...)
	b = strconv.AppendUint(b, uint64(c.TxTEIDControlPlane), 10)
	b = append(b, `,"tx_teid_data_plane":`...)
	b = strconv.AppendUint(b, uint64(c.TxTEIDDataPlane), 10)
	b = append(b, `,"rx_teid":`...)
	b = strconv.AppendUint(b, uint64(c.RxTEID), 10)
	if f == nil {
		b = appendTariff(b, c)
	} else {
		b = cached(b, &f.tariff, [6]string{c.BreakoutIP, c.Region, c.OperatorID, c.TariffProfileID, c.RatezoneID, c.TariffID},
			c, appendTariff)
	}
	return append(b, '}')
}

func appendPLMN(b []byte, c *PDPContext) []byte {
	b = append(b, `,"mcc":`...)
	b = appendString(b, c.MCC)
	b = append(b, `,"mnc":`...)
	return appendString(b, c.MNC)
}

func appendGSNs(b []byte, c *PDPContext) []byte {
	b = append(b, `,"sgsn_control_plane_ip_address":`...)
	b = appendString(b, c.SGSNControlPlaneIPAddress)
	b = append(b, `,"sgsn_data_plane_ip_address":`...)
	b = appendString(b, c.SGSNDataPlaneIPAddress)
	b = append(b, `,"ggsn_control_plane_ip_address":`...)
	b = appendString(b, c.GGSNControlPlaneIPAddress)
	b = append(b, `,"ggsn_data_plane_ip_address":`...)
	return appendString(b, c.GGSNDataPlaneIPAddress)
}

func appendTariff(b []byte, c *PDPContext) []byte {
	b = append(b, `,"breakout_ip":`...)
	b = appendString(b, c.BreakoutIP)
	b = append(b, `,"region":`...)
	b = appendString(b, c.Region)
	b = append(b, `,"operator_id":`...)
	b = appendString(b, c.OperatorID)
	b = append(b, `,"tariff_profile_id":`...)
	b = appendString(b, c.TariffProfileID)
	b = append(b, `,"ratezone_id":`...)
	b = appendString(b, c.RatezoneID)
	b = append(b, `,"tariff_id":`...)
	return appendString(b, c.TariffID)
}

// appendTime writes t in UTC in layout, quoted: what appendString writes
// of the spelled form (the layouts spell nothing that needs escaping).
// The two layouts events use are written by hand for years 1 to 9999
// (time.Format's general parser costs a few times more).
func appendTime(b []byte, t time.Time, layout string) []byte {
	b = append(b, '"')
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1 || year > 9999 || (layout != TimestampLayout && layout != tunnelLayout) {
		b = t.AppendFormat(b, layout)
		return append(b, '"')
	}
	hour, min, sec := t.Clock()
	return appendClock(b, year, int(month), day, hour*3600+min*60+sec, t.Nanosecond()/1e6, layout == TimestampLayout)
}

// appendClock writes a date and the time of day (seconds since midnight,
// milliseconds) after an opening quote, as TimestampLayout (milli) or
// tunnelLayout spells it, and the closing quote.
func appendClock(b []byte, year, month, day, sec, ms int, milli bool) []byte {
	var d [23]byte
	put4(d[0:4], year)
	d[4] = '-'
	put2(d[5:7], month)
	d[7] = '-'
	put2(d[8:10], day)
	d[10] = 'T'
	put2(d[11:13], sec/3600)
	d[13] = ':'
	put2(d[14:16], sec/60%60)
	d[16] = ':'
	put2(d[17:19], sec%60)
	if !milli {
		b = append(b, d[:19]...)
		return append(b, '"')
	}
	d[19] = '.'
	d[20] = byte('0' + ms/100)
	d[21] = byte('0' + ms/10%10)
	d[22] = byte('0' + ms%10)
	b = append(b, d[:]...)
	return append(b, 'Z', '"')
}

func put2(d []byte, v int) { d[0], d[1] = byte('0'+v/10), byte('0'+v%10) }

func put4(d []byte, v int) {
	put2(d[0:2], v/100)
	put2(d[2:4], v%100)
}

// appendAddr writes an address quoted, as appendString writes a.String().
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Zone() != "" {
		return appendString(b, a.String()) // a zone may hold anything
	}
	b = append(b, '"')
	b = a.AppendTo(b)
	return append(b, '"')
}

func appendStringPtr(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendString(b, *p)
}

func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}

// appendBytes writes a volume as Bytes.MarshalJSON does: megabytes with
// six decimals and a leading minus for negative volumes. v must not be
// math.MinInt64.
func appendBytes(b []byte, v Bytes) []byte {
	n := int64(v)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = appendInt(b, n/1000000)
	frac := n % 1000000
	var d [7]byte
	d[0] = '.'
	for i := 6; i > 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// htmlSafe[c] says encoding/json writes the byte c as it is: ASCII but
// not a control character, quote or backslash, and not <, > or &, which
// it escapes for HTML (Marshal always does). Bytes from 0x80 start UTF-8
// sequences, which need decoding.
var htmlSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// invalidUTF8 is what encoding/json writes for one byte of invalid UTF-8:
// \ufffd escaped, or U+FFFD itself when built with GOEXPERIMENT=jsonv2.
// Asking it once keeps AppendJSON equal under either.
var invalidUTF8 = func() string {
	b, err := json.Marshal("\xff")
	if err != nil || len(b) < 2 {
		return `\ufffd`
	}
	return string(b[1 : len(b)-1])
}()

// appendString quotes s as encoding/json does with HTML escaping on:
// short escapes for \ " \b \f \n \r \t, \u00xx for the other control
// characters and for < > &, invalidUTF8 for each byte of invalid UTF-8,
// and \u2028 and \u2029 escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if htmlSafe[s[i]] {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, invalidUTF8...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
