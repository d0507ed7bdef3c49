package ram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ims"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"

	"github.com/respond-sec/respond/cloud"
)

// Owner kinds.
const (
	OwnerUser = "ram-user"
	OwnerRoot = "root-account"
)

// Key statuses as RAM spells them.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// Owner is who an AccessKey belongs to.
type Owner struct {
	KeyID             string `json:"key_id"`
	Kind              string `json:"kind"`
	AccountID         string `json:"account_id,omitempty"`
	UserName          string `json:"user_name,omitempty"`
	UserID            string `json:"user_id,omitempty"`
	UserPrincipalName string `json:"user_principal_name,omitempty"`
	DisplayName       string `json:"display_name,omitempty"`
	FoundBy           string `json:"found_by"` // the call that answered
}

// KeyNotFoundError says an id matched no key the responder can see.
type KeyNotFoundError struct {
	KeyID string
}

func (e *KeyNotFoundError) Error() string {
	return fmt.Sprintf("access key %s was not found in this account: the id is "+
		"unknown, belongs to another Alibaba Cloud account, or was already deleted",
		cloud.MaskKeyID(e.KeyID))
}

// FindKeyOwner finds the owner of keyID with one IMS call. When IMS is
// denied, it falls back to listing every user's keys through RAM; when IMS
// knows no user with that key, ActionTrail tells a root key from none.
func (s *Service) FindKeyOwner(ctx context.Context, keyID string) (*Owner, error) {
	req := ims.CreateGetUserRequest()
	req.UserAccessKeyId = keyID
	var resp *ims.GetUserResponse
	err := s.c.IMS(ctx, "GetUser", func(cl *ims.Client) (err error) {
		resp, err = cl.GetUser(req)
		return err
	})
	switch {
	case err == nil:
		return &Owner{
			KeyID:             keyID,
			Kind:              OwnerUser,
			UserName:          userName(resp.User.UserPrincipalName),
			UserID:            resp.User.UserId,
			UserPrincipalName: resp.User.UserPrincipalName,
			DisplayName:       resp.User.DisplayName,
			FoundBy:           "ims:GetUser",
		}, nil
	case errors.Is(err, cloud.ErrDenied):
		s.c.Log.Warn().Err(err).Msg("ims GetUser denied, scanning ram users instead")
		return s.scanUsers(ctx, keyID)
	case errors.Is(err, cloud.ErrNotFound):
		return s.rootOrNothing(ctx, keyID)
	}
	return nil, fmt.Errorf("find owner of access key %s: %w", cloud.MaskKeyID(keyID), err)
}

// userName is the RAM user name inside a UserPrincipalName
// (<name>@<alias>.onaliyun.com); IMS answers with the latter only.
func userName(upn string) string {
	name, _, _ := strings.Cut(upn, "@")
	return name
}

// rootOrNothing tells a root key (which IMS does not know) from an id that
// matches nothing.
func (s *Service) rootOrNothing(ctx context.Context, keyID string) (*Owner, error) {
	req := actiontrail.CreateGetAccessKeyLastUsedInfoRequest()
	req.AccessKey = keyID
	var resp *actiontrail.GetAccessKeyLastUsedInfoResponse
	err := s.c.Trail(ctx, "GetAccessKeyLastUsedInfo", func(cl *actiontrail.Client) (err error) {
		resp, err = cl.GetAccessKeyLastUsedInfo(req)
		return err
	})
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return nil, &KeyNotFoundError{KeyID: keyID}
	case err != nil:
		// Denied or unreachable: a root key would pass for an unknown one.
		return nil, fmt.Errorf("tell a root key %s from an unknown one: %w",
			cloud.MaskKeyID(keyID), err)
	case resp.AccountType == OwnerRoot:
		return &Owner{KeyID: keyID, Kind: OwnerRoot, AccountID: resp.AccountId,
			FoundBy: "actiontrail:GetAccessKeyLastUsedInfo"}, nil
	}
	return nil, &KeyNotFoundError{KeyID: keyID}
}

// scanUsers lists every RAM user and each one's keys. It is the slow path
// for responders without IMS read access.
func (s *Service) scanUsers(ctx context.Context, keyID string) (*Owner, error) {
	users, err := s.listUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("find owner of access key %s: %w", cloud.MaskKeyID(keyID), err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		found *Owner
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, 8)
	)
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			keys, err := s.ListKeys(ctx, u.UserName)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for _, k := range keys {
				if k.ID == keyID && found == nil {
					found = &Owner{KeyID: keyID, Kind: OwnerUser, UserName: u.UserName,
						UserID: u.UserId, DisplayName: u.DisplayName,
						FoundBy: "ram:ListAccessKeys"}
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if found != nil {
		return found, nil
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("find owner of access key %s: %w",
			cloud.MaskKeyID(keyID), errs[0])
	}
	return s.rootOrNothing(ctx, keyID)
}

func (s *Service) listUsers(ctx context.Context) ([]ram.User, error) {
	var users []ram.User
	marker := ""
	for {
		req := ram.CreateListUsersRequest()
		req.MaxItems = "1000"
		req.Marker = marker
		var resp *ram.ListUsersResponse
		err := s.c.RAM(ctx, "ListUsers", func(cl *ram.Client) (err error) {
			resp, err = cl.ListUsers(req)
			return err
		})
		if err != nil {
			return nil, err
		}
		users = append(users, resp.Users.User...)
		if !resp.IsTruncated || resp.Marker == "" {
			return users, nil
		}
		marker = resp.Marker
	}
}

// Key is one AccessKey as RAM lists it. The secret is never read.
type Key struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	CreateDate string `json:"create_date"`
}

// ListKeys lists a user's AccessKeys.
func (s *Service) ListKeys(ctx context.Context, user string) ([]Key, error) {
	req := ram.CreateListAccessKeysRequest()
	req.UserName = user
	var resp *ram.ListAccessKeysResponse
	err := s.c.RAM(ctx, "ListAccessKeys", func(cl *ram.Client) (err error) {
		resp, err = cl.ListAccessKeys(req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list access keys of user %s: %w", user, err)
	}
	keys := make([]Key, 0, len(resp.AccessKeys.AccessKey))
	for _, k := range resp.AccessKeys.AccessKey {
		keys = append(keys, Key{ID: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate})
	}
	return keys, nil
}

// FindKey returns the key keyID of user, or a *KeyNotFoundError.
func (s *Service) FindKey(ctx context.Context, user, keyID string) (*Key, []Key, error) {
	keys, err := s.ListKeys(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	for i := range keys {
		if keys[i].ID == keyID {
			return &keys[i], keys, nil
		}
	}
	return nil, keys, &KeyNotFoundError{KeyID: keyID}
}

// SetKeyStatus sets a user's key Active or Inactive and returns the
// RequestId of the call.
func (s *Service) SetKeyStatus(ctx context.Context, user, keyID, status string) (string, error) {
	req := ram.CreateUpdateAccessKeyRequest()
	req.UserName = user
	req.UserAccessKeyId = keyID
	req.Status = status
	var resp *ram.UpdateAccessKeyResponse
	err := s.c.RAM(ctx, "UpdateAccessKey", func(cl *ram.Client) (err error) {
		resp, err = cl.UpdateAccessKey(req)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("set access key %s of user %s %s: %w",
			cloud.MaskKeyID(keyID), user, status, err)
	}
	return resp.RequestId, nil
}

// DeleteKey deletes a user's key and returns the RequestId of the call.
func (s *Service) DeleteKey(ctx context.Context, user, keyID string) (string, error) {
	req := ram.CreateDeleteAccessKeyRequest()
	req.UserName = user
	req.UserAccessKeyId = keyID
	var resp *ram.DeleteAccessKeyResponse
	err := s.c.RAM(ctx, "DeleteAccessKey", func(cl *ram.Client) (err error) {
		resp, err = cl.DeleteAccessKey(req)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("delete access key %s of user %s: %w",
			cloud.MaskKeyID(keyID), user, err)
	}
	return resp.RequestId, nil
}
