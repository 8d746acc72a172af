package events

import (
	"net/netip"

	"github.com/core-sim/core-sim/internal/dense"
)

// addrs is the last UE address of each endpoint, what its events write as
// endpoint.ip_address: IPv4 in a table paged by endpoint id, any other
// address in a map. Not safe for concurrent use: a stream keeps it on one
// goroutine (see Stream.KeepAddresses).
type addrs struct {
	v4    dense.Table[uint32] // 0: none here (see other)
	other map[int64]netip.Addr
}

// set makes ip endpoint id's last address, whatever it is (an invalid one
// writes null from then on, as 0.0.0.0 writes itself).
func (a *addrs) set(id int64, ip netip.Addr) {
	if ip.Is4() {
		b := ip.As4()
		if v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]); v != 0 {
			a.v4.Set(id, v)
			delete(a.other, id)
			return
		}
	}
	a.v4.Set(id, 0)
	if a.other == nil {
		a.other = make(map[int64]netip.Addr)
	}
	a.other[id] = ip
}

// get is endpoint id's last address, invalid if it has none.
func (a *addrs) get(id int64) netip.Addr {
	if v := a.v4.Get(id); v != 0 {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return a.other[id] // a nil map reads the zero Addr
}

// warm hints endpoint id's slot of the table.
func (a *addrs) warm(id int64) { a.v4.Warm(id) }

// event gives e its endpoint's address: an accepted Create PDP Context
// first makes its UE address the endpoint's. Events of no endpoint are
// left alone.
func (a *addrs) event(e *Event) {
	ep := e.Endpoint
	if ep == nil {
		return
	}
	if e.Type == TypeCreatePDPContext {
		var pc *PDPContext
		switch d := e.Detail.(type) {
		case *PDPDetail:
			if d != nil {
				pc = &d.PDPContext
			}
		case PDPDetail:
			pc = &d.PDPContext
		}
		if pc != nil { // a rejected one has no detail
			ip := pc.UEIP
			if !ip.IsValid() && pc.UEIPAddress != "" {
				ip, _ = netip.ParseAddr(pc.UEIPAddress)
			}
			a.set(ep.ID, ip)
		}
	}
	ep.IP, ep.IPAddress = a.get(ep.ID), nil
}

// pdp is event for a compact event: a Create makes its UE address its
// endpoint's. A subject the books do not know has no endpoint.
func (a *addrs) pdp(p *PDPEvent) {
	if p.Subject.Book == nil {
		return
	}
	id := p.Subject.EndpointID()
	if p.Type == TypeCreatePDPContext {
		a.set(id, p.Facts.UEIP)
		p.Subject.IP = p.Facts.UEIP
		return
	}
	p.Subject.IP = a.get(id)
}
