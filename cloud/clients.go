package cloud

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
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
}

// Clients are the SDK clients of the four products, all signed with the
// responder's credentials and sent to the same place.
type Clients struct {
	RAM    *ram.Client
	IMS    *ims.Client
	STS    *sts.Client
	Trail  *actiontrail.Client
	Region string

	Log   zerolog.Logger
	Clock func() time.Time
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

	base := o.Credentials
	if base == nil {
		if base, err = chainProvider(o.Profile); err != nil {
			return nil, err
		}
	}
	c, err := build(o, cfg, base)
	if err != nil || o.AssumeRoleARN == "" {
		return c, err
	}

	session := o.SessionName
	if session == "" {
		session = fmt.Sprintf("respond-%d", o.Clock().Unix())
	}
	role := &roleProvider{client: c.STS, arn: o.AssumeRoleARN,
		externalID: o.ExternalID, session: session, now: o.Clock}
	return build(o, cfg, role)
}

func build(o Options, cfg *sdk.Config, p Provider) (*Clients, error) {
	cred := sdkBridge{p: p}
	c := &Clients{Region: o.Region, Log: o.Logger, Clock: o.Clock}
	var err error
	if c.RAM, err = ram.NewClientWithOptions(o.Region, cfg, cred); err != nil {
		return nil, fmt.Errorf("create ram client: %w", err)
	}
	if c.IMS, err = ims.NewClientWithOptions(o.Region, cfg, cred); err != nil {
		return nil, fmt.Errorf("create ims client: %w", err)
	}
	if c.STS, err = sts.NewClientWithOptions(o.Region, cfg, cred); err != nil {
		return nil, fmt.Errorf("create sts client: %w", err)
	}
	if c.Trail, err = actiontrail.NewClientWithOptions(o.Region, cfg, cred); err != nil {
		return nil, fmt.Errorf("create actiontrail client: %w", err)
	}
	if o.Endpoint != nil {
		for _, cl := range []*sdk.Client{&c.RAM.Client, &c.IMS.Client,
			&c.STS.Client, &c.Trail.Client} {
			cl.Domain = o.Endpoint.Host
		}
	}
	return c, nil
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
