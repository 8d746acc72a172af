package s6a

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/core-sim/core-sim/diameter"
	"github.com/fiorix/go-diameter/v4/diam"
)

// HSS is the home side of S6a: it answers Update Location and Purge UE.
type HSS interface {
	UpdateLocation(ctx context.Context, r *UpdateLocationRequest) *UpdateLocationAnswer
	PurgeUE(ctx context.Context, r *PurgeUERequest) *PurgeUEAnswer
}

// ServingNode is the visited side (VLR/MME-like node or SGSN): it answers
// Cancel Location.
type ServingNode interface {
	CancelLocation(ctx context.Context, r *CancelLocationRequest) *CancelLocationAnswer
}

// MalformedObserver may be implemented by an HSS or a ServingNode to hear
// of every request answered with an error without reaching it (a missing
// or invalid AVP), e.g. to log or count it.
type MalformedObserver interface {
	Malformed(ctx context.Context, command uint32, err error)
}

func observe(ctx context.Context, x any, command uint32, err error) {
	if o, ok := x.(MalformedObserver); ok {
		o.Malformed(ctx, command, err)
	}
}

// ServerHandler adapts an HSS to a diameter.Handler: decode, dispatch to
// h, build the answer. A request that does not parse is answered with
// the error's result and a Failed-AVP, without reaching h.
func ServerHandler(h HSS) diameter.Handler {
	return func(ctx context.Context, c *diameter.Conn, req *diam.Message) *diam.Message {
		local := Peer{Host: c.LocalHost(), Realm: c.LocalRealm()}
		switch req.Header.CommandCode {
		case CommandUpdateLocation:
			r, err := ParseULR(req)
			if err != nil {
				observe(ctx, h, CommandUpdateLocation, err)
				return rejectULA(c, req, local, err)
			}
			a := h.UpdateLocation(ctx, r)
			if a == nil {
				return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
			}
			fillAnswer(&a.SessionID, &a.Origin, r.SessionID, local)
			m, err := BuildULA(a)
			return mustBuild(c, req, m, err)
		case CommandPurgeUE:
			r, err := ParsePUR(req)
			if err != nil {
				observe(ctx, h, CommandPurgeUE, err)
				return reject(c, req, local, err, func(res Result) (*diam.Message, error) {
					return BuildPUA(&PurgeUEAnswer{SessionID: sessionOf(req), Origin: local, Result: res})
				})
			}
			a := h.PurgeUE(ctx, r)
			if a == nil {
				return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
			}
			fillAnswer(&a.SessionID, &a.Origin, r.SessionID, local)
			m, err := BuildPUA(a)
			return mustBuild(c, req, m, err)
		}
		return c.ErrorAnswer(req, diameter.ResultCommandUnsupported, nil)
	}
}

// ServerFrameHandler is ServerHandler's way for Update Location Requests
// that read in place (ParseULRFrame), for diameter.Config.FrameHandler:
// the answer is written as bytes (AppendULA), with the bytes BuildULA's
// message would have. Any other request, or a ULR that ParseULR would
// refuse, goes to ServerHandler decoded, as before. Decoding the requests
// and building the answers from the library's objects was about a tenth of
// the HLR's share of a full cycle.
func ServerFrameHandler(h HSS) diameter.FrameHandler {
	return func(ctx context.Context, c *diameter.Conn, frame []byte) ([]byte, bool) {
		r, ok := ParseULRFrame(frame)
		if !ok {
			return nil, false
		}
		a := h.UpdateLocation(ctx, r)
		if a == nil {
			return errorAnswerBytes(c, frame, diameter.ResultUnableToComply), true
		}
		fillAnswer(&a.SessionID, &a.Origin, r.SessionID, Peer{Host: c.LocalHost(), Realm: c.LocalRealm()})
		b, err := AppendULA(make([]byte, 0, 384), a)
		if err != nil {
			return errorAnswerBytes(c, frame, diameter.ResultUnableToComply), true
		}
		return b, true
	}
}

// errorAnswerBytes is c.ErrorAnswer to the request frame, as bytes.
func errorAnswerBytes(c *diameter.Conn, frame []byte, result uint32) []byte {
	req, err := diameter.DecodeMessage(frame)
	if err != nil {
		return nil // cannot happen: the connection checked the frame
	}
	m := c.ErrorAnswer(req, result, nil)
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		return nil
	}
	return b
}

// NodeHandler adapts a ServingNode to a diameter.Handler.
func NodeHandler(n ServingNode) diameter.Handler {
	return func(ctx context.Context, c *diameter.Conn, req *diam.Message) *diam.Message {
		local := Peer{Host: c.LocalHost(), Realm: c.LocalRealm()}
		if req.Header.CommandCode != CommandCancelLocation {
			return c.ErrorAnswer(req, diameter.ResultCommandUnsupported, nil)
		}
		r, err := ParseCLR(req)
		if err != nil {
			observe(ctx, n, CommandCancelLocation, err)
			return reject(c, req, local, err, func(res Result) (*diam.Message, error) {
				return BuildCLA(&CancelLocationAnswer{SessionID: sessionOf(req), Origin: local, Result: res})
			})
		}
		a := n.CancelLocation(ctx, r)
		if a == nil {
			return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
		}
		fillAnswer(&a.SessionID, &a.Origin, r.SessionID, local)
		m, err := BuildCLA(a)
		return mustBuild(c, req, m, err)
	}
}

func rejectULA(c *diameter.Conn, req *diam.Message, local Peer, err error) *diam.Message {
	return reject(c, req, local, err, func(res Result) (*diam.Message, error) {
		return BuildULA(&UpdateLocationAnswer{SessionID: sessionOf(req), Origin: local, Result: res})
	})
}

// reject answers a request that did not parse: with the AVP error's
// result and Failed-AVP, or DIAMETER_UNABLE_TO_COMPLY.
func reject(c *diameter.Conn, req *diam.Message, local Peer, err error, build func(Result) (*diam.Message, error)) *diam.Message {
	var ae *AVPError
	if !errors.As(err, &ae) {
		return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
	}
	m, berr := build(ae.Result)
	if berr != nil {
		return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
	}
	m.AddAVP(ae.FailedAVP())
	return m
}

func mustBuild(c *diameter.Conn, req *diam.Message, m *diam.Message, err error) *diam.Message {
	if err != nil {
		return c.ErrorAnswer(req, diameter.ResultUnableToComply, nil)
	}
	return m
}

func fillAnswer(sid *string, origin *Peer, reqSID string, local Peer) {
	if *sid == "" {
		*sid = reqSID
	}
	if origin.Host == "" {
		*origin = local
	}
}

func sessionOf(m *diam.Message) string {
	for _, a := range m.AVP {
		if a.Code == 263 {
			s, _ := asString(a)
			return s
		}
	}
	return ""
}

// Client sends S6a requests over one Diameter connection: a serving node
// to the HLR (ULR, PUR), or the HLR to a serving node (CLR).
type Client struct {
	conn   *diameter.Conn
	boot   uint32
	serial atomic.Uint32
}

// NewClient sends requests over c.
func NewClient(c *diameter.Conn) *Client {
	return &Client{conn: c, boot: uint32(time.Now().Unix())}
}

// Dial connects to an HLR as a serving node; node answers the HLR's
// Cancel Location requests (nil: they are answered
// DIAMETER_COMMAND_UNSUPPORTED).
func Dial(ctx context.Context, network, addr string, cfg diameter.Config, node ServingNode) (*Client, error) {
	var h diameter.Handler
	if node != nil {
		h = NodeHandler(node)
	}
	c, err := diameter.Dial(ctx, network, addr, cfg, h)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// Conn is the underlying connection.
func (c *Client) Conn() *diameter.Conn { return c.conn }

// Close disconnects (DPR/DPA).
func (c *Client) Close() error { return c.conn.Close() }

// NewSessionID makes a Session-Id as RFC 6733 8.8 suggests:
// "<Origin-Host>;<boot time>;<serial>".
func (c *Client) NewSessionID() string {
	b := make([]byte, 0, len(c.conn.LocalHost())+24)
	b = append(b, c.conn.LocalHost()...)
	b = append(b, ';')
	b = strconv.AppendUint(b, uint64(c.boot), 10)
	b = append(b, ';')
	b = strconv.AppendUint(b, uint64(c.serial.Add(1)), 10)
	return string(b)
}

func (c *Client) fill(sid *string, origin *Peer, destRealm *string) {
	if *sid == "" {
		*sid = c.NewSessionID()
	}
	if origin.Host == "" {
		*origin = Peer{Host: c.conn.LocalHost(), Realm: c.conn.LocalRealm()}
	}
	if *destRealm == "" {
		*destRealm = c.conn.PeerRealm()
	}
}

// UpdateLocation sends a ULR and reads the ULA. Empty SessionID, Origin
// and DestinationRealm are filled in from the connection.
func (c *Client) UpdateLocation(ctx context.Context, r *UpdateLocationRequest) (*UpdateLocationAnswer, error) {
	req := *r
	c.fill(&req.SessionID, &req.Origin, &req.DestinationRealm)
	// The request written as bytes (AppendULR) and the answer read in place
	// (ParseULAFrame): building the one and decoding the other from the
	// library's objects were a sixth of a serving node's time.
	b, err := AppendULR(make([]byte, 0, 320), &req)
	if err != nil {
		return nil, err
	}
	ans, err := c.conn.RequestBytes(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("s6a: ULR %s: %w", req.IMSI, err)
	}
	return ParseULAFrame(ans)
}

// PurgeUE sends a PUR and reads the PUA.
func (c *Client) PurgeUE(ctx context.Context, r *PurgeUERequest) (*PurgeUEAnswer, error) {
	req := *r
	c.fill(&req.SessionID, &req.Origin, &req.DestinationRealm)
	m, err := BuildPUR(&req)
	if err != nil {
		return nil, err
	}
	ans, err := c.conn.Request(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("s6a: PUR %s: %w", req.IMSI, err)
	}
	return ParsePUA(ans)
}

// CancelLocation sends a CLR (the HLR to a serving node) and reads the CLA.
// An empty DestinationHost is the connection's peer.
func (c *Client) CancelLocation(ctx context.Context, r *CancelLocationRequest) (*CancelLocationAnswer, error) {
	req := *r
	c.fill(&req.SessionID, &req.Origin, &req.DestinationRealm)
	if req.DestinationHost == "" {
		req.DestinationHost = c.conn.PeerHost()
	}
	m, err := BuildCLR(&req)
	if err != nil {
		return nil, err
	}
	ans, err := c.conn.Request(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("s6a: CLR %s: %w", req.IMSI, err)
	}
	return ParseCLA(ans)
}
