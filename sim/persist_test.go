package sim

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	first, err := Start(t.Context(), Options{Scenario: testScenario(), StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	creds := assume(t, first, "deploy-role")
	create := ram.CreateCreateUserRequest()
	create.UserName = "made-before-restart"
	if _, err := ramClient(t, first, adminKeyID, adminSecret, "").CreateUser(create); err != nil {
		t.Fatal(err)
	}
	events := first.World.Trail.Len()
	if err := first.Close(context.Background()); err != nil {
		t.Fatalf("close: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}

	second := startSim(t, Options{Scenario: &Scenario{Accounts: []ScenarioAccount{{}}},
		StateFile: path})
	if second.AccessKeyID != adminKeyID || second.AccountID != testAccount {
		t.Errorf("ready after restart = %+v", second.Ready())
	}
	if _, err := stsClient(t, second, creds.AccessKeyId, creds.AccessKeySecret,
		creds.SecurityToken).GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
		t.Errorf("token after restart: %v", err)
	}
	get := ram.CreateGetUserRequest()
	get.UserName = "made-before-restart"
	if _, err := ramClient(t, second, adminKeyID, adminSecret, "").GetUser(get); err != nil {
		t.Errorf("user after restart: %v", err)
	}
	if n := second.World.Trail.Len(); n < events {
		t.Errorf("%d events after restart, had %d", n, events)
	}
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
	}{
		{"not json", "{"},
		{"wrong format", `{"format":99}`},
		{"no admin key", `{"format":1,"accounts":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			inst, err := Start(t.Context(), Options{StateFile: path})
			if err == nil {
				inst.Close(context.Background())
				t.Fatal("started from a bad state file")
			}
		})
	}
}
