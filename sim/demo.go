package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Identities of the demo world, for scripts and tests that drive it.
const (
	DemoAccountID   = "1906583412347788"
	DemoLeakedKeyID = "LTAI5tLk8R3mQv9WzPd2Hx7N"
	DemoSecondKeyID = "LTAI5tQe2Wc7Ys4Bn8Kd1Rm3"
	DemoBackdoorKey = "LTAI5tBk9Fj2Tx6Lp3Zs8Vq1"
)

const (
	demoCIUserID     = "2034817720563311"
	demoBackdoorID   = "2081945530917264"
	demoDeployRoleID = "3781624409215573901"
	demoOpsRoleID    = "3792207714468820357"
)

// Source addresses in the demo history: the CI runners, and the
// attacker's.
var (
	demoCIIPs       = []string{"47.96.120.34", "47.96.120.35"}
	demoAttackerIPs = []string{"185.220.101.45", "45.146.164.110", "103.251.167.20"}
	demoCIAgent     = "AlibabaCloud (linux; amd64) Golang/1.22.4 Core/1.63.22"
	demoCLIAgent    = "aliyun-cli/3.0.211 (darwin; arm64)"
	demoScanRegions = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-hongkong",
		"ap-southeast-1", "us-west-1", "eu-central-1", "ap-northeast-1"}
)

// DemoScenario builds the demo world at time now: the account of a team
// whose CI user ci-deploy leaked its AccessKey. It holds a responder with
// AdministratorAccess (the ready line's key), ci-deploy with two keys, a
// console login and a group, the roles deploy-role and ops-admin, and about
// thirty days of history: normal CI traffic from two runner addresses,
// then, in the last three days, an attacker using the leaked key from
// foreign addresses, assuming ops-admin and planting a backdoor user.
func DemoScenario(now time.Time) *Scenario {
	now = now.UTC().Truncate(time.Minute)
	d := &demoBuilder{now: now, rng: rand.New(rand.NewPCG(20261203, 7))}
	d.normalTraffic()
	d.attack()
	return &Scenario{
		Accounts: []ScenarioAccount{demoAccount(now)},
		Admin:    &ScenarioAdmin{User: "responder"},
		Events:   d.events,
	}
}

func demoAccount(now time.Time) ScenarioAccount {
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	return ScenarioAccount{
		ID: DemoAccountID, Alias: "acme-prod",
		Users: []ScenarioUser{
			{Name: "responder", DisplayName: "Security on-call", CreateDate: days(400),
				Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}},
			{Name: "ci-deploy", ID: demoCIUserID, DisplayName: "CI deploy bot",
				Comments: "build pipeline; owner platform-team", CreateDate: days(210),
				Keys: []ScenarioKey{
					{ID: DemoLeakedKeyID, CreateDate: days(120), LastUsed: now.Add(-26 * time.Hour)},
					{ID: DemoSecondKeyID, CreateDate: days(200), Status: "Inactive"},
				},
				LoginProfile: &ScenarioLoginProfile{},
				Groups:       []string{"ci-bots"},
				Policies: []ScenarioAttachment{{Name: "AliyunSTSAssumeRoleAccess"},
					{Name: "deploy-artifacts"}}},
			{Name: "backup-svc", ID: demoBackdoorID, DisplayName: "backup-svc",
				CreateDate: days(3).Add(2*time.Hour + 31*time.Minute),
				Keys: []ScenarioKey{{ID: DemoBackdoorKey,
					CreateDate: days(3).Add(2*time.Hour + 32*time.Minute)}},
				Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}},
		},
		Groups: []ScenarioGroup{{Name: "ci-bots", Comments: "pipeline identities",
			Policies: []ScenarioAttachment{{Name: "AliyunECSReadOnlyAccess"}}}},
		Roles: []ScenarioRole{
			{Name: "deploy-role", ID: demoDeployRoleID, Description: "CI deployments",
				MaxSessionDuration: 3600, TrustPolicy: PolicyText(demoTrust("user/ci-deploy")),
				Policies: []ScenarioAttachment{{Name: "AliyunECSFullAccess"},
					{Name: "AliyunOSSFullAccess"}}},
			{Name: "ops-admin", ID: demoOpsRoleID, Description: "break-glass operations",
				MaxSessionDuration: 7200, TrustPolicy: PolicyText(demoTrust("root")),
				Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}},
		},
		Policies: []ScenarioPolicy{{Name: "deploy-artifacts",
			Description: "upload build artifacts",
			Document: `{"Version":"1","Statement":[{"Effect":"Allow",` +
				`"Action":["oss:PutObject","oss:GetObject"],` +
				`"Resource":["acs:oss:*:*:acme-artifacts/*"]}]}`}},
	}
}

func demoTrust(principal string) string {
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
		`"Principal":{"RAM":["acs:ram::` + DemoAccountID + `:` + principal + `"]}}]}`
}

// demoActor is who made a demo event, from where.
type demoActor struct {
	identity map[string]any
	ip       string
	agent    string
}

func ciActor(ip, agent string) demoActor {
	return demoActor{ip: ip, agent: agent, identity: map[string]any{
		"type": "ram-user", "accountId": DemoAccountID, "principalId": demoCIUserID,
		"userName": "ci-deploy", "accessKeyId": DemoLeakedKeyID,
	}}
}

func roleActor(roleID, role, session, key, ip, agent string) demoActor {
	return demoActor{ip: ip, agent: agent, identity: map[string]any{
		"type": "assumed-role", "accountId": DemoAccountID,
		"principalId": roleID + ":" + session, "userName": role + ":" + session,
		"accessKeyId": key,
		"sessionContext": map[string]any{"attributes": map[string]any{
			"mfaAuthenticated": "false"}},
	}}
}

// demoBuilder accumulates events in a repeatable order.
type demoBuilder struct {
	now    time.Time
	rng    *rand.Rand
	events []Event
	seq    int
}

// call adds one event. Services other than Ecs and Oss are global.
func (d *demoBuilder) call(at time.Time, who demoActor, service, action, rw, region string,
	params map[string]any, errCode string) {
	d.seq++
	global := service == ProductRAM || service == ProductSTS || service == ProductIMS
	host := map[string]string{"Ecs": "ecs." + region + ".aliyuncs.com",
		"Oss": "oss-" + region + ".aliyuncs.com"}[service]
	if global {
		host, region = hostID(service, region), DefaultRegion
	}
	ev := Event{
		"eventId":      fmt.Sprintf("9d1c%04x-5e7a-4c1b-9f20-%012x", d.seq, d.rng.Int64N(1<<48)),
		"requestId":    fmt.Sprintf("A1B2%04X-0C3D-4E5F-8A9B-%012X", d.seq, d.rng.Int64N(1<<48)),
		"eventVersion": 1, "eventTime": at.UTC().Format(timestampLayout),
		"eventName": action, "eventSource": host, "eventType": "ApiCall", "eventRW": rw,
		"eventCategory": "Management", "serviceName": service, "acsRegion": region,
		"isGlobal": global, "sourceIpAddress": who.ip, "userAgent": who.agent,
		"recipientAccountId": DemoAccountID, "userIdentity": who.identity,
		"requestParameters": params,
	}
	if refs := demoRefs(params); len(refs) > 0 {
		ev["referencedResources"] = refs
	}
	if errCode != "" {
		ev["errorCode"] = errCode
		ev["errorMessage"] = "You are not authorized to do this action. " +
			"You should be authorized by RAM."
	}
	d.events = append(d.events, ev)
}

func demoRefs(params map[string]any) map[string]any {
	refs := map[string]any{}
	for param, typ := range map[string]string{"UserName": "ACS::RAM::User",
		"RoleName": "ACS::RAM::Role", "PolicyName": "ACS::RAM::Policy"} {
		if v, ok := params[param].(string); ok {
			refs[typ] = []any{v}
		}
	}
	return refs
}

// stsKey makes a repeatable STS AccessKeyId.
func (d *demoBuilder) stsKey() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 25)
	for i := range b {
		b[i] = chars[d.rng.IntN(len(chars))]
	}
	return "STS." + string(b)
}

// normalTraffic is a month of CI runs on working days: assume deploy-role,
// deploy with the session, upload artifacts with the key.
func (d *demoBuilder) normalTraffic() {
	for day := 30; day >= 1; day-- {
		date := d.now.AddDate(0, 0, -day).Truncate(24 * time.Hour)
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for run := range 2 + d.rng.IntN(3) {
			at := date.Add(time.Duration(1+run*2)*time.Hour +
				time.Duration(d.rng.IntN(50))*time.Minute)
			d.ciRun(at, fmt.Sprintf("ci-%d-%d", 30-day, run))
		}
	}
}

func (d *demoBuilder) ciRun(at time.Time, session string) {
	ip := demoCIIPs[d.rng.IntN(len(demoCIIPs))]
	ci := ciActor(ip, demoCIAgent)
	key := d.stsKey()
	step := func() time.Time {
		at = at.Add(time.Duration(5+d.rng.IntN(40)) * time.Second)
		return at
	}
	d.call(step(), ci, ProductSTS, "AssumeRole", "Write", "cn-hangzhou", map[string]any{
		"RoleArn": "acs:ram::" + DemoAccountID + ":role/deploy-role", "RoleSessionName": session,
		"DurationSeconds": "3600"}, "")
	role := roleActor(demoDeployRoleID, "deploy-role", session, key, ip, demoCIAgent)
	for _, region := range []string{"cn-hangzhou", "cn-shanghai"} {
		d.call(step(), role, "Ecs", "DescribeInstances", "Read", region,
			map[string]any{"RegionId": region}, "")
	}
	d.call(step(), role, "Ecs", "ModifyInstanceAttribute", "Write", "cn-hangzhou",
		map[string]any{"RegionId": "cn-hangzhou", "InstanceId": "i-bp1demo0web01"}, "")
	d.call(step(), ci, "Oss", "PutObject", "Write", "cn-hangzhou",
		map[string]any{"BucketName": "acme-artifacts", "ObjectName": session + ".tar.gz"}, "")
}

// attack is the intrusion: reconnaissance with the leaked key, a pivot
// into ops-admin, a backdoor user with its own key, and a region sweep.
func (d *demoBuilder) attack() {
	start := d.now.AddDate(0, 0, -3).Truncate(24 * time.Hour).Add(2*time.Hour + 13*time.Minute)
	at := start
	next := func(s int) time.Time { at = at.Add(time.Duration(s) * time.Second); return at }
	leaked := ciActor(demoAttackerIPs[0], demoCLIAgent)

	d.call(next(0), leaked, ProductSTS, "GetCallerIdentity", "Read", "cn-hangzhou", nil, "")
	for _, a := range []string{"ListUsers", "ListRoles"} {
		d.call(next(7), leaked, ProductRAM, a, "Read", "cn-hangzhou", nil, "NoPermission")
	}
	d.call(next(9), leaked, ProductRAM, "ListPoliciesForUser", "Read", "cn-hangzhou",
		map[string]any{"UserName": "ci-deploy"}, "NoPermission")
	d.call(next(40), leaked, ProductSTS, "AssumeRole", "Write", "cn-hangzhou", map[string]any{
		"RoleArn":         "acs:ram::" + DemoAccountID + ":role/ops-admin",
		"RoleSessionName": "maint"}, "")

	ops := roleActor(demoOpsRoleID, "ops-admin", "maint", d.stsKey(), demoAttackerIPs[1],
		demoCLIAgent)
	for _, a := range []string{"ListUsers", "ListRoles"} {
		d.call(next(20), ops, ProductRAM, a, "Read", "cn-hangzhou", nil, "")
	}
	d.call(next(420), ops, ProductRAM, "CreateUser", "Write", "cn-hangzhou",
		map[string]any{"UserName": "backup-svc"}, "")
	d.call(next(30), ops, ProductRAM, "CreateAccessKey", "Write", "cn-hangzhou",
		map[string]any{"UserName": "backup-svc"}, "")
	d.call(next(25), ops, ProductRAM, "AttachPolicyToUser", "Write", "cn-hangzhou",
		map[string]any{"UserName": "backup-svc", "PolicyName": "AdministratorAccess",
			"PolicyType": "System"}, "")
	d.sweep(next(3600))
	d.call(d.now.Add(-26*time.Hour), leaked, ProductSTS, "GetCallerIdentity", "Read",
		"cn-hangzhou", nil, "")
}

// sweep is the backdoor key looking for instances and buckets everywhere.
func (d *demoBuilder) sweep(at time.Time) {
	backdoor := demoActor{ip: demoAttackerIPs[2], agent: demoCLIAgent, identity: map[string]any{
		"type": "ram-user", "accountId": DemoAccountID, "principalId": demoBackdoorID,
		"userName": "backup-svc", "accessKeyId": DemoBackdoorKey,
	}}
	for i, region := range demoScanRegions {
		t := at.Add(time.Duration(i*11) * time.Second)
		d.call(t, backdoor, "Ecs", "DescribeInstances", "Read", region,
			map[string]any{"RegionId": region}, "")
	}
	d.call(at.Add(3*time.Minute), backdoor, "Oss", "ListBuckets", "Read", "cn-hangzhou", nil, "")
	d.call(at.Add(5*time.Minute), backdoor, "Ecs", "CreateInstance", "Write", "ap-southeast-1",
		map[string]any{"RegionId": "ap-southeast-1",
			"InstanceType": "ecs.gn6i-c24g1.6xlarge"}, "")
}
