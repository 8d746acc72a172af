package diameter

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"

	"github.com/core-sim/core-sim/peers"
)

// TestInteropFreeDiameter runs freeDiameterd (apt-get install freediameter)
// as a peer that connects to our server on 127.0.0.1 (it opens no
// listening socket): its CER gets our CEA, we send DWR and get its DWA,
// its own DWR gets our DWA, and our DPR gets its DPA. Skipped when
// freeDiameterd is not installed, unless CORESIM_REQUIRE_PEERS=1.
func TestInteropFreeDiameter(t *testing.T) {
	bin := peers.Require(t, "freeDiameterd")
	if testing.Short() {
		t.Skip("takes about 8 seconds (freeDiameter's minimum watchdog interval is 6s)")
	}
	// freeDiameterd shares two cores with the rest of `go test -race
	// ./...`; the 2 s of testConfig timed out under that load once, so
	// its answers get 10 s here (the test's own waits are longer still).
	cfg := testConfig(t, "hss.test")
	cfg.RequestTimeout = 10 * time.Second
	s := startServer(t, cfg, echo)
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	conf := filepath.Join(dir, "fd.conf")
	// freeDiameter insists on TLS credentials even when No_TLS is used;
	// Port = 0 and SecPort = 0 keep it from listening at all.
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`Identity = "fd.test";
Realm = "test.realm";
Port = 0;
SecPort = 0;
No_SCTP;
No_IPv6;
TcTimer = 1;
TwTimer = 6;
TLS_Cred = %q, %q;
TLS_CA = %q;
ConnectPeer = "hss.test" { ConnectTo = "127.0.0.1"; Port = %s; No_TLS; };
`, cert, key, cert, port)), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", conf)
	out, _ := os.Create(filepath.Join(dir, "fd.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "fd.log"))
			t.Logf("freeDiameterd log:\n%s", b)
		}
	}()

	waitForLong := func(what string, d time.Duration, cond func() bool) {
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitForLong("freeDiameter's CER", 10*time.Second, func() bool { return s.Conn("fd.test") != nil })
	c := s.Conn("fd.test")
	ans, err := c.Request(context.Background(), c.baseRequest(diam.DeviceWatchdog))
	if err != nil {
		t.Fatal(err)
	}
	if rc := resultCode(t, ans); rc != ResultSuccess || ans.Header.CommandCode != diam.DeviceWatchdog {
		t.Errorf("DWA %v", ans)
	}
	waitForLong("freeDiameter's DWR", 15*time.Second, func() bool { return s.Stats().RequestsIn >= 1 && s.Stats().AnswersOut >= 1 })
	before := s.Stats().AnswersIn
	c.Close()
	if got := s.Stats().AnswersIn; got != before+1 {
		t.Errorf("no DPA from freeDiameter (answers in %d -> %d)", before, got)
	}
}

func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fd.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}
