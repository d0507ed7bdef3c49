package cloud

import (
	"errors"
	"fmt"
	"sync"
	"time"

	sdkcreds "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// Provider yields the responder's credentials; credentials-go's providers
// satisfy it.
type Provider = providers.CredentialsProvider

// StaticProvider returns fixed AccessKey credentials, for the demo and for
// tests that hold an emulator key. Production runs use the default chain.
func StaticProvider(id string, secret Secret) Provider {
	return staticProvider{id: id, secret: secret}
}

type staticProvider struct {
	id     string
	secret Secret
}

func (p staticProvider) GetCredentials() (*providers.Credentials, error) {
	return &providers.Credentials{
		AccessKeyId:     p.id,
		AccessKeySecret: p.secret.Reveal(),
		ProviderName:    "static",
	}, nil
}

func (p staticProvider) GetProviderName() string { return "static" }

// chainProvider picks the responder's credentials the way the Alibaba CLI
// and SDKs do: with a profile name, that profile (CLI config first, then the
// credentials ini file); without one, credentials-go's default chain (env,
// OIDC/RRSA, CLI profile, ini file, ECS RAM role).
func chainProvider(profile string) (Provider, error) {
	if profile == "" {
		return providers.NewDefaultCredentialsProvider(), nil
	}
	cli, cliErr := providers.NewCLIProfileCredentialsProviderBuilder().
		WithProfileName(profile).Build()
	if cliErr == nil {
		return cli, nil
	}
	ini, iniErr := providers.NewProfileCredentialsProviderBuilder().
		WithProfileName(profile).Build()
	if iniErr == nil {
		return ini, nil
	}
	return nil, fmt.Errorf("load profile %q: %w", profile, errors.Join(cliErr, iniErr))
}

// lockedProvider serialises a provider: credentials-go's default chain
// remembers which link answered last without a lock of its own.
type lockedProvider struct {
	mu sync.Mutex
	p  Provider
}

func (l *lockedProvider) GetCredentials() (*providers.Credentials, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p.GetCredentials()
}

func (l *lockedProvider) GetProviderName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p.GetProviderName()
}

// sdkBridge hands credentials-go credentials to the classic SDK, which
// asks for them before every request, so rotation and refresh just work.
type sdkBridge struct{ p Provider }

func (b sdkBridge) GetCredentials() (*sdkcreds.Credentials, error) {
	c, err := b.p.GetCredentials()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoCredentials, b.p.GetProviderName(), err)
	}
	return &sdkcreds.Credentials{
		AccessKeyId:     c.AccessKeyId,
		AccessKeySecret: c.AccessKeySecret,
		SecurityToken:   c.SecurityToken,
		ProviderName:    c.ProviderName,
	}, nil
}

func (b sdkBridge) GetProviderName() string { return b.p.GetProviderName() }

// refreshMargin is how long before expiry assumed-role credentials are
// renewed, so no call is signed with a token about to lapse.
const refreshMargin = 3 * time.Minute

// roleProvider assumes a role with the base credentials through the same
// SDK client setup as every other call, so --assume-role works against an
// endpoint override too (credentials-go's own provider insists on https).
type roleProvider struct {
	client     *sts.Client
	arn        string
	externalID string
	session    string
	now        func() time.Time

	mu      sync.Mutex
	cached  *providers.Credentials
	expires time.Time
}

func (p *roleProvider) GetProviderName() string { return "assume_role" }

func (p *roleProvider) GetCredentials() (*providers.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cached != nil && p.now().Add(refreshMargin).Before(p.expires) {
		return p.cached, nil
	}

	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = p.arn
	req.RoleSessionName = p.session
	req.ExternalId = p.externalID
	req.DurationSeconds = requests.NewInteger(3600)
	resp, err := p.client.AssumeRole(req)
	if err != nil {
		return nil, fmt.Errorf("assume role %s: %w", p.arn, fromSDK("sts", "AssumeRole", err))
	}

	exp, err := time.Parse("2006-01-02T15:04:05Z", resp.Credentials.Expiration)
	if err != nil {
		return nil, fmt.Errorf("assume role %s: expiration %q: %w",
			p.arn, resp.Credentials.Expiration, err)
	}
	p.cached = &providers.Credentials{
		AccessKeyId:     resp.Credentials.AccessKeyId,
		AccessKeySecret: resp.Credentials.AccessKeySecret,
		SecurityToken:   resp.Credentials.SecurityToken,
		ProviderName:    "assume_role",
	}
	p.expires = exp
	return p.cached, nil
}
