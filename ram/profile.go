package ram

import (
	"context"
	"errors"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"

	"github.com/respond-sec/respond/cloud"
)

// Profile is what a key's owner holds besides the key: the blast radius an
// incident report has to state. Each part is read independently; a part
// that could not be read says why in Unreadable rather than failing all.
type Profile struct {
	KeyLastUsed  string            `json:"key_last_used,omitempty"`
	LoginProfile *LoginProfile     `json:"login_profile,omitempty"`
	Groups       []string          `json:"groups"`
	Policies     []PolicyRef       `json:"policies"`
	Unreadable   map[string]string `json:"unreadable,omitempty"` // part → error
}

// LoginProfile says the owner can sign in to the console.
type LoginProfile struct {
	CreateDate            string `json:"create_date"`
	PasswordResetRequired bool   `json:"password_reset_required"`
	MFABindRequired       bool   `json:"mfa_bind_required"`
}

// PolicyRef names an attached policy.
type PolicyRef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// OwnerProfile reads the owner's groups, policies, login profile and, when
// keyID is set, the key's last use, all at once.
func (s *Service) OwnerProfile(ctx context.Context, user, keyID string) *Profile {
	p := &Profile{Groups: []string{}, Policies: []PolicyRef{}}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	read := func(part string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fn()
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if p.Unreadable == nil {
				p.Unreadable = map[string]string{}
			}
			p.Unreadable[part] = err.Error()
		}()
	}

	if keyID != "" {
		read("key_last_used", func() error {
			v, err := s.KeyLastUsed(ctx, user, keyID)
			p.KeyLastUsed = v
			return err
		})
	}
	read("login_profile", func() error {
		v, err := s.loginProfile(ctx, user)
		p.LoginProfile = v
		return err
	})
	read("groups", func() error {
		v, err := s.groups(ctx, user)
		if v != nil {
			p.Groups = v
		}
		return err
	})
	read("policies", func() error {
		v, err := s.userPolicies(ctx, user)
		if v != nil {
			p.Policies = v
		}
		return err
	})
	wg.Wait()
	return p
}

// KeyLastUsed returns when a user's key was last used, as RAM reports it.
func (s *Service) KeyLastUsed(ctx context.Context, user, keyID string) (string, error) {
	req := ram.CreateGetAccessKeyLastUsedRequest()
	req.UserName = user
	req.UserAccessKeyId = keyID
	var resp *ram.GetAccessKeyLastUsedResponse
	err := s.c.RAM(ctx, "GetAccessKeyLastUsed", func(cl *ram.Client) (err error) {
		resp, err = cl.GetAccessKeyLastUsed(req)
		return err
	})
	if err != nil {
		return "", err
	}
	return resp.AccessKeyLastUsed.LastUsedDate, nil
}

func (s *Service) loginProfile(ctx context.Context, user string) (*LoginProfile, error) {
	req := ram.CreateGetLoginProfileRequest()
	req.UserName = user
	var resp *ram.GetLoginProfileResponse
	err := s.c.RAM(ctx, "GetLoginProfile", func(cl *ram.Client) (err error) {
		resp, err = cl.GetLoginProfile(req)
		return err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil // no console access: the answer, not a failure
	}
	if err != nil {
		return nil, err
	}
	lp := resp.LoginProfile
	return &LoginProfile{CreateDate: lp.CreateDate,
		PasswordResetRequired: lp.PasswordResetRequired,
		MFABindRequired:       lp.MFABindRequired}, nil
}

func (s *Service) groups(ctx context.Context, user string) ([]string, error) {
	req := ram.CreateListGroupsForUserRequest()
	req.UserName = user
	var resp *ram.ListGroupsForUserResponse
	err := s.c.RAM(ctx, "ListGroupsForUser", func(cl *ram.Client) (err error) {
		resp, err = cl.ListGroupsForUser(req)
		return err
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(resp.Groups.Group))
	for _, g := range resp.Groups.Group {
		names = append(names, g.GroupName)
	}
	return names, nil
}

func (s *Service) userPolicies(ctx context.Context, user string) ([]PolicyRef, error) {
	req := ram.CreateListPoliciesForUserRequest()
	req.UserName = user
	var resp *ram.ListPoliciesForUserResponse
	err := s.c.RAM(ctx, "ListPoliciesForUser", func(cl *ram.Client) (err error) {
		resp, err = cl.ListPoliciesForUser(req)
		return err
	})
	if err != nil {
		return nil, err
	}
	refs := make([]PolicyRef, 0, len(resp.Policies.Policy))
	for _, p := range resp.Policies.Policy {
		refs = append(refs, PolicyRef{Name: p.PolicyName, Type: p.PolicyType})
	}
	return refs, nil
}
