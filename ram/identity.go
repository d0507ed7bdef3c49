package ram

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/respond-sec/respond/cloud"
)

// Service acts on RAM, IMS and STS through the responder's clients.
type Service struct {
	c *cloud.Clients
}

// New returns a Service over c.
func New(c *cloud.Clients) *Service { return &Service{c: c} }

// Identity is who the responder is, as STS GetCallerIdentity says.
type Identity struct {
	Type        string `json:"type"` // Account, RAMUser or AssumedRoleUser
	AccountID   string `json:"account_id"`
	PrincipalID string `json:"principal_id"`
	UserID      string `json:"user_id,omitempty"`
	RoleID      string `json:"role_id,omitempty"`
	Arn         string `json:"arn"`

	// UserName is set for a RAM user, RoleName and SessionName for an
	// assumed role; both are read from the ARN.
	UserName    string `json:"user_name,omitempty"`
	RoleName    string `json:"role_name,omitempty"`
	SessionName string `json:"session_name,omitempty"`

	// KeyIDs are the AccessKey ids the responder signs with.
	KeyIDs []string `json:"key_ids"`

	// Base is who the base credentials belong to, under --assume-role.
	Base *Identity `json:"base,omitempty"`
}

// Identity types as STS names them.
const (
	IdentityAccount = "Account"
	IdentityUser    = "RAMUser"
	IdentityRole    = "AssumedRoleUser"
)

// CallerIdentity asks STS who the responder is. Under --assume-role it
// also asks who the base credentials belong to, at the same time: a key of
// that user is as much the responder's own as the role's.
func (s *Service) CallerIdentity(ctx context.Context) (*Identity, error) {
	keys, err := s.c.OwnKeyIDs()
	if err != nil {
		return nil, err
	}

	var (
		wg      sync.WaitGroup
		base    *Identity
		baseErr error
	)
	if s.c.AssumesRole() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base, baseErr = s.identity(ctx, s.c.BaseSTS)
		}()
	}
	id, err := s.identity(ctx, s.c.STS)
	wg.Wait()
	if err := errors.Join(err, baseErr); err != nil {
		return nil, err
	}
	id.KeyIDs, id.Base = keys, base
	return id, nil
}

// stsCall is Clients.STS or Clients.BaseSTS.
type stsCall func(context.Context, string, func(*sts.Client) error) error

func (s *Service) identity(ctx context.Context, call stsCall) (*Identity, error) {
	var resp *sts.GetCallerIdentityResponse
	err := call(ctx, "GetCallerIdentity", func(cl *sts.Client) (err error) {
		resp, err = cl.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		return err
	})
	if err != nil {
		return nil, err
	}

	id := &Identity{
		Type:        resp.IdentityType,
		AccountID:   resp.AccountId,
		PrincipalID: resp.PrincipalId,
		UserID:      resp.UserId,
		RoleID:      resp.RoleId,
		Arn:         resp.Arn,
	}
	resource := resp.Arn[strings.LastIndex(resp.Arn, ":")+1:]
	switch parts := strings.Split(resource, "/"); {
	case parts[0] == "user" && len(parts) == 2:
		id.UserName = parts[1]
	case parts[0] == "assumed-role" && len(parts) == 3:
		id.RoleName, id.SessionName = parts[1], parts[2]
	}
	return id, nil
}
