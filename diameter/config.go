package diameter

import (
	"context"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"go.uber.org/zap"
)

// Base-protocol result codes this package puts in answers (RFC 6733 7.1).
const (
	ResultSuccess                uint32 = 2001 // DIAMETER_SUCCESS, 7.1.2
	ResultCommandUnsupported     uint32 = 3001 // DIAMETER_COMMAND_UNSUPPORTED, 7.1.3
	ResultTooBusy                uint32 = 3004 // DIAMETER_TOO_BUSY, 7.1.3
	ResultApplicationUnsupported uint32 = 3007 // DIAMETER_APPLICATION_UNSUPPORTED, 7.1.3
	ResultInvalidHdrBits         uint32 = 3008 // DIAMETER_INVALID_HDR_BITS, 7.1.3
	ResultInvalidAVPValue        uint32 = 5004 // DIAMETER_INVALID_AVP_VALUE, 7.1.5
	ResultMissingAVP             uint32 = 5005 // DIAMETER_MISSING_AVP, 7.1.5
	ResultNoCommonApplication    uint32 = 5010 // DIAMETER_NO_COMMON_APPLICATION, 7.1.5
	ResultUnableToComply         uint32 = 5012 // DIAMETER_UNABLE_TO_COMPLY, 7.1.5
	ResultInvalidAVPLength       uint32 = 5014 // DIAMETER_INVALID_AVP_LENGTH, 7.1.5
	ResultInvalidMessageLength   uint32 = 5015 // DIAMETER_INVALID_MESSAGE_LENGTH, 7.1.5
	disconnectCauseRebooting     uint32 = 0    // Disconnect-Cause REBOOTING, 5.4.3
	relayApplicationID           uint32 = 0xffffffff
	defaultWatchdogInterval             = 30 * time.Second
	defaultRequestTimeout               = 5 * time.Second
	defaultMaxMessageLength             = 1 << 20
	defaultMaxConcurrentRequests        = 4096
	defaultProductName                  = "core-sim"
	disconnectWait                      = time.Second
	missedWatchdogsBeforeClose          = 2
)

// Application is one Diameter application the node supports and
// advertises in its CER/CEA.
type Application struct {
	ID       uint32 // Auth-Application-Id, e.g. 16777251 for S6a/S6d
	VendorID uint32 // non-zero: also advertised in Vendor-Specific-Application-Id
}

// S6a is the S6a/S6d application (TS 29.272 7.1.8), the default.
var S6a = Application{ID: 16777251, VendorID: 10415}

// Config describes the local node. The zero value of every field but Host
// and Realm has a working default.
type Config struct {
	Host        string // Origin-Host, a DiameterIdentity
	Realm       string // Origin-Realm
	ProductName string // default "core-sim"
	VendorID    uint32 // Vendor-Id of the product; 0 is allowed (IETF)

	// Applications advertised in CER/CEA; default S6a/S6d.
	Applications []Application

	// WatchdogInterval (RFC 3539 Tw): after this long without receiving
	// anything a DWR is sent; after two unanswered DWRs the connection is
	// closed. Default 30s; negative disables the watchdog.
	WatchdogInterval time.Duration
	// RequestTimeout bounds Request when the context has no earlier
	// deadline, and the capabilities exchange. Default 5s.
	RequestTimeout time.Duration
	// MaxMessageLength bounds the Message Length of an incoming header;
	// larger frames close the connection. Default 1 MiB.
	MaxMessageLength int
	// MaxConcurrentRequests bounds incoming requests being handled at once
	// per connection; beyond it requests are answered DIAMETER_TOO_BUSY.
	// Default 4096.
	MaxConcurrentRequests int

	Logger *zap.Logger // nil: no logging

	// FrameHandler, if set, is offered each application request before
	// the Handler (see FrameHandler); the Handler must be set too.
	FrameHandler FrameHandler
}

func (c Config) withDefaults() Config {
	if c.ProductName == "" {
		c.ProductName = defaultProductName
	}
	if len(c.Applications) == 0 {
		c.Applications = []Application{S6a}
	}
	if c.WatchdogInterval == 0 {
		c.WatchdogInterval = defaultWatchdogInterval
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = defaultRequestTimeout
	}
	if c.MaxMessageLength <= 0 || c.MaxMessageLength > 1<<24-1 {
		c.MaxMessageLength = defaultMaxMessageLength
	}
	if c.MaxConcurrentRequests <= 0 {
		c.MaxConcurrentRequests = defaultMaxConcurrentRequests
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

func (c Config) supports(appID uint32) bool {
	if appID == 0 {
		return true
	}
	for _, a := range c.Applications {
		if a.ID == appID {
			return true
		}
	}
	return false
}

// Handler answers one incoming application request. It runs in its own
// goroutine; ctx is cancelled when the connection closes. The answer's
// Hop-by-Hop and End-to-End identifiers are set from the request by the
// caller, so a handler may build the answer from scratch. Returning nil
// sends no answer.
type Handler func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message

// FrameHandler answers an incoming application request from its bytes,
// before the library decodes it (Config.FrameHandler): a request it can
// read in place and answer as bytes costs none of the library's objects.
// frame is the whole request, checked as a decoded one is (header bits, a
// command of the dictionary, every AVP's length and nesting), and the
// handler's own. It returns the whole answer (identifiers, command and
// flags are set from the request by the connection; nil sends none), or
// handled false to have the request decoded and given to the Handler, as
// without it: then it must have done nothing with it. It runs in the
// request's own goroutine, like a Handler.
type FrameHandler func(ctx context.Context, c *Conn, frame []byte) (answer []byte, handled bool)
