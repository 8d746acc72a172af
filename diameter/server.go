package diameter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Server accepts Diameter connections and serves each with the Handler.
type Server struct {
	cfg       Config
	h         Handler
	log       *zap.Logger
	ln        net.Listener
	transport string
	stats     counters
	ctx       context.Context
	cancel    context.CancelFunc

	mu     sync.Mutex
	conns  map[*Conn]struct{}
	byHost map[string]*Conn
	closed bool
	wg     sync.WaitGroup
}

// Listen listens on addr with network "tcp", "sctp" or "auto" and serves
// every connection that completes a capabilities exchange with h.
func Listen(network, addr string, cfg Config, h Handler) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Host == "" || cfg.Realm == "" {
		return nil, errors.New("diameter: Config needs Host and Realm")
	}
	ln, transport, err := listen(network, addr, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("diameter: listen %s %s: %w", network, addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, h: h, log: cfg.Logger, ln: ln, transport: transport, ctx: ctx, cancel: cancel,
		conns: make(map[*Conn]struct{}), byHost: make(map[string]*Conn),
	}
	s.log.Info("diameter server listening", zap.String("addr", ln.Addr().String()), zap.String("transport", transport))
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Transport is "tcp" or "sctp".
func (s *Server) Transport() string { return s.transport }

// Stats sums the counters of all connections the server accepted.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Conn finds the open connection of the peer whose CER carried this
// Origin-Host; nil if it is not connected.
func (s *Server) Conn(peerHost string) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byHost[peerHost]
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			s.log.Warn("accept", zap.Error(err))
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		s.stats.accepted.Add(1)
		c := newConn(s.ctx, nc, s.transport, s.cfg, s.h, &s.stats)
		c.server = s
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.stats.active.Add(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			cer, err := c.serverHandshake()
			if err != nil {
				c.log.Warn("capabilities exchange failed", zap.Error(err))
				c.shutdown(err)
				return
			}
			s.stats.established.Add(1)
			s.mu.Lock()
			select {
			case <-c.done: // closed meanwhile: remove has run or will find nothing
			default:
				if old := s.byHost[c.peerHost]; old != nil {
					c.log.Info("peer reconnected, replacing its previous connection", zap.String("peer", c.peerHost))
				}
				s.byHost[c.peerHost] = c
			}
			s.mu.Unlock()
			// Registered before the CEA leaves, so that Conn finds the peer
			// as soon as the peer knows it is connected.
			if err := c.send(c.capabilities(cer, ResultSuccess), true); err != nil {
				return
			}
			c.log.Debug("peer connected", zap.String("peer", c.peerHost), zap.String("realm", c.peerRealm))
			c.start()
			c.loops.Wait()
		}()
	}
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if c.established.Load() && s.byHost[c.peerHost] == c {
		delete(s.byHost, c.peerHost)
	}
	s.stats.active.Add(-1)
}

// Close stops accepting, disconnects every peer (DPR, short wait for the
// DPA) and waits for the connections' loops to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !c.established.Load() { // still in the capabilities exchange
				c.shutdown(ErrClosed)
				return
			}
			c.Close()
		}()
	}
	wg.Wait()
	s.cancel()
	s.wg.Wait()
	return err
}

// Dial connects to a peer with network "tcp", "sctp" or "auto", performs
// the capabilities exchange and serves the peer's requests with h (nil:
// the peer's application requests are answered DIAMETER_COMMAND_UNSUPPORTED).
func Dial(ctx context.Context, network, addr string, cfg Config, h Handler) (*Conn, error) {
	cfg = cfg.withDefaults()
	if cfg.Host == "" || cfg.Realm == "" {
		return nil, errors.New("diameter: Config needs Host and Realm")
	}
	nc, transport, err := dial(ctx, network, addr, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("diameter: dial %s %s: %w", network, addr, err)
	}
	stats := new(counters)
	c := newConn(context.Background(), nc, transport, cfg, h, stats)
	if err := c.clientHandshake(ctx); err != nil {
		c.shutdown(err)
		return nil, fmt.Errorf("diameter: %s: %w", addr, err)
	}
	stats.established.Add(1)
	stats.active.Add(1)
	context.AfterFunc(c.ctx, func() { stats.active.Add(-1) })
	c.log.Debug("connected to peer", zap.String("peer", c.peerHost), zap.String("realm", c.peerRealm))
	c.start()
	return c, nil
}
