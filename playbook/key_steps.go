package playbook

import (
	"context"
	"errors"
	"fmt"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/ram"
)

// keyState is what the key steps read: the key (nil once deleted).
type keyState struct {
	Status  string `json:"status"` // Active, Inactive or deleted
	Created string `json:"create_date,omitempty"`
}

func readKey(ctx context.Context, svc *ram.Service, user, keyID string) (keyState,
	[]ram.Key, error) {
	k, keys, err := svc.FindKey(ctx, user, keyID)
	var nf *ram.KeyNotFoundError
	if errors.As(err, &nf) || errors.Is(err, cloud.ErrNotFound) {
		// The key is gone, or its owner is (a user cannot be deleted while
		// it holds keys): either way the key can no longer sign anything.
		return keyState{Status: "deleted"}, keys, nil
	}
	if err != nil {
		return keyState{}, nil, err
	}
	return keyState{Status: k.Status, Created: k.CreateDate}, keys, nil
}

// disableKey sets the leaked key Inactive. It touches that key alone.
type disableKey struct {
	svc   *ram.Service
	user  string
	keyID string
	keys  []ram.Key // the owner's keys as first read, for the report
}

func (s *disableKey) Name() string { return "disable-key" }

func (s *disableKey) Check(ctx context.Context) (Check, error) {
	st, keys, err := readKey(ctx, s.svc, s.user, s.keyID)
	if err != nil {
		return Check{}, err
	}
	if s.keys == nil {
		s.keys = keys
	}
	if st.Status != ram.StatusActive {
		return Check{Before: st}, nil
	}
	return Check{Before: st, Calls: []Call{{
		Service: "ram",
		Action:  "UpdateAccessKey",
		Params: map[string]string{"UserName": s.user, "UserAccessKeyId": s.keyID,
			"Status": ram.StatusInactive},
		Note: "reversible: UpdateAccessKey Status=Active restores the key",
	}}}, nil
}

func (s *disableKey) Apply(ctx context.Context, c Call) (Applied, error) {
	id, err := s.svc.SetKeyStatus(ctx, c.Params["UserName"], c.Params["UserAccessKeyId"],
		c.Params["Status"])
	return goneIsDone(id, err)
}

// goneIsDone takes a not-found answer to a write on the key as success: a
// retried call whose first answer was lost in transit finds the work done
// (or the key deleted under it), and Verify reads the truth either way.
func goneIsDone(requestID string, err error) (Applied, error) {
	var ce *cloud.Error
	if errors.Is(err, cloud.ErrNotFound) && errors.As(err, &ce) {
		return Applied{RequestID: ce.RequestID(),
			Detail: map[string]string{"answer": ce.Code(), "meaning": "key already gone"}}, nil
	}
	return Applied{RequestID: requestID}, err
}

func (s *disableKey) Verify(ctx context.Context) (any, error) {
	st, _, err := readKey(ctx, s.svc, s.user, s.keyID)
	if err != nil {
		return nil, err
	}
	if st.Status == ram.StatusActive {
		return st, fmt.Errorf("access key still Active: %w", ErrNotConverged)
	}
	return st, nil
}

// deleteKey deletes the key once it is disabled. Deletion cannot be undone
// by this tool (the console's recycle bin may still hold it for 30 days).
type deleteKey struct {
	svc   *ram.Service
	user  string
	keyID string
}

func (s *deleteKey) Name() string { return "delete-key" }

func (s *deleteKey) Check(ctx context.Context) (Check, error) {
	st, _, err := readKey(ctx, s.svc, s.user, s.keyID)
	if err != nil {
		return Check{}, err
	}
	if st.Status == "deleted" {
		return Check{Before: st}, nil
	}
	return Check{Before: st, Calls: []Call{{
		Service: "ram",
		Action:  "DeleteAccessKey",
		Params:  map[string]string{"UserName": s.user, "UserAccessKeyId": s.keyID},
		Note:    "irreversible: the key cannot be restored by respond",
	}}}, nil
}

func (s *deleteKey) Apply(ctx context.Context, c Call) (Applied, error) {
	id, err := s.svc.DeleteKey(ctx, c.Params["UserName"], c.Params["UserAccessKeyId"])
	return goneIsDone(id, err)
}

func (s *deleteKey) Verify(ctx context.Context) (any, error) {
	st, _, err := readKey(ctx, s.svc, s.user, s.keyID)
	if err != nil {
		return nil, err
	}
	if st.Status != "deleted" {
		return st, fmt.Errorf("access key still present: %w", ErrNotConverged)
	}
	return st, nil
}
