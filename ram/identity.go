package ram

import (
	"context"
	"strings"

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
}

// Identity types as STS names them.
const (
	IdentityAccount = "Account"
	IdentityUser    = "RAMUser"
	IdentityRole    = "AssumedRoleUser"
)

// CallerIdentity asks STS who the responder is.
func (s *Service) CallerIdentity(ctx context.Context) (*Identity, error) {
	keys, err := s.c.OwnKeyIDs()
	if err != nil {
		return nil, err
	}

	var resp *sts.GetCallerIdentityResponse
	err = s.c.STS(ctx, "GetCallerIdentity", func(cl *sts.Client) (err error) {
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
		KeyIDs:      keys,
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
