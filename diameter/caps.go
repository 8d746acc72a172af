package diameter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"go.uber.org/zap"
)

// baseRequest is a base-protocol request (DWR, DPR) with Origin-Host and
// Origin-Realm; identifiers are assigned by request.
func (c *Conn) baseRequest(code uint32) *diam.Message {
	m := diam.NewMessage(code, diam.RequestFlag, 0, 1, 1, nil)
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Host)))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Realm)))
	return m
}

// baseAnswer answers a base-protocol request (DWA, DPA).
func (c *Conn) baseAnswer(req *diam.Message, result uint32) *diam.Message {
	m := diam.NewMessage(req.Header.CommandCode, 0, 0, req.Header.HopByHopID, req.Header.EndToEndID, nil)
	m.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(result)))
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Host)))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Realm)))
	return m
}

// capabilities builds a CER (req == nil) or the CEA to req (RFC 6733 5.3).
func (c *Conn) capabilities(req *diam.Message, result uint32) *diam.Message {
	var hbh, e2e uint32
	if req == nil {
		hbh, e2e = c.hbh.Add(1), c.e2e.Add(1)
	}
	return capabilities(c.cfg, hostIP(c.nc.LocalAddr()), req, result, hbh, e2e)
}

// Capabilities builds the CER (req == nil, with identifiers hbh and e2e)
// or the CEA answering req that a peer configured with cfg at address ip
// sends: what a capture shows at the start of a connection.
func Capabilities(cfg Config, ip net.IP, req *diam.Message, result, hbh, e2e uint32) *diam.Message {
	return capabilities(cfg.withDefaults(), ip, req, result, hbh, e2e)
}

func capabilities(cfg Config, ip net.IP, req *diam.Message, result, hbh, e2e uint32) *diam.Message {
	var m *diam.Message
	if req == nil {
		m = diam.NewMessage(diam.CapabilitiesExchange, diam.RequestFlag, 0, hbh, e2e, nil)
	} else {
		m = diam.NewMessage(diam.CapabilitiesExchange, 0, 0, req.Header.HopByHopID, req.Header.EndToEndID, nil)
		m.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(result)))
	}
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(cfg.Host)))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(cfg.Realm)))
	m.AddAVP(diam.NewAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Address(ip)))
	m.AddAVP(diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(cfg.VendorID)))
	m.AddAVP(diam.NewAVP(avp.ProductName, 0, 0, datatype.UTF8String(cfg.ProductName)))
	vendors := map[uint32]bool{}
	for _, a := range cfg.Applications {
		if a.VendorID != 0 && !vendors[a.VendorID] {
			vendors[a.VendorID] = true
			m.AddAVP(diam.NewAVP(avp.SupportedVendorID, avp.Mbit, 0, datatype.Unsigned32(a.VendorID)))
		}
	}
	for _, a := range cfg.Applications {
		m.AddAVP(diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(a.ID)))
	}
	for _, a := range cfg.Applications {
		if a.VendorID != 0 {
			m.AddAVP(diam.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
				diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(a.VendorID)),
				diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(a.ID)),
			}}))
		}
	}
	return m
}

func hostIP(a net.Addr) net.IP {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case interface{ IPAddrs() []net.IPAddr }:
		if ips := a.IPAddrs(); len(ips) > 0 {
			ip = ips[0].IP
		}
	}
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4
	}
	return ip
}

// peerCapabilities reads what a CER or CEA says of the peer.
type peerCapabilities struct {
	host, realm string
	result      uint32
	apps        []uint32
}

func readCapabilities(m *diam.Message) peerCapabilities {
	var p peerCapabilities
	var walk func([]*diam.AVP)
	walk = func(avps []*diam.AVP) {
		for _, a := range avps {
			switch a.Code {
			case avp.OriginHost:
				p.host = identity(a.Data)
			case avp.OriginRealm:
				p.realm = identity(a.Data)
			case avp.ResultCode:
				if v, ok := a.Data.(datatype.Unsigned32); ok {
					p.result = uint32(v)
				}
			case avp.AuthApplicationID, avp.AcctApplicationID:
				if v, ok := a.Data.(datatype.Unsigned32); ok {
					p.apps = append(p.apps, uint32(v))
				}
			case avp.VendorSpecificApplicationID:
				if g, ok := a.Data.(*diam.GroupedAVP); ok {
					walk(g.AVP)
				}
			}
		}
	}
	walk(m.AVP)
	return p
}

func identity(d datatype.Type) string {
	switch v := d.(type) {
	case datatype.DiameterIdentity:
		return string(v)
	case datatype.UTF8String:
		return string(v)
	case datatype.OctetString:
		return string(v)
	}
	return ""
}

func (c *Conn) commonApplication(apps []uint32) bool {
	for _, id := range apps {
		if id == relayApplicationID || (id != 0 && c.cfg.supports(id)) {
			return true
		}
	}
	return false
}

// handshakeFrame reads one frame synchronously, before the read loop runs.
func (c *Conn) handshakeFrame() (*diam.Message, error) {
	b, err := c.readFrame()
	if err != nil {
		if errors.Is(err, ErrBadHeader) {
			c.stats.badFrames.Add(1)
		}
		return nil, err
	}
	c.lastRx.Store(time.Now().UnixNano())
	return decodeFrame(b)
}

// clientHandshake sends the CER and waits for the CEA. The deadline is
// enforced by closing the socket (SCTP conns have no deadlines).
func (c *Conn) clientHandshake(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()
	cer := c.capabilities(nil, 0)
	if err := c.send(cer, true); err != nil {
		return err
	}
	for {
		m, err := c.handshakeFrame()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: no CEA: %w", ErrTimeout, ctx.Err())
			}
			return err
		}
		if m.Header.CommandCode != diam.CapabilitiesExchange || m.Header.CommandFlags&diam.RequestFlag != 0 {
			c.log.Debug("ignoring message before CEA", zap.Uint32("command", m.Header.CommandCode))
			continue
		}
		p := readCapabilities(m)
		if p.result != ResultSuccess {
			return fmt.Errorf("%w: CEA result %d from %q", ErrCapabilities, p.result, p.host)
		}
		if p.host == "" {
			return fmt.Errorf("%w: CEA without Origin-Host", ErrCapabilities)
		}
		if !c.commonApplication(p.apps) {
			c.log.Warn("peer advertises none of our applications", zap.String("peer", p.host), zap.Uint32s("applications", p.apps))
		}
		c.peerHost, c.peerRealm = p.host, p.realm
		c.established.Store(true)
		return nil
	}
}

// serverHandshake waits for the CER and checks it; a CER that fails is
// answered here. The caller sends the successful CEA (see cea).
func (c *Conn) serverHandshake() (*diam.Message, error) {
	stop := time.AfterFunc(c.cfg.RequestTimeout, func() { c.nc.Close() })
	defer stop.Stop()
	m, err := c.handshakeFrame()
	if err != nil {
		return nil, err
	}
	if m.Header.CommandCode != diam.CapabilitiesExchange || m.Header.CommandFlags&diam.RequestFlag == 0 {
		return nil, fmt.Errorf("%w: first message is command %d, not a CER", ErrCapabilities, m.Header.CommandCode)
	}
	p := readCapabilities(m)
	if p.host == "" {
		c.send(c.errorAnswer(*m.Header, "", ResultMissingAVP, nil), true)
		return nil, fmt.Errorf("%w: CER without Origin-Host", ErrCapabilities)
	}
	if !c.commonApplication(p.apps) {
		c.send(c.capabilities(m, ResultNoCommonApplication), true)
		return nil, fmt.Errorf("%w: no common application with %q (%v)", ErrCapabilities, p.host, p.apps)
	}
	c.peerHost, c.peerRealm = p.host, p.realm
	c.established.Store(true)
	return m, nil
}
