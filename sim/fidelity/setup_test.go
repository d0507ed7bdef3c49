package fidelity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/sim"
)

// Fixed identities of the fidelity scenario. The secrets are test values
// that exist only in this emulator.
const (
	account     = "1234567890123456"
	alias       = "acme"
	adminKeyID  = "LTAI5tFidelityAdmin0001"
	adminSecret = "fidelityAdminSecret00000000001"
	ciKeyID     = "LTAI5tFidelityCiKey0001"
	ciSecret    = "fidelityCiSecret00000000000001"
	nobodyKeyID = "LTAI5tFidelityNobody001"
	nobodySec   = "fidelityNobodySecret0000000001"
	offKeyID    = "LTAI5tFidelityOffKey001"
	offSecret   = "fidelityOffSecret0000000000001"
	unknownKey  = "LTAI5tNoSuchKey00000001"
	deployRole  = "deploy-role"
	dateLayout  = "2006-01-02T15:04:05Z"
)

// seededUsers are the users of the scenario, in the order ListUsers
// returns them (sorted by name).
var seededUsers = []string{"admin", "ci-deploy", "nobody", "off", "u-01", "u-02", "u-03"}

// trustAccount trusts every RAM identity of the account.
const trustAccount = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
	`"Principal":{"RAM":["acs:ram::` + account + `:root"]}}],"Version":"1"}`

// key is a scenario user's only key.
func key(id, secret string) []sim.ScenarioKey {
	return []sim.ScenarioKey{{ID: id, Secret: secret}}
}

// attach names system policies to attach.
func attach(names ...string) []sim.ScenarioAttachment {
	out := make([]sim.ScenarioAttachment, len(names))
	for i, n := range names {
		out[i] = sim.ScenarioAttachment{Name: n}
	}
	return out
}

func scenario() *sim.Scenario {
	return &sim.Scenario{
		Accounts: []sim.ScenarioAccount{{
			ID: account, Alias: alias,
			Users: []sim.ScenarioUser{
				{Name: "admin", Keys: key(adminKeyID, adminSecret),
					Policies: attach("AdministratorAccess")},
				{Name: "ci-deploy", Keys: key(ciKeyID, ciSecret),
					Policies: attach("AliyunSTSAssumeRoleAccess")},
				{Name: "nobody", Keys: key(nobodyKeyID, nobodySec)},
				{Name: "off", Keys: []sim.ScenarioKey{
					{ID: offKeyID, Secret: offSecret, Status: "Inactive"}}},
				{Name: "u-01"}, {Name: "u-02"}, {Name: "u-03"},
			},
			Roles: []sim.ScenarioRole{{Name: deployRole, TrustPolicy: trustAccount,
				Policies: attach("AliyunRAMReadOnlyAccess")}},
		}},
		Admin: &sim.ScenarioAdmin{User: "admin"},
	}
}

// startSim runs an emulator for one test and closes it when the test ends.
func startSim(t *testing.T, sc *sim.Scenario) *sim.Instance {
	t.Helper()
	inst, err := sim.Start(t.Context(), sim.Options{
		Addr: "127.0.0.1:0", Scenario: sc, Logger: zerolog.Nop(),
	})
	if err != nil {
		t.Fatalf("start sim: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Close(context.Background()); err != nil {
			t.Errorf("close sim: %v", err)
		}
	})
	return inst
}

// creds is a credential set as any client takes it.
type creds struct{ id, secret, token string }

var (
	admin  = creds{adminKeyID, adminSecret, ""}
	ci     = creds{ciKeyID, ciSecret, ""}
	nobody = creds{nobodyKeyID, nobodySec, ""}
	off    = creds{offKeyID, offSecret, ""}
)

// kv holds names and values: request parameters, or expected fields.
type kv = map[string]string

// text renders a decoded JSON value as text: numbers decode differently
// in each client library.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprint(v)
}

// field walks a decoded JSON object along a dotted path.
func field(m map[string]any, path string) any {
	var cur any = m
	for _, name := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[name]
	}
	return cur
}

// list returns the array at path, or nil.
func list(m map[string]any, path string) []any {
	l, _ := field(m, path).([]any)
	return l
}

// wantFields compares fields of a decoded answer, given by dotted path.
func wantFields(t *testing.T, what string, m map[string]any, want kv) {
	t.Helper()
	for path, w := range want {
		if got := text(field(m, path)); got != w {
			t.Errorf("%s: %s = %q, want %q", what, path, got, w)
		}
	}
}

// wantDate asserts the service's date format (UTC, seconds, Z).
func wantDate(t *testing.T, what, s string) {
	t.Helper()
	if _, err := time.Parse(dateLayout, s); err != nil {
		t.Errorf("%s = %q, want a date like %s", what, s, dateLayout)
	}
}

// wantSame compares two lists of names.
func wantSame(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// wantSameJSON compares two JSON documents by value.
func wantSameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil ||
		!reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// secretsIn lists which of the secrets occur in data.
func secretsIn(data []byte, secrets map[string]string) []string {
	var found []string
	for name, s := range secrets {
		if s != "" && strings.Contains(string(data), s) {
			found = append(found, name)
		}
	}
	slices.Sort(found)
	return found
}

// clipped cuts a signature error's message before the string to sign,
// which can hold a SecurityToken, so that failures never print one.
func clipped(msg string) string {
	before, _, _ := strings.Cut(msg, "server string to sign is:")
	return before
}

// mustJSON encodes v or fails the test.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}
