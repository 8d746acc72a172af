package s6a

import (
	"context"
	"testing"
	"time"

	"github.com/core-sim/core-sim/diameter"
	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"go.uber.org/zap/zaptest"
)

type fakeHSS struct{ purged chan *PurgeUERequest }

func (f *fakeHSS) UpdateLocation(ctx context.Context, r *UpdateLocationRequest) *UpdateLocationAnswer {
	if r.IMSI == "001010000000000" {
		return &UpdateLocationAnswer{Result: ErrorUserUnknown, ErrorMessage: "unknown"}
	}
	return &UpdateLocationAnswer{Result: ResultSuccess, Subscription: &SubscriptionData{MSISDN: "4917", GPRS: []PDPContext{{1, PDPTypeIPv4, "em"}}}}
}

func (f *fakeHSS) PurgeUE(ctx context.Context, r *PurgeUERequest) *PurgeUEAnswer {
	f.purged <- r
	return &PurgeUEAnswer{Result: ResultSuccess}
}

type fakeNode struct{ got chan *CancelLocationRequest }

func (f *fakeNode) CancelLocation(ctx context.Context, r *CancelLocationRequest) *CancelLocationAnswer {
	f.got <- r
	return &CancelLocationAnswer{Result: ResultSuccess}
}

func cfg(t *testing.T, host string) diameter.Config {
	return diameter.Config{Host: host, Realm: host + ".realm", Logger: zaptest.NewLogger(t), RequestTimeout: 5 * time.Second}
}

func TestClientAndHandlers(t *testing.T) {
	hss := &fakeHSS{purged: make(chan *PurgeUERequest, 1)}
	srv, err := diameter.Listen("tcp", "127.0.0.1:0", cfg(t, "hss"), ServerHandler(hss))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	node := &fakeNode{got: make(chan *CancelLocationRequest, 1)}
	ctx := context.Background()
	c, err := Dial(ctx, "tcp", srv.Addr().String(), cfg(t, "sgsn"), node)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ula, err := c.UpdateLocation(ctx, &UpdateLocationRequest{IMSI: "262011234567890", RATType: RATUTRAN, VisitedPLMN: PLMN{"262", "01"}})
	if err != nil {
		t.Fatal(err)
	}
	if ula.Result != ResultSuccess || ula.Origin.Host != "hss" || ula.Subscription == nil || ula.Subscription.GPRS[0].APN != "em" {
		t.Errorf("ULA %+v", ula)
	}
	if ula.SessionID == "" || ula.SessionID[:5] != "sgsn;" {
		t.Errorf("session id %q", ula.SessionID)
	}
	ula, err = c.UpdateLocation(ctx, &UpdateLocationRequest{IMSI: "001010000000000", VisitedPLMN: PLMN{"262", "01"}})
	if err != nil || ula.Result != ErrorUserUnknown || ula.ErrorMessage != "unknown" {
		t.Errorf("ULA %+v, %v", ula, err)
	}

	pua, err := c.PurgeUE(ctx, &PurgeUERequest{IMSI: "262011234567890", Flags: PURUEPurgedInSGSN})
	if err != nil || pua.Result != ResultSuccess {
		t.Errorf("PUA %+v, %v", pua, err)
	}
	if p := <-hss.purged; p.Origin.Host != "sgsn" || p.DestinationRealm != "hss.realm" || p.Flags != PURUEPurgedInSGSN {
		t.Errorf("PUR %+v", p)
	}

	// The HSS side sends a CLR over the connection the node opened.
	back := NewClient(srv.Conn("sgsn"))
	cla, err := back.CancelLocation(ctx, &CancelLocationRequest{IMSI: "262011234567890", CancellationType: CancelSGSNUpdateProcedure})
	if err != nil || cla.Result != ResultSuccess || cla.Origin.Host != "sgsn" {
		t.Errorf("CLA %+v, %v", cla, err)
	}
	if r := <-node.got; r.DestinationHost != "sgsn" || r.Origin.Host != "hss" || r.CancellationType != CancelSGSNUpdateProcedure {
		t.Errorf("CLR %+v", r)
	}
}

func TestHandlerRejectsMalformedULR(t *testing.T) {
	srv, err := diameter.Listen("tcp", "127.0.0.1:0", cfg(t, "hss"), ServerHandler(&fakeHSS{}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := Dial(context.Background(), "tcp", srv.Addr().String(), cfg(t, "sgsn"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tt := range []struct {
		name string
		drop uint32
		want Result
	}{{"no User-Name", avp.UserName, ResultMissingAVP}, {"no RAT-Type", avp.RATType, ResultMissingAVP}} {
		t.Run(tt.name, func(t *testing.T) {
			m := ulrWithout(t, tt.drop, nil)
			ans, err := c.Conn().Request(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseULA(ans)
			if err != nil {
				t.Fatal(err)
			}
			if a.Result != tt.want {
				t.Errorf("result %v, want %v", a.Result, tt.want)
			}
			f, err := ans.FindAVP(avp.FailedAVP, 0)
			if err != nil || f.Data.(*diam.GroupedAVP).AVP[0].Code != tt.drop {
				t.Errorf("Failed-AVP %v, %v", f, err)
			}
			if ans.Header.CommandFlags&diam.ErrorFlag != 0 {
				t.Error("E bit set on a 5xxx answer")
			}
		})
	}
}
