package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Options configure a running emulator.
type Options struct {
	// Addr is the listen address; "" means 127.0.0.1 on a free port.
	Addr string

	// Scenario seeds the world; ScenarioFile names a JSON scenario to load
	// when Scenario is nil. With neither, the world holds one account with
	// an administrator. A StateFile that exists wins over both.
	Scenario     *Scenario
	ScenarioFile string

	// StateFile is loaded on start when it exists and written on Close.
	StateFile string

	// TLS serves HTTPS with a self-signed CA written next to the state
	// file (or in a temporary directory); Instance.CAFile names it.
	TLS bool

	// TrailDelay is how long events take to become visible.
	TrailDelay time.Duration

	// Clock is the emulated clock's base (time.Now when nil); the admin
	// API can move the emulated clock forward from it.
	Clock func() time.Time

	Logger zerolog.Logger

	// Seed makes fault decisions repeatable (0: random).
	Seed int64
}

// Instance is a running emulator.
type Instance struct {
	// Endpoint is host:port, what an SDK client takes as its domain.
	Endpoint        string
	AccountID       string
	AccessKeyID     string
	AccessKeySecret string
	CAFile          string // PEM of the CA when serving TLS

	World *World

	front     *server
	srv       *http.Server
	stateFile string
	tempDir   string // holds the CA file when there is no state file
	served    chan error
	closeOnce sync.Once
	closeErr  error
}

// ReadyLine is what `respond sim serve` prints, as one JSON line, once the
// emulator listens.
type ReadyLine struct {
	Endpoint        string `json:"endpoint"`
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	CAFile          string `json:"ca_file,omitempty"`
}

// Start builds the world, listens and serves in a goroutine until Close.
func Start(ctx context.Context, o Options) (*Instance, error) {
	clock := &simClock{base: o.Clock}
	if clock.base == nil {
		clock.base = time.Now
	}
	w, adm, err := buildWorld(o, clock)
	if err != nil {
		return nil, err
	}
	if err := configureWorld(w, o); err != nil {
		return nil, err
	}

	inst := &Instance{
		AccountID: adm.AccountID, AccessKeyID: adm.ID, AccessKeySecret: adm.Secret,
		World: w, stateFile: o.StateFile, served: make(chan error, 1),
	}
	inst.front = newServer(w, clock, o.Logger, allEndpoints())
	ln, err := inst.listen(ctx, o)
	if err != nil {
		inst.removeTemp()
		return nil, err
	}
	inst.Endpoint = ln.Addr().String()
	inst.srv = &http.Server{
		Handler:           inst.front,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(debugWriter{o.Logger}, "", 0),
	}
	go func() { inst.served <- inst.srv.Serve(ln) }()
	o.Logger.Info().Str("endpoint", inst.Endpoint).Bool("tls", o.TLS).Msg("sim listening")
	return inst, nil
}

// buildWorld loads the state file when it exists, else applies the
// scenario. It returns the administrator's key.
func buildWorld(o Options, clock *simClock) (*World, *AccessKey, error) {
	w := NewWorld(clock.Now)
	if o.StateFile != "" {
		adm, err := loadState(w, o.StateFile)
		switch {
		case err == nil:
			return w, adm, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, nil, err
		}
	}
	sc, err := chooseScenario(o, clock.Now())
	if err != nil {
		return nil, nil, err
	}
	adm, err := sc.Apply(w)
	if err != nil {
		return nil, nil, fmt.Errorf("apply scenario: %w", err)
	}
	return w, adm, nil
}

func chooseScenario(o Options, now time.Time) (*Scenario, error) {
	switch {
	case o.Scenario != nil:
		return o.Scenario, nil
	case o.ScenarioFile != "":
		return LoadScenario(o.ScenarioFile)
	}
	return &Scenario{Accounts: []ScenarioAccount{{}}}, nil
}

func configureWorld(w *World, o Options) error {
	w.Trail.SetDelay(o.TrailDelay)
	if o.Seed != 0 {
		cfg := w.Faults.Config()
		cfg.Seed = o.Seed
		if err := w.Faults.Set(cfg); err != nil {
			return fmt.Errorf("seed faults: %w", err)
		}
	}
	return nil
}

func (i *Instance) listen(ctx context.Context, o Options) (net.Listener, error) {
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if !o.TLS {
		return ln, nil
	}
	i.front.scheme = "https"
	tl, err := i.tlsListener(ln, o.StateFile)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return tl, nil
}

// Ready returns the ready line.
func (i *Instance) Ready() ReadyLine {
	return ReadyLine{Endpoint: i.Endpoint, AccountID: i.AccountID,
		AccessKeyID: i.AccessKeyID, AccessKeySecret: i.AccessKeySecret, CAFile: i.CAFile}
}

// URL is the base URL of the emulator.
func (i *Instance) URL() string {
	return i.front.scheme + "://" + i.Endpoint
}

// Calls returns the call log.
func (i *Instance) Calls() []CallRecord { return i.front.calls.list() }

// ClearCalls empties the call log.
func (i *Instance) ClearCalls() { i.front.calls.clear() }

// Now is the emulated time.
func (i *Instance) Now() time.Time { return i.front.clock.Now() }

// AdvanceClock moves the emulated clock forward.
func (i *Instance) AdvanceClock(d time.Duration) error { return i.front.clock.Advance(d) }

// Close stops serving (waiting for calls in flight until ctx ends) and
// saves the state file. It is safe to call more than once.
func (i *Instance) Close(ctx context.Context) error {
	i.closeOnce.Do(func() { i.closeErr = i.close(ctx) })
	return i.closeErr
}

// shutdownGrace is how long Close waits for calls in flight.
const shutdownGrace = 500 * time.Millisecond

func (i *Instance) close(ctx context.Context) error {
	var errs []error
	// Calls in flight get a moment to finish. Connections a client dialled
	// but never used would hold Shutdown for five seconds, so whatever is
	// left after the grace period is closed.
	grace, cancel := context.WithTimeout(ctx, shutdownGrace)
	defer cancel()
	if err := i.srv.Shutdown(grace); err != nil {
		if cerr := i.srv.Close(); cerr != nil {
			errs = append(errs, fmt.Errorf("close sim server: %w", cerr))
		}
	}
	if err := <-i.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("sim server: %w", err))
	}
	if i.stateFile != "" {
		if err := saveState(i.World, i.stateFile, i.AccessKeyID); err != nil {
			errs = append(errs, err)
		}
	}
	i.removeTemp()
	return errors.Join(errs...)
}

func (i *Instance) removeTemp() {
	if i.tempDir != "" {
		_ = os.RemoveAll(i.tempDir)
	}
}

// allEndpoints is the routing table: every product's actions.
func allEndpoints() []Endpoint {
	var eps []Endpoint
	eps = append(eps, ramEndpoints()...)
	eps = append(eps, imsEndpoints()...)
	eps = append(eps, stsEndpoints()...)
	eps = append(eps, trailEndpoints()...)
	return eps
}

// simClock is the emulated clock: a base clock plus an offset that only
// grows.
type simClock struct {
	base   func() time.Time
	offset atomic.Int64
}

func (c *simClock) Now() time.Time {
	return c.base().Add(time.Duration(c.offset.Load()))
}

func (c *simClock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Advance moves the clock forward by d.
func (c *simClock) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance clock by %s: the clock only moves forward", d)
	}
	c.offset.Add(int64(d))
	return nil
}

// debugWriter sends the HTTP server's own messages to the logger.
type debugWriter struct{ log zerolog.Logger }

func (d debugWriter) Write(p []byte) (int, error) {
	d.log.Debug().Str("detail", string(p)).Msg("sim http server")
	return len(p), nil
}

// tlsListener wraps ln in TLS with a fresh CA and server certificate for
// 127.0.0.1, ::1 and localhost. The CA goes next to the state file, or in
// a temporary directory removed on Close.
func (i *Instance) tlsListener(ln net.Listener, stateFile string) (net.Listener, error) {
	caPEM, cert, err := newCertificates(time.Now())
	if err != nil {
		return nil, fmt.Errorf("make TLS certificates: %w", err)
	}
	path := stateFile + ".ca.pem"
	if stateFile == "" {
		if i.tempDir, err = os.MkdirTemp("", "respond-sim-"); err != nil {
			return nil, fmt.Errorf("make CA directory: %w", err)
		}
		path = filepath.Join(i.tempDir, "ca.pem")
	}
	if err := os.WriteFile(path, caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA file: %w", err)
	}
	i.CAFile = path
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return tls.NewListener(ln, cfg), nil
}

// newCertificates makes a self-signed CA and a server certificate it
// signs, valid for a year.
func newCertificates(now time.Time) ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "respond sim CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	cert := tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: srvKey}
	return caPEM, cert, nil
}
