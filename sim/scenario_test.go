package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

func fixedClock(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}

func TestScenarioBasicFile(t *testing.T) {
	inst := startSim(t, Options{ScenarioFile: "../testdata/scenarios/basic.json",
		Clock: fixedClock("2026-12-03T12:00:00Z")})
	if inst.AccountID != "1234567890123456" || inst.AccessKeyID != "LTAI5tRespondAdmin00001" {
		t.Fatalf("ready = %+v", inst.Ready())
	}
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::1234567890123456:role/deploy-role"
	req.RoleSessionName = "from-test"
	req.DurationSeconds = "7200"
	if _, err := stsClient(t, inst, "LTAI5tCiDeploy000000001", "ciDeploySecret000000000000001",
		"").AssumeRole(req); err != nil {
		t.Fatalf("ci-deploy assumes deploy-role: %v", err)
	}

	c := trailClient(t, inst, "cn-hangzhou", inst.AccessKeyID, inst.AccessKeySecret, "")
	lr := actiontrail.CreateLookupEventsRequest()
	lr.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
		{Key: "SourceIpAddress", Value: "203.0.113.66"}}
	resp, err := c.LookupEvents(lr)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 2 {
		t.Errorf("%d events from the attacker address, want 2", len(resp.Events))
	}

	inst.World.Lock()
	defer inst.World.Unlock()
	a := inst.World.Accounts["1234567890123456"]
	ci := a.Users["ci-deploy"]
	if len(ci.Groups) != 1 || a.Groups["deployers"].Members["ci-deploy"].IsZero() ||
		a.Policies["oss-deploy"] == nil || a.Groups["deployers"].Policies[0].PolicyType != "Custom" {
		t.Errorf("groups or custom policy not built: %+v", ci)
	}
}

func TestScenarioTwoAccounts(t *testing.T) {
	inst := startSim(t, Options{ScenarioFile: "../testdata/scenarios/two-accounts.json"})
	if inst.AccountID != "1111222233334444" {
		t.Fatalf("admin account = %s", inst.AccountID)
	}
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::1111222233334444:role/audit-from-tools"
	req.RoleSessionName = "audit"
	resp, err := stsClient(t, inst, "LTAI5tToolsAuditor00001", "toolsAuditorSecret00000000001",
		"").AssumeRole(req)
	if err != nil {
		t.Fatalf("cross-account assume: %v", err)
	}
	c := resp.Credentials
	id, err := stsClient(t, inst, c.AccessKeyId, c.AccessKeySecret, c.SecurityToken).
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil {
		t.Fatal(err)
	}
	if id.AccountId != "1111222233334444" {
		t.Errorf("session account = %s, want the role's", id.AccountId)
	}
	_, err = stsClient(t, inst, "LTAI5tProdApp0000000002", "prodAppSecret0000000000000002", "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	serverError(t, err, "InvalidAccessKeyId.Inactive", 400)
}

func TestScenarioValidation(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "decode"},
		{"unknown field", `{"accounts":[{"users":[{"name":"a","passwd":"x"}]}]}`, "passwd"},
		{"no accounts", `{"accounts":[]}`, "no accounts"},
		{"duplicate user", `{"accounts":[{"users":[{"name":"a"},{"name":"a"}]}]}`,
			`user "a" defined twice`},
		{"three keys", `{"accounts":[{"users":[{"name":"a","keys":[{},{},{}]}]}]}`,
			"at most 2"},
		{"unknown group", `{"accounts":[{"users":[{"name":"a","groups":["g"]}]}]}`,
			`no group "g"`},
		{"unknown policy", `{"accounts":[{"users":[{"name":"a","policies":[{"name":"Nope"}]}]}]}`,
			`policy "Nope"`},
		{"bad key status", `{"accounts":[{"root_keys":[{"id":"K","status":"on"}]}]}`,
			"want Active or Inactive"},
		{"duplicate key", `{"accounts":[{"root_keys":[{"id":"K"}]},{"root_keys":[{"id":"K"}]}]}`,
			"key K defined twice"},
		{"bad custom policy", `{"accounts":[{"policies":[{"name":"p","document":{"Version":"1"}}]}]}`,
			"policy p"},
		{"bad trust policy", `{"accounts":[{"roles":[{"name":"r","trust_policy":"{}"}]}]}`,
			"trust policy"},
		{"bad session duration", `{"accounts":[{"roles":[{"name":"r","max_session_duration":60}]}]}`,
			"max_session_duration"},
		{"admin missing", `{"accounts":[{}],"admin":{"user":"ghost"}}`, `no user "ghost"`},
		{"admin key missing", `{"accounts":[{"users":[{"name":"a"}]}],"admin":{"user":"a","key":"K"}}`,
			"has no key K"},
		{"bad event time", `{"accounts":[{}],"events":[{"eventTime":"yesterday"}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := ParseScenario([]byte(tt.json))
			if err == nil {
				_, err = sc.Apply(NewWorld(nil))
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestDemoScenario(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	sc := DemoScenario(now)
	if n := len(sc.Events); n < 200 || n > 800 {
		t.Errorf("%d demo events, want a few hundred", n)
	}
	inst := startSim(t, Options{Scenario: sc, Clock: func() time.Time { return now }})
	if inst.AccountID != DemoAccountID {
		t.Fatalf("account = %s", inst.AccountID)
	}
	c := trailClient(t, inst, "cn-hangzhou", inst.AccessKeyID, inst.AccessKeySecret, "")
	req := actiontrail.CreateLookupEventsRequest()
	req.StartTime = now.AddDate(0, 0, -30).Format(timestampLayout)
	req.EndTime = now.Format(timestampLayout)
	req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
		{Key: "EventAccessKeyId", Value: DemoLeakedKeyID}}
	all, _ := lookupAll(t, c, req)
	ips := map[string]int{}
	for _, ev := range all {
		ips[ev["sourceIpAddress"].(string)]++
	}
	for _, ip := range []string{"47.96.120.34", "47.96.120.35", "185.220.101.45"} {
		if ips[ip] == 0 {
			t.Errorf("no global events of the leaked key from %s: %v", ip, ips)
		}
	}

	inst.World.Lock()
	defer inst.World.Unlock()
	a := inst.World.Accounts[DemoAccountID]
	for _, name := range []string{"responder", "ci-deploy", "backup-svc"} {
		if a.Users[name] == nil {
			t.Errorf("no user %s", name)
		}
	}
	for _, name := range []string{"deploy-role", "ops-admin"} {
		if a.Roles[name] == nil {
			t.Errorf("no role %s", name)
		}
	}
	if k := inst.World.Key(DemoLeakedKeyID); k == nil || k.Status != "Active" {
		t.Errorf("leaked key = %+v", k)
	}
}

func TestDemoScenarioRepeatable(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a, b := DemoScenario(now), DemoScenario(now)
	if len(a.Events) != len(b.Events) {
		t.Fatal("event counts differ")
	}
	for i := range a.Events {
		if a.Events[i]["eventId"] != b.Events[i]["eventId"] ||
			a.Events[i]["eventTime"] != b.Events[i]["eventTime"] {
			t.Fatalf("event %d differs", i)
		}
	}
}
