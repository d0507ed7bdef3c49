package fidelity_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/respond-sec/respond/sim"
)

// The incident: ci-bot's key leaked. ci-bot may read RAM and assume
// ops-admin, whose trust policy names it and which may change RAM.
const (
	leakedKeyID  = "LTAI5tLeakedCiBotKey001"
	leakedSecret = "leakedCiBotSecret000000000001"
	opsRole      = "ops-admin"
	session      = "backup-job"
)

var leaked = creds{leakedKeyID, leakedSecret, ""}

func attackScenario() *sim.Scenario {
	trust := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
		`"Principal":{"RAM":["acs:ram::` + account + `:user/ci-bot"]}}],"Version":"1"}`
	return &sim.Scenario{
		Accounts: []sim.ScenarioAccount{{
			ID: account, Alias: alias,
			Users: []sim.ScenarioUser{
				{Name: "secops", Keys: key(adminKeyID, adminSecret),
					Policies: attach("AdministratorAccess")},
				{Name: "ci-bot", Keys: key(leakedKeyID, leakedSecret),
					Policies: attach("AliyunSTSAssumeRoleAccess", "AliyunRAMReadOnlyAccess")},
				{Name: "dev-1"}, {Name: "dev-2"},
			},
			Roles: []sim.ScenarioRole{{Name: opsRole, TrustPolicy: sim.PolicyText(trust),
				Description: "operations", MaxSessionDuration: 7200,
				Policies: attach("AliyunRAMFullAccess", "AliyunActionTrailReadOnlyAccess")}},
		}},
		Admin: &sim.ScenarioAdmin{User: "secops"},
	}
}

// stolen is what the attacker gathered.
type stolen struct {
	token      creds    // the session of ops-admin
	backdoor   creds    // the key minted for persistence
	tokenCalls []string // actions called with the token, in order
}

func TestLeakedKeyAttack(t *testing.T) {
	inst := startSim(t, attackScenario())
	adminPut(t, inst, "/_sim/faults", `{"consistency_delay":"30s"}`)

	recon(t, inst)
	loot := persist(t, inst)
	oldID, newID := revokeSessions(t, inst, opsRole)
	if oldID == newID {
		t.Fatalf("the recreated role kept RoleId %s", oldID)
	}

	// The old session is void although a role of the same name exists.
	_, err := classicRAM(t, inst, loot.token).ListRoles(ram.CreateListRolesRequest())
	wantServerError(t, err, "InvalidSecurityToken.Expired", 400)
	loot.tokenCalls = append(loot.tokenCalls, "ListRoles")

	fresh, _ := classicAssume(t, inst, leaked, opsRole, "after-revocation")
	who, err := classicSTS(t, inst, fresh).
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil || who.RoleId != newID {
		t.Fatalf("a fresh session: identity %+v, %v; want RoleId %s", who, err, newID)
	}

	leakedEvents := lookupByKey(t, inst, leakedKeyID)
	wantLeakedKeyEvents(t, leakedEvents, loot.token.id, fresh.id)
	tokenEvents := lookupByKey(t, inst, loot.token.id)
	wantTokenEvents(t, tokenEvents, loot)

	wantNoSecrets(t, inst, append(leakedEvents, tokenEvents...), kv{
		"leaked secret": leakedSecret, "session secret": loot.token.secret,
		"session token": loot.token.token, "fresh secret": fresh.secret,
		"fresh token": fresh.token, "backdoor secret": loot.backdoor.secret,
	})
}

// wantNoSecrets scans lookup answers and every stored event (the state
// dump without secrets) for the secrets, after proving the scan sees them
// in the dump with secrets.
func wantNoSecrets(t *testing.T, inst *sim.Instance, events []map[string]any,
	secrets kv) {
	t.Helper()
	if found := secretsIn(mustJSON(t, events), secrets); len(found) > 0 {
		t.Errorf("LookupEvents answers hold %v", found)
	}
	if found := secretsIn(adminGet(t, inst, "/_sim/state"), secrets); len(found) > 0 {
		t.Errorf("the state dump (events included) holds %v", found)
	}
	full := secretsIn(adminGet(t, inst, "/_sim/state?secrets=1"), secrets)
	if !slices.Contains(full, "leaked secret") || !slices.Contains(full, "session token") {
		t.Errorf("the scan is blind: the dump with secrets shows only %v", full)
	}
}

// recon is what the attacker does with the leaked key first.
func recon(t *testing.T, inst *sim.Instance) {
	t.Helper()
	who, err := classicSTS(t, inst, leaked).
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil || who.Arn != "acs:ram::"+account+":user/ci-bot" {
		t.Fatalf("recon: identity %+v, %v", who, err)
	}
	c := classicRAM(t, inst, leaked)
	users, err := c.ListUsers(ram.CreateListUsersRequest())
	if err != nil || len(users.Users.User) != 4 {
		t.Fatalf("recon: ListUsers = %+v, %v", users, err)
	}
	roles, err := c.ListRoles(ram.CreateListRolesRequest())
	if err != nil || len(roles.Roles.Role) != 1 || roles.Roles.Role[0].RoleName != opsRole {
		t.Fatalf("recon: ListRoles = %+v, %v", roles, err)
	}
}

// persist assumes ops-admin and, with the session, creates a user with a
// key of its own.
func persist(t *testing.T, inst *sim.Instance) stolen {
	t.Helper()
	token, resp := classicAssume(t, inst, leaked, opsRole, session)
	if resp.AssumedRoleUser.Arn != "acs:ram::"+account+":role/"+opsRole+"/"+session {
		t.Errorf("AssumedRoleUser = %+v", resp.AssumedRoleUser)
	}
	c := classicRAM(t, inst, token)
	if _, err := c.ListRoles(ram.CreateListRolesRequest()); err != nil {
		t.Fatalf("session ListRoles: %v", err)
	}
	user := ram.CreateCreateUserRequest()
	user.UserName = "svc-backup"
	if _, err := c.CreateUser(user); err != nil {
		t.Fatalf("session CreateUser: %v", err)
	}
	key := ram.CreateCreateAccessKeyRequest()
	key.UserName = "svc-backup"
	k, err := c.CreateAccessKey(key)
	if err != nil || k.AccessKey.AccessKeySecret == "" {
		t.Fatalf("session CreateAccessKey = id %q, %v", k.AccessKey.AccessKeyId, err)
	}
	return stolen{
		token:      token,
		backdoor:   creds{k.AccessKey.AccessKeyId, k.AccessKey.AccessKeySecret, ""},
		tokenCalls: []string{"ListRoles", "CreateUser", "CreateAccessKey"},
	}
}

// revokeSessions voids every session of a role the only way RAM offers:
// detach its policies, delete it (waiting out the consistency delay),
// recreate it with the same name, trust policy and policies. It returns
// the old and the new RoleId.
func revokeSessions(t *testing.T, inst *sim.Instance, name string) (string, string) {
	t.Helper()
	c := classicRAM(t, inst, admin)
	get := ram.CreateGetRoleRequest()
	get.RoleName = name
	before, err := c.GetRole(get)
	if err != nil {
		t.Fatalf("defender GetRole: %v", err)
	}
	policies := rolePolicies(t, c, name)
	for _, p := range policies {
		detach := ram.CreateDetachPolicyFromRoleRequest()
		detach.RoleName, detach.PolicyType, detach.PolicyName = name, p[0], p[1]
		if _, err := c.DetachPolicyFromRole(detach); err != nil {
			t.Fatalf("defender detach %s: %v", p[1], err)
		}
	}
	deleteRoleEventually(t, inst, c, name)

	role := before.Role
	create := ram.CreateCreateRoleRequest()
	create.RoleName, create.Description = name, role.Description
	create.AssumeRolePolicyDocument = role.AssumeRolePolicyDocument
	create.MaxSessionDuration = requests.NewInteger64(role.MaxSessionDuration)
	after, err := c.CreateRole(create)
	if err != nil {
		t.Fatalf("defender recreate %s: %v", name, err)
	}
	for _, p := range policies {
		attach := ram.CreateAttachPolicyToRoleRequest()
		attach.RoleName, attach.PolicyType, attach.PolicyName = name, p[0], p[1]
		if _, err := c.AttachPolicyToRole(attach); err != nil {
			t.Fatalf("defender attach %s: %v", p[1], err)
		}
	}
	if got := rolePolicies(t, c, name); !slices.Equal(got, policies) {
		t.Errorf("recreated role's policies = %v, want %v", got, policies)
	}
	return role.RoleId, after.Role.RoleId
}

// rolePolicies lists a role's policies as (type, name) pairs.
func rolePolicies(t *testing.T, c *ram.Client, name string) [][2]string {
	t.Helper()
	req := ram.CreateListPoliciesForRoleRequest()
	req.RoleName = name
	resp, err := c.ListPoliciesForRole(req)
	if err != nil {
		t.Fatalf("ListPoliciesForRole %s: %v", name, err)
	}
	var out [][2]string
	for _, p := range resp.Policies.Policy {
		out = append(out, [2]string{p.PolicyType, p.PolicyName})
	}
	return out
}

// deleteRoleEventually retries DeleteRole while RAM still sees the
// detached policies, moving the emulated clock instead of sleeping.
func deleteRoleEventually(t *testing.T, inst *sim.Instance, c *ram.Client, name string) {
	t.Helper()
	del := ram.CreateDeleteRoleRequest()
	del.RoleName = name
	conflicts := 0
	for ; conflicts < 10; conflicts++ {
		_, err := c.DeleteRole(del)
		if err == nil {
			break
		}
		wantServerError(t, err, "DeleteConflict.Role.Policy", 409)
		if err := inst.AdvanceClock(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if conflicts == 0 || conflicts == 10 {
		t.Fatalf("DeleteRole met %d conflicts, want some, then success", conflicts)
	}
}

// lookupByKey pages through LookupEvents in the global-events region by
// EventAccessKeyId, two events a page, and returns the events oldest
// first.
func lookupByKey(t *testing.T, inst *sim.Instance, keyID string) []map[string]any {
	t.Helper()
	c := classicTrail(t, inst, sim.DefaultRegion, admin)
	var all []map[string]any
	next := ""
	for page := 1; page < 100; page++ {
		req := actiontrail.CreateLookupEventsRequest()
		req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
			{Key: "EventAccessKeyId", Value: keyID}}
		req.MaxResults = "2"
		req.NextToken = next
		resp, err := c.LookupEvents(req)
		if err != nil {
			t.Fatalf("LookupEvents %s page %d: %v", keyID, page, err)
		}
		all = append(all, resp.Events...)
		if next = resp.NextToken; next == "" {
			slices.Reverse(all) // newest first by default
			return all
		}
	}
	t.Fatal("LookupEvents never ends")
	return nil
}

func eventNames(events []map[string]any) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = text(ev["eventName"])
	}
	return out
}

// wantLeakedKeyEvents: recon and both AssumeRole calls, nothing done with
// a session, and AssumeRole answers without their secrets.
func wantLeakedKeyEvents(t *testing.T, events []map[string]any, sessionKeys ...string) {
	t.Helper()
	wantSame(t, "events of the leaked key", eventNames(events), []string{
		"GetCallerIdentity", "ListUsers", "ListRoles", "AssumeRole", "AssumeRole"})
	var minted []string
	for _, ev := range events {
		wantFields(t, text(ev["eventName"]), ev, kv{
			"userIdentity.type": "ram-user", "userIdentity.accessKeyId": leakedKeyID,
			"userIdentity.userName": "ci-bot", "errorCode": ""})
		if ev["eventName"] != "AssumeRole" {
			continue
		}
		minted = append(minted, text(field(ev, "responseElements.Credentials.AccessKeyId")))
		for _, secret := range []string{"AccessKeySecret", "SecurityToken"} {
			if v := field(ev, "responseElements.Credentials."+secret); v != nil {
				t.Errorf("AssumeRole event keeps Credentials.%s", secret)
			}
		}
	}
	wantSame(t, "STS keys in AssumeRole events", minted, sessionKeys)
}

// wantTokenEvents: exactly the calls made with the session, as the
// assumed role, the last one refused.
func wantTokenEvents(t *testing.T, events []map[string]any, loot stolen) {
	t.Helper()
	wantSame(t, "events of the session key", eventNames(events), loot.tokenCalls)
	for i, ev := range events {
		wantFields(t, text(ev["eventName"]), ev, kv{
			"userIdentity.type":        "assumed-role",
			"userIdentity.accessKeyId": loot.token.id,
			"userIdentity.userName":    opsRole + ":" + session,
		})
		wantDate(t, "sessionContext.attributes.creationDate",
			text(field(ev, "userIdentity.sessionContext.attributes.creationDate")))
		code := text(ev["errorCode"])
		if last := i == len(events)-1; last != (code == "InvalidSecurityToken.Expired") {
			t.Errorf("event %d (%s) errorCode = %q", i, ev["eventName"], code)
		}
	}
}

func TestStolenTokenExpires(t *testing.T) {
	inst := startSim(t, attackScenario())
	token, resp := classicAssume(t, inst, leaked, opsRole, session)
	exp, err := time.Parse(dateLayout, resp.Credentials.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q: %v", resp.Credentials.Expiration, err)
	}
	if left := exp.Sub(inst.Now()); left < 3590*time.Second || left > 3600*time.Second {
		t.Errorf("token lives %s, want the default hour", left)
	}
	c := classicSTS(t, inst, token)
	identity := func() error {
		_, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		return err
	}

	if err := inst.AdvanceClock(exp.Sub(inst.Now()) - 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := identity(); err != nil {
		t.Fatalf("token refused 2s before its Expiration: %v", err)
	}
	if err := inst.AdvanceClock(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	wantServerError(t, identity(), "InvalidSecurityToken.Expired", 400)
}

// adminGet reads an admin API path.
func adminGet(t *testing.T, inst *sim.Instance, path string) []byte {
	t.Helper()
	return adminDo(t, inst, http.MethodGet, path, "")
}

// adminPut writes a JSON body to an admin API path.
func adminPut(t *testing.T, inst *sim.Instance, path, body string) []byte {
	t.Helper()
	return adminDo(t, inst, http.MethodPut, path, body)
}

func adminDo(t *testing.T, inst *sim.Instance, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, inst.URL()+path,
		bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s %v", method, path, resp.Status, data, err)
	}
	if !json.Valid(data) {
		t.Fatalf("%s %s answered no JSON: %s", method, path, data)
	}
	return data
}
