package ram_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/ram"
	"github.com/respond-sec/respond/sim"
)

const (
	adminKey    = "LTAI5tRamTestAdmin000001"
	adminSecret = "RamTestAdminSecret000000000001"
	scanKey     = "LTAI5tRamTestScanner0001"
	scanSecret  = "RamTestScannerSecret0000000001"
	rootKey     = "LTAI5tRamTestRootKey0001"
)

// newService starts an emulator whose account holds many users (more
// than one ListUsers page) and returns services signed as the admin and
// as a user who may list RAM but not read IMS.
func newService(t *testing.T, users int) (admin, scanner *ram.Service) {
	t.Helper()
	acct := sim.ScenarioAccount{ID: "1111222233334444",
		RootKeys: []sim.ScenarioKey{{ID: rootKey}},
		Policies: []sim.ScenarioPolicy{{Name: "scan", Document: `{"Version":"1",
			"Statement":[{"Effect":"Allow","Action":["ram:ListUsers","ram:ListAccessKeys",
			"actiontrail:GetAccessKeyLastUsedInfo"],
			"Resource":"*"}]}`}},
		Users: []sim.ScenarioUser{
			{Name: "admin", Keys: []sim.ScenarioKey{{ID: adminKey, Secret: adminSecret}},
				Policies: []sim.ScenarioAttachment{{Name: "AdministratorAccess"}}},
			{Name: "scanner", Keys: []sim.ScenarioKey{{ID: scanKey, Secret: scanSecret}},
				Policies: []sim.ScenarioAttachment{{Name: "scan", Type: "Custom"}}},
		}}
	for i := range users {
		acct.Users = append(acct.Users, sim.ScenarioUser{Name: fmt.Sprintf("user-%04d", i),
			Keys: []sim.ScenarioKey{{ID: fmt.Sprintf("LTAI5tRamTestUser%07d", i)}}})
	}
	inst, err := sim.Start(context.Background(), sim.Options{Addr: "127.0.0.1:0",
		Scenario: &sim.Scenario{Accounts: []sim.ScenarioAccount{acct},
			Admin: &sim.ScenarioAdmin{User: "admin", Key: adminKey}},
		Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close(context.Background()) })
	ep, err := cloud.ParseEndpoint(inst.URL())
	if err != nil {
		t.Fatal(err)
	}
	svc := func(id, secret string) *ram.Service {
		c, err := cloud.New(cloud.Options{Endpoint: ep, Logger: zerolog.Nop(),
			Credentials: cloud.StaticProvider(id, cloud.Secret(secret))})
		if err != nil {
			t.Fatal(err)
		}
		return ram.New(c)
	}
	return svc(adminKey, adminSecret), svc(scanKey, scanSecret)
}

func TestFindKeyOwner(t *testing.T) {
	admin, scanner := newService(t, 1100)
	lastUserKey := "LTAI5tRamTestUser0001099"
	tests := []struct {
		name     string
		svc      *ram.Service
		key      string
		kind     string
		user     string
		foundBy  string
		notFound bool
	}{
		{"through ims", admin, lastUserKey, ram.OwnerUser, "user-1099", "ims:GetUser", false},
		{"ims denied: scan past the first page", scanner, lastUserKey, ram.OwnerUser,
			"user-1099", "ram:ListAccessKeys", false},
		{"root key", admin, rootKey, ram.OwnerRoot, "", "actiontrail:GetAccessKeyLastUsedInfo", false},
		{"unknown", admin, "LTAI5tNoSuchKeyAnywhere1", "", "", "", true},
		{"unknown, scanning", scanner, "LTAI5tNoSuchKeyAnywhere1", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.svc.FindKeyOwner(t.Context(), tt.key)
			var nf *ram.KeyNotFoundError
			if tt.notFound {
				if !errors.As(err, &nf) {
					t.Fatalf("got %+v, %v; want KeyNotFoundError", o, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Kind != tt.kind || o.UserName != tt.user || o.FoundBy != tt.foundBy {
				t.Fatalf("owner %+v", o)
			}
		})
	}
}

func TestKeyStatusRoundTrip(t *testing.T) {
	admin, _ := newService(t, 3)
	ctx := t.Context()
	const user, key = "user-0001", "LTAI5tRamTestUser0000001"

	var ce *cloud.Error
	if _, err := admin.DeleteKey(ctx, user, key); !errors.As(err, &ce) ||
		ce.Code() != "Forbidden.AccessKey.Active" || errors.Is(err, cloud.ErrDenied) {
		t.Fatalf("deleting an Active key: %v, want the cloud's refusal of the state", err)
	}
	id, err := admin.SetKeyStatus(ctx, user, key, ram.StatusInactive)
	if err != nil || id == "" {
		t.Fatalf("disable: request id %q, %v", id, err)
	}
	k, _, err := admin.FindKey(ctx, user, key)
	if err != nil || k.Status != ram.StatusInactive {
		t.Fatalf("after disable: %+v %v", k, err)
	}
	if _, err := admin.DeleteKey(ctx, user, key); err != nil {
		t.Fatal(err)
	}
	var nf *ram.KeyNotFoundError
	if _, _, err := admin.FindKey(ctx, user, key); !errors.As(err, &nf) {
		t.Fatalf("after delete: %v, want KeyNotFoundError", err)
	}
	_, err = admin.SetKeyStatus(ctx, user, key, ram.StatusInactive)
	if !errors.As(err, &ce) || !errors.Is(err, cloud.ErrNotFound) || ce.RequestID() == "" {
		t.Fatalf("updating a deleted key: %v, want a not-found cloud error with a RequestId", err)
	}
}
