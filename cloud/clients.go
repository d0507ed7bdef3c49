package cloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ims"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/rs/zerolog"
)

// DefaultRegion is the region used when none is given.
const DefaultRegion = "cn-hangzhou"

// Options say how to reach the cloud and as whom.
type Options struct {
	Region   string
	Endpoint *Endpoint // nil: the public endpoints over https
	CAFile   string    // extra CA (PEM) to trust, e.g. the emulator's --tls CA

	// Credentials overrides the default chain; only the demo and tests set it.
	Credentials Provider
	Profile     string

	AssumeRoleARN string
	ExternalID    string
	SessionName   string // for --assume-role; default "respond-<unix time>"

	Logger zerolog.Logger
	Clock  func() time.Time
	Retry  *Retry // nil: five tries over about six seconds
}

// Clients sign and send the responder's calls to the four products. The
// classic SDK's clients are not safe for concurrent use (each request
// rewrites the shared http.Client's timeout), so every product keeps a
// small pool and a call borrows a client for its duration.
type Clients struct {
	Region string
	Log    zerolog.Logger
	Clock  func() time.Time

	retry Retry
	base  *pool[*sts.Client] // signed with the base credentials under --assume-role
	ram   *pool[*ram.Client]
	ims   *pool[*ims.Client]
	sts   *pool[*sts.Client]
	trail *pool[*actiontrail.Client]

	// creds are the providers the calls are signed with: the base one and,
	// with --assume-role, the role on top of it.
	creds []Provider
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)

// New builds the clients. It makes no call: a wrong credential shows up at
// the first request, with the cloud's own error code.
func New(o Options) (*Clients, error) {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if !regionPattern.MatchString(o.Region) {
		return nil, fmt.Errorf("region %q is not a region id such as cn-hangzhou", o.Region)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	cfg, err := sdkConfig(o)
	if err != nil {
		return nil, err
	}
	creds, err := credentialChain(o, cfg)
	if err != nil {
		return nil, err
	}

	c := &Clients{Region: o.Region, Log: o.Logger, Clock: o.Clock, creds: creds,
		retry: defaultRetry}
	if o.Retry != nil {
		c.retry = *o.Retry
	}
	signer := sdkBridge{p: creds[len(creds)-1]}
	c.ram = newPool(func() (*ram.Client, error) {
		cl, err := ram.NewClientWithOptions(o.Region, cfg, signer)
		return cl, pointed(cl, err, o)
	})
	c.ims = newPool(func() (*ims.Client, error) {
		cl, err := ims.NewClientWithOptions(o.Region, cfg, signer)
		return cl, pointed(cl, err, o)
	})
	c.sts = stsPool(o, cfg, signer)
	c.trail = newPool(func() (*actiontrail.Client, error) {
		cl, err := actiontrail.NewClientWithOptions(o.Region, cfg, signer)
		return cl, pointed(cl, err, o)
	})
	if len(creds) > 1 {
		c.base = stsPool(o, cfg, sdkBridge{p: creds[0]})
	}
	return c, nil
}

func stsPool(o Options, cfg *sdk.Config, signer sdkBridge) *pool[*sts.Client] {
	return newPool(func() (*sts.Client, error) {
		cl, err := sts.NewClientWithOptions(o.Region, cfg, signer)
		return cl, pointed(cl, err, o)
	})
}

// credentialChain returns the providers to sign with: the base one (the
// default chain, a profile, or the one given) and, with --assume-role, the
// role session on top of it, which the base one renews.
func credentialChain(o Options, cfg *sdk.Config) ([]Provider, error) {
	base := o.Credentials
	if base == nil {
		var err error
		if base, err = chainProvider(o.Profile); err != nil {
			return nil, err
		}
	}
	creds := []Provider{&lockedProvider{p: base}}
	if o.AssumeRoleARN == "" {
		return creds, nil
	}

	stsc, err := stsPool(o, cfg, sdkBridge{p: creds[0]}).get()
	if err != nil {
		return nil, err
	}
	session := o.SessionName
	if session == "" {
		session = fmt.Sprintf("respond-%d", o.Clock().Unix())
	}
	return append(creds, &roleProvider{client: stsc, arn: o.AssumeRoleARN,
		externalID: o.ExternalID, session: session, now: o.Clock}), nil
}

// sdkClient is what every product client embeds.
type sdkClient interface{ GetConfig() *sdk.Config }

// pointed finishes a new product client: it sends the client's calls to
// the endpoint override, if any.
func pointed[T sdkClient](cl T, err error, o Options) error {
	if err != nil {
		return fmt.Errorf("create sdk client: %w", err)
	}
	switch c := any(cl).(type) {
	case *ram.Client:
		point(&c.Client, o)
	case *ims.Client:
		point(&c.Client, o)
	case *sts.Client:
		point(&c.Client, o)
	case *actiontrail.Client:
		point(&c.Client, o)
	}
	return nil
}

func point(c *sdk.Client, o Options) {
	if o.Endpoint != nil {
		c.Domain = o.Endpoint.Host
	}
}

// RAM makes one RAM call with a pooled client; see call for the policy.
func (c *Clients) RAM(ctx context.Context, action string, fn func(*ram.Client) error) error {
	return use(ctx, c, c.ram, "ram", action, fn)
}

// AssumesRole reports whether the calls are signed as a role assumed on top
// of the base credentials (--assume-role).
func (c *Clients) AssumesRole() bool { return c.base != nil }

// BaseSTS makes one STS call signed with the base credentials, the ones
// --assume-role starts from. It is for telling who those belong to.
func (c *Clients) BaseSTS(ctx context.Context, action string,
	fn func(*sts.Client) error) error {
	if c.base == nil {
		return fmt.Errorf("sts %s with the base credentials: no --assume-role", action)
	}
	return use(ctx, c, c.base, "sts", action, fn)
}

// IMS makes one IMS call with a pooled client.
func (c *Clients) IMS(ctx context.Context, action string, fn func(*ims.Client) error) error {
	return use(ctx, c, c.ims, "ims", action, fn)
}

// STS makes one STS call with a pooled client.
func (c *Clients) STS(ctx context.Context, action string, fn func(*sts.Client) error) error {
	return use(ctx, c, c.sts, "sts", action, fn)
}

// Trail makes one ActionTrail call with a pooled client.
func (c *Clients) Trail(ctx context.Context, action string,
	fn func(*actiontrail.Client) error) error {
	return use(ctx, c, c.trail, "actiontrail", action, fn)
}

func use[T any](ctx context.Context, c *Clients, p *pool[T], service, action string,
	fn func(T) error) error {
	return c.call(ctx, service, action, func() error {
		cl, err := p.get()
		if err != nil {
			return err
		}
		defer p.put(cl)
		return fn(cl)
	})
}

// pool holds idle SDK clients of one product.
type pool[T any] struct {
	idle chan T
	make func() (T, error)
}

// poolSize bounds the idle clients kept; more are made when calls overlap.
const poolSize = 16

func newPool[T any](mk func() (T, error)) *pool[T] {
	return &pool[T]{idle: make(chan T, poolSize), make: mk}
}

// construct serialises making SDK clients: each product package fills a
// package-level endpoint map on first use without a lock of its own.
var construct sync.Mutex

func (p *pool[T]) get() (T, error) {
	select {
	case cl := <-p.idle:
		return cl, nil
	default:
		construct.Lock()
		defer construct.Unlock()
		return p.make()
	}
}

func (p *pool[T]) put(cl T) {
	select {
	case p.idle <- cl:
	default: // enough idle clients already
	}
}

func sdkConfig(o Options) (*sdk.Config, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
	}
	if o.CAFile != "" {
		pool, err := loadCA(o.CAFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
	}

	cfg := sdk.NewConfig()
	cfg.Scheme = "HTTPS"
	if o.Endpoint != nil {
		cfg.Scheme = o.Endpoint.Scheme
	}
	cfg.Transport = &logTransport{next: tr, log: o.Logger}
	cfg.Timeout = 30 * time.Second
	return cfg, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// logTransport logs each API call at debug level. It logs the action and
// the status only: the URL carries the signature and any security token.
type logTransport struct {
	next http.RoundTripper
	log  zerolog.Logger
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	ev := t.log.Debug().
		Str("action", req.Header.Get("x-acs-action")).
		Str("version", req.Header.Get("x-acs-version")).
		Str("host", req.URL.Host).
		Dur("elapsed", time.Since(start))
	if err != nil {
		ev.Str("transport_error", err.Error()).Msg("api call failed")
		return nil, err
	}
	ev.Int("status", resp.StatusCode).Msg("api call")
	return resp, nil
}

// OwnKeyIDs returns the AccessKey ids the responder signs with: its base
// key and, when it assumed a role, the role session's STS key. Acting on
// any of them would cut the responder off mid-incident.
func (c *Clients) OwnKeyIDs() ([]string, error) {
	var ids []string
	for _, p := range c.creds {
		cr, err := p.GetCredentials()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoCredentials, p.GetProviderName(), err)
		}
		ids = append(ids, cr.AccessKeyId)
	}
	return ids, nil
}
