package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

func TestBucketLimits(t *testing.T) {
	f := NewFaultSet()
	f.SetThrottling(true)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		action  string
		calls   int
		elapsed time.Duration
		allowed int
	}{
		{"LookupEvents 10 a second", "LookupEvents", 15, 0, 10},
		{"last used 50 a second", "GetAccessKeyLastUsedInfo", 60, 0, 50},
		{"AssumeRole 100 a second", "AssumeRole", 120, 0, 100},
		{"RAM default 100 a second", "ListUsers", 120, 0, 100},
		{"refills over time", "DescribeRegions", 300, 10 * time.Millisecond, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed := 0
			for i := range tt.calls {
				if f.allow(tt.action, "acct-"+tt.name, t0.Add(time.Duration(i)*tt.elapsed)) {
					allowed++
				}
			}
			if allowed != tt.allowed {
				t.Errorf("%d of %d allowed, want %d", allowed, tt.calls, tt.allowed)
			}
		})
	}
	f.SetThrottling(false)
	for range 100 {
		if !f.allow("LookupEvents", "x", t0) {
			t.Fatal("throttled with throttling off")
		}
	}
}

func TestFaultSeedRepeats(t *testing.T) {
	draw := func() []bool {
		f := NewFaultSet()
		if err := f.Set(FaultConfig{Seed: 42, APIs: map[string]FaultRule{
			"*": {ErrorRate: 0.5, Jitter: Duration(time.Second)}}}); err != nil {
			t.Fatal(err)
		}
		var out []bool
		for range 64 {
			p := f.plan("GetUser")
			out = append(out, p.err != nil, p.delay > 500*time.Millisecond)
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("decision %d differs between runs with the same seed", i)
		}
	}
}

func TestFaultConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  FaultConfig
	}{
		{"negative delay", FaultConfig{ConsistencyDelay: -1}},
		{"rate above one", FaultConfig{APIs: map[string]FaultRule{"*": {ErrorRate: 1.5}}}},
		{"negative latency", FaultConfig{APIs: map[string]FaultRule{"*": {Latency: -1}}}},
		{"unknown code", FaultConfig{APIs: map[string]FaultRule{"*": {ErrorCode: "Boom"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := NewFaultSet().Set(tt.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestThrottlingThroughSDK(t *testing.T) {
	inst := startSim(t, Options{})
	f := inst.World.Faults
	f.SetThrottling(true)
	if err := f.SetRule("LookupEvents", FaultRule{RateLimit: 0.01}); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")
	if _, err := c.LookupEvents(actiontrail.CreateLookupEventsRequest()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := c.LookupEvents(actiontrail.CreateLookupEventsRequest())
	se := serverError(t, err, "Throttling.User", 400)
	if se.Message() != "Request was denied due to user flow control." {
		t.Errorf("message = %q", se.Message())
	}
	other := trailClient(t, inst, "cn-hangzhou", outsiderKeyID, outsiderSec, "")
	if _, err := other.LookupEvents(actiontrail.CreateLookupEventsRequest()); err != nil {
		t.Errorf("another account was throttled too: %v", err)
	}
}

func TestForcedErrors(t *testing.T) {
	tests := []struct {
		name   string
		rule   FaultRule
		code   string
		status int
	}{
		{"internal error", FaultRule{ErrorRate: 1}, "InternalError", 500},
		{"service unavailable once", FaultRule{ErrorNext: 1, ErrorCode: "ServiceUnavailable"},
			"ServiceUnavailable", 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := startSim(t, Options{Seed: 7})
			if err := inst.World.Faults.SetRule("GetCallerIdentity", tt.rule); err != nil {
				t.Fatal(err)
			}
			c := stsClient(t, inst, adminKeyID, adminSecret, "")
			_, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
			serverError(t, err, tt.code, tt.status)
			if tt.rule.ErrorNext > 0 {
				if _, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
					t.Errorf("second call: %v", err)
				}
			}
		})
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Run("before the action", func(t *testing.T) {
		inst := startSim(t, Options{})
		if err := inst.World.Faults.SetRule("AssumeRole", FaultRule{DropNext: 1}); err != nil {
			t.Fatal(err)
		}
		req := sts.CreateAssumeRoleRequest()
		req.RoleArn = "acs:ram::" + testAccount + ":role/deploy-role"
		req.RoleSessionName = "dropped"
		_, err := stsClient(t, inst, ciKeyID, ciSecret, "").AssumeRole(req)
		var se *sdkerrors.ServerError
		if err == nil || errors.As(err, &se) {
			t.Fatalf("err = %v, want a connection error", err)
		}
		if n := len(inst.World.tokens); n != 0 {
			t.Errorf("%d tokens minted by a dropped call", n)
		}
		calls := inst.Calls()
		if len(calls) != 1 || calls[0].Status != 0 || calls[0].ErrorCode != "ConnectionDropped" {
			t.Errorf("calls = %+v", calls)
		}
		assume(t, inst, "deploy-role") // the next call goes through
	})
	t.Run("after the action", func(t *testing.T) {
		inst := startSim(t, Options{})
		if err := inst.World.Faults.SetRule("CreateUser",
			FaultRule{DropNext: 1, DropAfter: true}); err != nil {
			t.Fatal(err)
		}
		req := ram.CreateCreateUserRequest()
		req.UserName = "ghost"
		if _, err := ramClient(t, inst, adminKeyID, adminSecret, "").CreateUser(req); err == nil {
			t.Fatal("dropped call answered")
		}
		inst.World.Lock()
		defer inst.World.Unlock()
		if inst.World.Accounts[testAccount].Users["ghost"] == nil {
			t.Error("the action did not run before the drop")
		}
	})
}

func TestLatency(t *testing.T) {
	inst := startSim(t, Options{})
	if err := inst.World.Faults.SetRule("*", FaultRule{Latency: Duration(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	c := stsClient(t, inst, adminKeyID, adminSecret, "")
	c.SetReadTimeout(200 * time.Millisecond)
	_, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	var se *sdkerrors.ServerError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	inst.World.Faults.Reset()
	if _, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
		t.Errorf("after reset: %v", err)
	}
}

func TestConsistencyDelayThroughAdmin(t *testing.T) {
	inst := startSim(t, Options{})
	body, _ := json.Marshal(map[string]any{"consistency_delay": "10m"})
	req, err := http.NewRequest(http.MethodPut, inst.URL()+"/_sim/faults", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := inst.World.Faults.ConsistencyDelay(); d != 10*time.Minute {
		t.Fatalf("consistency delay = %s", d)
	}

	rc := ramClient(t, inst, adminKeyID, adminSecret, "")
	detach := ram.CreateDetachPolicyFromRoleRequest()
	detach.RoleName, detach.PolicyName, detach.PolicyType = "deploy-role", "AdministratorAccess", "System"
	if _, err := rc.DetachPolicyFromRole(detach); err != nil {
		t.Fatal(err)
	}
	del := ram.CreateDeleteRoleRequest()
	del.RoleName = "deploy-role"
	_, err = rc.DeleteRole(del)
	serverError(t, err, "DeleteConflict.Role.Policy", 409)
	if err := inst.AdvanceClock(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.DeleteRole(del); err != nil {
		t.Errorf("after the delay: %v", err)
	}
}
