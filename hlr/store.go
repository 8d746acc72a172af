// Package hlr is core-sim's HLR/HSS: a subscriber store provisioned as
// IMSI ranges, the HLR's decisions on Update Location and Purge UE as a
// pure, deterministic core (HLR), and a Diameter S6a/S6d server (Server)
// that wires the core to the network and sends Cancel Location to the
// node a subscriber left.
//
// In real 2G/3G networks the HLR is reached over MAP; core-sim uses the
// Diameter form of the same procedures (TS 29.272 S6a from a VLR/MME-like
// node, S6d from an SGSN). It is not an authentication centre (no AIR/AIA),
// keeps no subscriber data beyond what the ranges compute, and does not
// push subscriber data (IDR/DSR).
package hlr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/core-sim/core-sim/internal/digits"
	"github.com/core-sim/core-sim/s6a"
)

// Range provisions Count consecutive subscribers. The i-th subscriber
// (0-based Index) has IMSI FirstIMSI+i and likewise MSISDN, ICCID, IMEI
// and EndpointID: the offset is added to the first value keeping its digit
// count (no check digit is recomputed for ICCID or IMEI). Empty First*
// strings leave that identifier empty.
//
// EndpointName is a pattern: "{n}" is replaced by the 1-based index in the
// range, "{imsi}", "{msisdn}", "{iccid}", "{imei}" and "{id}" (EndpointID)
// by the subscriber's values; e.g. "tracker-{n}" names tracker-1,
// tracker-2, ...
type Range struct {
	FirstIMSI       string
	Count           int
	FirstMSISDN     string
	FirstICCID      string
	FirstIMEI       string
	FirstEndpointID int64
	EndpointName    string
	Enabled         bool
	AllowedPLMNs    []string      // MCCMNC, e.g. "26201"; empty: every PLMN
	BlockedPLMNs    []string      // operator blacklist, checked first
	RATs            []s6a.RATType // empty: every RAT
	APNs            []string      // one PDP context each on S6d, in order
}

// Subscriber is one subscriber as the store computes it on lookup. Its
// slices are shared with the Range: do not modify them.
type Subscriber struct {
	IMSI, MSISDN, ICCID, IMEI string
	EndpointID                int64
	EndpointName              string
	Enabled                   bool
	AllowedPLMNs              []string
	BlockedPLMNs              []string
	RATs                      []s6a.RATType
	APNs                      []string
	Range                     int // index of the Range in NewStore's argument
	Index                     int // 0-based position in the range
}

// RangeError names the range and the field that NewStore rejects.
type RangeError struct {
	Range int    // index in NewStore's argument
	Field string // e.g. "FirstIMSI"
	Err   error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("hlr: range %d: %s: %v", e.Range, e.Field, e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// ErrOverlap is wrapped by the RangeError of two ranges sharing IMSIs.
var ErrOverlap = errors.New("IMSI ranges overlap")

// Store holds the ranges sorted by IMSI; its memory does not depend on
// the number of subscribers. It is immutable and safe for concurrent use.
type Store struct {
	ranges  []storedRange
	byIndex []int // ranges[byIndex[i]] is NewStore's ranges[i]
	total   int
}

type storedRange struct {
	Range
	index int
	key   imsiKey // of FirstIMSI
	last  uint64  // numeric value of the last IMSI
	// gprs is the GPRS subscription data of every subscriber of the range
	// (one PDP context per APN), shared read-only by the answers.
	gprs []s6a.PDPContext
}

// imsiKey orders IMSIs by digit count, then value, so that "0010..." and
// "010..." stay different subscribers.
type imsiKey struct {
	digits int
	value  uint64
}

// word is k in one word, for the registrations' map: an IMSI's value
// (at most 15 digits, below 2^50) and its count of digits.
func (k imsiKey) word() uint64 { return k.value<<4 | uint64(k.digits) }

func (a imsiKey) less(b imsiKey) bool {
	return a.digits < b.digits || (a.digits == b.digits && a.value < b.value)
}

// parseIMSI reads an IMSI of 6 to 15 digits.
func parseIMSI(s string) (imsiKey, bool) {
	if len(s) < 6 || len(s) > 15 {
		return imsiKey{}, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return imsiKey{}, false
		}
		v = v*10 + uint64(c-'0')
	}
	return imsiKey{digits: len(s), value: v}, true
}

var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

// addDecimal adds n to a string of digits, keeping its length; false if
// the sum needs more digits.
func addDecimal(s string, n uint64) (string, bool) {
	if n == 0 {
		return s, true
	}
	var buf [32]byte // on the stack: the result is the one allocation
	var b []byte
	if len(s) <= len(buf) {
		b = append(buf[:0], s...)
	} else {
		b = []byte(s)
	}
	carry := digits.Add(b, n)
	return string(b), carry == 0
}

var namePlaceholders = []string{"{n}", "{imsi}", "{msisdn}", "{iccid}", "{imei}", "{id}"}

// NewStore checks and indexes the ranges. It rejects a range with bad
// digits, a count below 1, identifiers that run out of digits, a bad PLMN
// or name pattern, and ranges that overlap, naming the range and field.
func NewStore(ranges []Range) (*Store, error) {
	s := &Store{ranges: make([]storedRange, 0, len(ranges))}
	for i, r := range ranges {
		fail := func(field string, format string, args ...any) error {
			return &RangeError{Range: i, Field: field, Err: fmt.Errorf(format, args...)}
		}
		key, ok := parseIMSI(r.FirstIMSI)
		if !ok {
			return nil, fail("FirstIMSI", "%q is not 6 to 15 digits", r.FirstIMSI)
		}
		if r.Count < 1 {
			return nil, fail("Count", "%d, want at least 1", r.Count)
		}
		last := key.value + uint64(r.Count-1)
		if last >= pow10[key.digits] {
			return nil, fail("Count", "%d IMSIs from %s need more than %d digits", r.Count, r.FirstIMSI, key.digits)
		}
		for _, f := range []struct{ name, first string }{{"FirstMSISDN", r.FirstMSISDN}, {"FirstICCID", r.FirstICCID}, {"FirstIMEI", r.FirstIMEI}} {
			if f.first == "" {
				continue
			}
			if !s6a.IsDigits(f.first) {
				return nil, fail(f.name, "%q is not digits", f.first)
			}
			if _, ok := addDecimal(f.first, uint64(r.Count-1)); !ok {
				return nil, fail(f.name, "%d values from %s need more than %d digits", r.Count, f.first, len(f.first))
			}
		}
		if r.FirstEndpointID > 0 && r.FirstEndpointID > (1<<63-1)-int64(r.Count-1) {
			return nil, fail("FirstEndpointID", "%d + %d overflows", r.FirstEndpointID, r.Count-1)
		}
		for j, p := range r.AllowedPLMNs {
			if _, err := s6a.ParsePLMN(p); err != nil {
				return nil, fail(fmt.Sprintf("AllowedPLMNs[%d]", j), "%v", err)
			}
		}
		for j, p := range r.BlockedPLMNs {
			if _, err := s6a.ParsePLMN(p); err != nil {
				return nil, fail(fmt.Sprintf("BlockedPLMNs[%d]", j), "%v", err)
			}
		}
		for j, apn := range r.APNs {
			if apn == "" || len(apn) > 100 || strings.ContainsAny(apn, " \t\r\n") {
				return nil, fail(fmt.Sprintf("APNs[%d]", j), "%q is not an APN", apn)
			}
		}
		if err := checkPattern(r.EndpointName); err != nil {
			return nil, fail("EndpointName", "%v", err)
		}
		gprs := make([]s6a.PDPContext, len(r.APNs))
		for j, apn := range r.APNs {
			gprs[j] = s6a.PDPContext{ContextID: uint32(j + 1), PDPType: s6a.PDPTypeIPv4, APN: apn}
		}
		s.ranges = append(s.ranges, storedRange{Range: r, index: i, key: key, last: last, gprs: gprs})
		s.total += r.Count
	}
	slices.SortFunc(s.ranges, func(a, b storedRange) int {
		if a.key.less(b.key) {
			return -1
		}
		if b.key.less(a.key) {
			return 1
		}
		return 0
	})
	s.byIndex = make([]int, len(s.ranges))
	for i := range s.ranges {
		s.byIndex[s.ranges[i].index] = i
	}
	for i := 1; i < len(s.ranges); i++ {
		prev, cur := s.ranges[i-1], s.ranges[i]
		if prev.key.digits == cur.key.digits && prev.last >= cur.key.value {
			a, b := min(prev.index, cur.index), max(prev.index, cur.index)
			return nil, &RangeError{Range: b, Field: "FirstIMSI", Err: fmt.Errorf("%w: range %d and range %d", ErrOverlap, a, b)}
		}
	}
	return s, nil
}

func checkPattern(p string) error {
	for rest := p; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("%q: unclosed {", p)
		}
		if ph := rest[i : i+j+1]; !slices.Contains(namePlaceholders, ph) {
			return fmt.Errorf("%q: unknown placeholder %s (want one of %v)", p, ph, namePlaceholders)
		}
		rest = rest[i+j+1:]
	}
}

// Len is the number of subscribers provisioned.
func (s *Store) Len() int { return s.total }

// Lookup finds the subscriber of an IMSI in O(log ranges).
func (s *Store) Lookup(imsi string) (Subscriber, bool) {
	r, off, ok := s.find(imsi)
	if !ok {
		return Subscriber{}, false
	}
	return r.subscriber(imsi, off), true
}

// Locate finds imsi's range (its index among the store's ranges) and its
// offset in it, and its endpoint id, without building its Subscriber: no
// string is formatted.
func (s *Store) Locate(imsi string) (rangeIndex, index int, endpointID int64, ok bool) {
	r, off, ok := s.find(imsi)
	if !ok {
		return 0, 0, 0, false
	}
	return r.index, int(off), r.FirstEndpointID + int64(off), true
}

func (s *Store) find(imsi string) (*storedRange, uint64, bool) {
	key, ok := parseIMSI(imsi)
	if !ok {
		return nil, 0, false
	}
	return s.findKey(key)
}

// findKey is find of a parsed IMSI.
func (s *Store) findKey(key imsiKey) (*storedRange, uint64, bool) {
	// The first range starting after key; the candidate is the one before.
	i, _ := slices.BinarySearchFunc(s.ranges, key, func(r storedRange, k imsiKey) int {
		if k.less(r.key) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return nil, 0, false
	}
	r := &s.ranges[i-1]
	if r.key.digits != key.digits || key.value > r.last {
		return nil, 0, false
	}
	return r, key.value - r.key.value, true
}

// msisdn is the MSISDN of the range's subscriber off, or "".
func (r *storedRange) msisdn(off uint64) string {
	if r.FirstMSISDN == "" {
		return ""
	}
	m, _ := addDecimal(r.FirstMSISDN, off)
	return m
}

func (r *storedRange) subscriber(imsi string, off uint64) Subscriber {
	sub := Subscriber{
		IMSI: imsi, Enabled: r.Enabled, AllowedPLMNs: r.AllowedPLMNs, BlockedPLMNs: r.BlockedPLMNs,
		RATs: r.RATs, APNs: r.APNs, Range: r.index, Index: int(off),
	}
	sub.MSISDN = r.msisdn(off)
	if r.FirstICCID != "" {
		sub.ICCID, _ = addDecimal(r.FirstICCID, off)
	}
	if r.FirstIMEI != "" {
		sub.IMEI, _ = addDecimal(r.FirstIMEI, off)
	}
	sub.EndpointID = r.FirstEndpointID + int64(off)
	if r.EndpointName != "" {
		sub.EndpointName = expandName(r.EndpointName, &sub)
	}
	return sub
}

func expandName(p string, s *Subscriber) string {
	if !strings.Contains(p, "{") {
		return p
	}
	var buf [64]byte // on the stack for most names: the result is the one allocation
	return string(appendName(buf[:0], p, nameValues{index: uint64(s.Index), id: s.EndpointID,
		imsi: s.IMSI, msisdn: s.MSISDN, iccid: s.ICCID, imei: s.IMEI}))
}

// nameValues are what a name pattern's placeholders stand for; a string
// that is empty is filled by fill when the pattern asks for it.
type nameValues struct {
	index                     uint64
	id                        int64
	imsi, msisdn, iccid, imei string
	r                         *storedRange // set: the empty strings are the range's
}

// appendName appends pattern p with its placeholders filled in.
func appendName(b []byte, p string, v nameValues) []byte {
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			return append(b, p...)
		}
		b = append(b, p[:i]...)
		j := strings.IndexByte(p[i:], '}') // checkPattern made sure it is there
		switch p[i : i+j+1] {
		case "{n}":
			b = strconv.AppendUint(b, v.index+1, 10)
		case "{imsi}":
			b = v.appendDigits(b, v.imsi, func(r *storedRange) string { return r.FirstIMSI })
		case "{msisdn}":
			b = v.appendDigits(b, v.msisdn, func(r *storedRange) string { return r.FirstMSISDN })
		case "{iccid}":
			b = v.appendDigits(b, v.iccid, func(r *storedRange) string { return r.FirstICCID })
		case "{imei}":
			b = v.appendDigits(b, v.imei, func(r *storedRange) string { return r.FirstIMEI })
		case "{id}":
			b = strconv.AppendInt(b, v.id, 10)
		}
		p = p[i+j+1:]
	}
}

// appendDigits appends s, or when s is empty and the values are a
// range's, the range's first of the kind plus the index.
func (v nameValues) appendDigits(b []byte, s string, first func(*storedRange) string) []byte {
	if s != "" || v.r == nil {
		return append(b, s...)
	}
	f := first(v.r)
	n := len(b)
	b = append(b, f...)
	digits.Add(b[n:], v.index) // NewStore checked that the digits suffice
	return b
}

// AppendName appends the endpoint name of the subscriber at index in the
// range NewStore was given as ranges[rangeIndex], as Lookup names it,
// without allocating.
func (s *Store) AppendName(b []byte, rangeIndex int, index uint64) []byte {
	r := &s.ranges[s.byIndex[rangeIndex]]
	return appendName(b, r.EndpointName, nameValues{index: index, id: r.FirstEndpointID + int64(index), r: r})
}
