package diameter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/ishidawataru/sctp"
	"go.uber.org/zap"
)

// sctpUnsupported reports an error saying the kernel has no SCTP. The
// sctp package returns the bare errno on Linux (its ErrUnsupported exists
// only on other systems).
func sctpUnsupported(err error) bool {
	return errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT) ||
		errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, errors.ErrUnsupported)
}

// listen opens a listener for network "tcp", "sctp" or "auto" (SCTP where
// the kernel has it, else TCP) and says which transport it chose.
func listen(network, addr string, log *zap.Logger) (net.Listener, string, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		ln, err := net.Listen(network, addr)
		return ln, "tcp", err
	case "sctp":
		ln, err := listenSCTP(addr)
		return ln, "sctp", err
	case "auto", "":
		ln, err := listenSCTP(addr)
		if err == nil {
			log.Info("transport auto: using SCTP", zap.String("addr", addr))
			return ln, "sctp", nil
		}
		if !sctpUnsupported(err) {
			return nil, "", err
		}
		log.Info("transport auto: kernel has no SCTP, using TCP", zap.String("addr", addr), zap.Error(err))
		ln2, err := net.Listen("tcp", addr)
		return ln2, "tcp", err
	}
	return nil, "", fmt.Errorf("diameter: unknown network %q (want tcp, sctp or auto)", network)
}

func listenSCTP(addr string) (net.Listener, error) {
	la, err := sctp.ResolveSCTPAddr("sctp", addr)
	if err != nil {
		return nil, err
	}
	ln, err := sctp.ListenSCTP("sctp", la)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

func dial(ctx context.Context, network, addr string, log *zap.Logger) (net.Conn, string, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		return nc, "tcp", err
	case "sctp":
		nc, err := dialSCTP(addr)
		return nc, "sctp", err
	case "auto", "":
		nc, err := dialSCTP(addr)
		if err == nil {
			log.Debug("transport auto: using SCTP", zap.String("addr", addr))
			return nc, "sctp", nil
		}
		if !sctpUnsupported(err) {
			return nil, "", err
		}
		log.Debug("transport auto: kernel has no SCTP, using TCP", zap.String("addr", addr), zap.Error(err))
		var d net.Dialer
		nc2, err := d.DialContext(ctx, "tcp", addr)
		return nc2, "tcp", err
	}
	return nil, "", fmt.Errorf("diameter: unknown network %q (want tcp, sctp or auto)", network)
}

func dialSCTP(addr string) (net.Conn, error) {
	ra, err := sctp.ResolveSCTPAddr("sctp", addr)
	if err != nil {
		return nil, err
	}
	c, err := sctp.DialSCTP("sctp", nil, ra)
	if err != nil {
		return nil, err
	}
	return c, nil
}
