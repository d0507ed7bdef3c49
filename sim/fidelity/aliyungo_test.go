package fidelity_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/denverdino/aliyungo/common"
	dram "github.com/denverdino/aliyungo/ram"
	dsts "github.com/denverdino/aliyungo/sts"

	"github.com/respond-sec/respond/sim"
)

// goRAM is an aliyungo RAM client pointed at the emulator.
func goRAM(inst *sim.Instance, cr creds) *dram.RamClient {
	c := dram.NewClientWithEndpointAndSecurityToken(inst.URL()+"/", cr.id, cr.secret,
		cr.token)
	return c.(*dram.RamClient)
}

// goSTS is an aliyungo STS client pointed at the emulator.
func goSTS(inst *sim.Instance, cr creds) *dsts.STSClient {
	return dsts.NewClientWithEndpointAndSecurityToken(inst.URL()+"/", cr.id, cr.secret,
		cr.token)
}

// goClient is aliyungo's generic client for a product it has no package
// for (IMS, ActionTrail).
func goClient(inst *sim.Instance, version string, cr creds) *common.Client {
	c := &common.Client{}
	return c.WithEndpoint(inst.URL() + "/").WithVersion(version).WithAccessKeyId(cr.id).
		WithAccessKeySecret(cr.secret).WithSecurityToken(cr.token).InitClient()
}

// goInvoke calls an action with aliyungo's signer and decodes the answer
// into a map.
func goInvoke(c *common.Client, action string, params kv) (map[string]any, error) {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	out := map[string]any{}
	err := c.Invoke(action, q, &out)
	return out, err
}

// wantGoError asserts aliyungo's error: code, status and RequestId.
func wantGoError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var e *common.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an aliyungo Error %s", err, code)
	}
	if e.Code != code || e.StatusCode != status {
		t.Fatalf("error = %s (%d) %q, want %s (%d)", e.Code, e.StatusCode,
			clipped(e.Message), code, status)
	}
	if e.RequestId == "" || e.HostId == "" {
		t.Errorf("%s error lacks RequestId or HostId", e.Code)
	}
}

func TestAliyungoRAMUsers(t *testing.T) {
	inst := startSim(t, scenario())
	c := goRAM(inst, admin)

	got, err := c.GetUser(dram.UserQueryRequest{UserName: "ci-deploy"})
	if err != nil || got.User.UserName != "ci-deploy" || got.User.UserId == "" ||
		got.RequestId == "" {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	wantDate(t, "User.CreateDate", got.User.CreateDate)

	var names []string
	pages := 0
	for req := (dram.ListUserRequest{MaxItems: 2}); pages < 100; {
		page, err := c.ListUsers(req)
		if err != nil {
			t.Fatalf("ListUsers page %d: %v", pages+1, err)
		}
		pages++
		for _, u := range page.Users.User {
			names = append(names, u.UserName)
		}
		if !page.IsTruncated {
			break
		}
		req.Marker = page.Marker
	}
	wantSame(t, "ListUsers names", names, seededUsers)
	if pages != 4 {
		t.Errorf("ListUsers took %d pages of 2, want 4", pages)
	}
}

func TestAliyungoRAMKeys(t *testing.T) {
	inst := startSim(t, scenario())
	c := goRAM(inst, admin)

	user, err := c.CreateUser(dram.UserRequest{User: dram.User{UserName: "fresh",
		DisplayName: "Fresh User"}})
	if err != nil || user.User.UserName != "fresh" || user.User.DisplayName != "Fresh User" {
		t.Fatalf("CreateUser = %+v, %v", user, err)
	}
	key, err := c.CreateAccessKey(dram.UserQueryRequest{UserName: "fresh"})
	k := key.AccessKey
	if err != nil || k.AccessKeyId == "" || k.AccessKeySecret == "" ||
		k.Status != dram.Active {
		t.Fatalf("CreateAccessKey = id %q, status %q, secret given %t, %v",
			k.AccessKeyId, k.Status, k.AccessKeySecret != "", err)
	}
	wantDate(t, "AccessKey.CreateDate", k.CreateDate)

	who, err := goSTS(inst, creds{k.AccessKeyId, k.AccessKeySecret, ""}).GetCallerIdentity()
	if err != nil || who.Arn != "acs:ram::"+account+":user/fresh" || who.AccountId != account {
		t.Fatalf("GetCallerIdentity with the new key = %+v, %v", who, err)
	}

	if _, err := c.UpdateAccessKey(dram.UpdateAccessKeyRequest{UserName: "fresh",
		UserAccessKeyId: k.AccessKeyId, Status: dram.Inactive}); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	keys, err := c.ListAccessKeys(dram.UserQueryRequest{UserName: "fresh"})
	list := keys.AccessKeys.AccessKey
	if err != nil || len(list) != 1 || list[0].Status != dram.Inactive ||
		list[0].AccessKeySecret != "" {
		t.Fatalf("ListAccessKeys = %d keys, want 1 Inactive without secret, %v",
			len(list), err)
	}
	_, err = goSTS(inst, creds{k.AccessKeyId, k.AccessKeySecret, ""}).GetCallerIdentity()
	wantGoError(t, err, "InvalidAccessKeyId.Inactive", 400)
}

func TestAliyungoRAMRoles(t *testing.T) {
	inst := startSim(t, scenario())
	c := goRAM(inst, admin)

	created, err := c.CreateRole(dram.RoleRequest{RoleName: "app-role",
		AssumeRolePolicyDocument: trustAccount, Description: "app"})
	if err != nil || created.Role.RoleId == "" ||
		created.Role.Arn != "acs:ram::"+account+":role/app-role" {
		t.Fatalf("CreateRole = %+v, %v", created, err)
	}
	got, err := c.GetRole(dram.RoleQueryRequest{RoleName: "app-role"})
	if err != nil || got.Role.RoleId != created.Role.RoleId || got.Role.Description != "app" {
		t.Fatalf("GetRole = %+v, %v", got, err)
	}
	wantSameJSON(t, "AssumeRolePolicyDocument", got.Role.AssumeRolePolicyDocument,
		trustAccount)

	if _, err := c.AttachPolicyToRole(dram.AttachPolicyToRoleRequest{RoleName: "app-role",
		PolicyRequest: dram.PolicyRequest{PolicyType: dram.System,
			PolicyName: "ReadOnlyAccess"}}); err != nil {
		t.Fatalf("AttachPolicyToRole: %v", err)
	}
	_, err = c.DeleteRole(dram.RoleQueryRequest{RoleName: "app-role"})
	wantGoError(t, err, "DeleteConflict.Role.Policy", 409)
}

func TestAliyungoErrors(t *testing.T) {
	inst := startSim(t, scenario())
	// GetUser and GetRole go through Invoke: the typed methods drop errors.
	invoke := func(action string, params kv) func(cr creds) error {
		return func(cr creds) error {
			_, err := goInvoke(&goRAM(inst, cr).Client, action, params)
			return err
		}
	}
	listUsers := func(cr creds) error {
		_, err := goRAM(inst, cr).ListUsers(dram.ListUserRequest{})
		return err
	}
	tests := []struct {
		name   string
		cr     creds
		run    func(creds) error
		code   string
		status int
	}{
		{"unknown user", admin, invoke("GetUser", kv{"UserName": "ghost"}),
			"EntityNotExist.User", 404},
		{"unknown role", admin, invoke("GetRole", kv{"RoleName": "ghost"}),
			"EntityNotExist.Role", 404},
		{"wrong secret", creds{adminKeyID, "not-the-secret", ""}, listUsers,
			"SignatureDoesNotMatch", 400},
		{"unknown key", creds{unknownKey, "whatever", ""}, listUsers,
			"InvalidAccessKeyId.NotFound", 404},
		{"missing permission", nobody, listUsers, "NoPermission", 403},
		{"inactive key", off, listUsers, "InvalidAccessKeyId.Inactive", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantGoError(t, tt.run(tt.cr), tt.code, tt.status)
		})
	}
}

func TestAliyungoIMSAndSTS(t *testing.T) {
	inst := startSim(t, scenario())

	user, err := goInvoke(goClient(inst, sim.VersionIMS, admin), "GetUser",
		kv{"UserAccessKeyId": ciKeyID})
	if err != nil {
		t.Fatalf("IMS GetUser: %v", err)
	}
	wantFields(t, "IMS GetUser", user, kv{
		"User.UserName":          "ci-deploy",
		"User.UserPrincipalName": "ci-deploy@" + alias + ".onaliyun.com",
	})

	who, err := goSTS(inst, ci).GetCallerIdentity()
	userID := text(field(user, "User.UserId"))
	if err != nil || who.AccountId != account || who.UserId != userID ||
		who.Arn != "acs:ram::"+account+":user/ci-deploy" {
		t.Fatalf("GetCallerIdentity = %+v, %v", who, err)
	}

	token := goAssume(t, inst, "fid")
	who, err = goSTS(inst, token).GetCallerIdentity()
	if err != nil || who.Arn != "acs:ram::"+account+":assumed-role/"+deployRole+"/fid" {
		t.Fatalf("GetCallerIdentity with a token = %+v, %v", who, err)
	}
	roles, err := goRAM(inst, token).ListRoles()
	if err != nil || len(roles.Roles.Role) != 1 || roles.Roles.Role[0].RoleName != deployRole {
		t.Fatalf("ListRoles with a token = %+v, %v", roles, err)
	}
	_, err = goRAM(inst, token).CreateUser(dram.UserRequest{User: dram.User{UserName: "x"}})
	wantGoError(t, err, "NoPermission", 403)
}

// goAssume assumes deploy-role as ci-deploy with aliyungo.
func goAssume(t *testing.T, inst *sim.Instance, session string) creds {
	t.Helper()
	resp, err := goSTS(inst, ci).AssumeRole(dsts.AssumeRoleRequest{
		RoleArn:         "acs:ram::" + account + ":role/" + deployRole,
		RoleSessionName: session, DurationSeconds: 900,
	})
	c := resp.Credentials
	if err != nil || !strings.HasPrefix(c.AccessKeyId, "STS.") || c.SecurityToken == "" ||
		resp.AssumedRoleUser.Arn != "acs:ram::"+account+":role/"+deployRole+"/"+session {
		t.Fatalf("AssumeRole = %+v, %v", resp.AssumedRoleUser, err)
	}
	wantDate(t, "Credentials.Expiration", c.Expiration)
	return creds{c.AccessKeyId, c.AccessKeySecret, c.SecurityToken}
}

func TestAliyungoLookupEvents(t *testing.T) {
	inst := startSim(t, scenario())
	for range 5 {
		if _, err := goSTS(inst, ci).GetCallerIdentity(); err != nil {
			t.Fatal(err)
		}
	}

	events, pages := goLookup(t, goClient(inst, sim.VersionActionTrail, admin), ciKeyID)
	if len(events) != 5 || pages != 3 {
		t.Fatalf("lookup found %d events in %d pages, want 5 in 3", len(events), pages)
	}
	for _, ev := range events {
		wantFields(t, "event", ev, kv{
			"eventName": "GetCallerIdentity", "userIdentity.accessKeyId": ciKeyID,
		})
	}
}

// goLookup pages through LookupEvents by EventAccessKeyId, two events a
// page, until NextToken is absent.
func goLookup(t *testing.T, c *common.Client, keyID string) ([]map[string]any, int) {
	t.Helper()
	params := kv{
		"RegionId":                sim.DefaultRegion,
		"LookupAttribute.1.Key":   "EventAccessKeyId",
		"LookupAttribute.1.Value": keyID,
		"MaxResults":              "2",
	}
	var events []map[string]any
	for pages := 1; pages < 100; pages++ {
		page, err := goInvoke(c, "LookupEvents", params)
		if err != nil {
			t.Fatalf("LookupEvents page %d: %v", pages, err)
		}
		for _, ev := range list(page, "Events") {
			events = append(events, ev.(map[string]any))
		}
		next, present := page["NextToken"]
		if !present {
			return events, pages
		}
		params["NextToken"] = text(next)
	}
	t.Fatal("LookupEvents never ends")
	return nil, 0
}
