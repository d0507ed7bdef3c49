package sim

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ims"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

func imsClient(t *testing.T, inst *Instance, id, secret string) *ims.Client {
	t.Helper()
	c, err := ims.NewClientWithAccessKey("cn-hangzhou", id, secret)
	if err != nil {
		t.Fatalf("ims client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

const ciUPN = "ci-deploy@acme.onaliyun.com"

func TestIMSGetUser(t *testing.T) {
	inst := startSim(t, Options{})
	c := imsClient(t, inst, adminKeyID, adminSecret)
	inst.World.Lock()
	ciID := inst.World.Accounts[testAccount].Users["ci-deploy"].ID
	inst.World.Unlock()

	tests := []struct {
		name string
		set  func(*ims.GetUserRequest)
	}{
		{"by principal name", func(r *ims.GetUserRequest) { r.UserPrincipalName = ciUPN }},
		{"by principal name, domain case", func(r *ims.GetUserRequest) {
			r.UserPrincipalName = "ci-deploy@ACME.onaliyun.com"
		}},
		{"by user id", func(r *ims.GetUserRequest) { r.UserId = ciID }},
		{"by access key", func(r *ims.GetUserRequest) { r.UserAccessKeyId = ciKeyID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ims.CreateGetUserRequest()
			tt.set(req)
			resp, err := c.GetUser(req)
			mustCall(t, "get user", err)
			u := resp.User
			if u.UserId != ciID || u.UserPrincipalName != ciUPN || u.ProvisionType != "Manual" {
				t.Errorf("user = %+v", u)
			}
			mustDate(t, "CreateDate", u.CreateDate)
		})
	}

	get := func(set func(*ims.GetUserRequest)) func() error {
		return func() error {
			req := ims.CreateGetUserRequest()
			set(req)
			_, err := c.GetUser(req)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"unknown key", get(func(r *ims.GetUserRequest) { r.UserAccessKeyId = "LTAInone" }),
			"EntityNotExist.User", 404},
		{"root key", get(func(r *ims.GetUserRequest) { r.UserAccessKeyId = rootKeyID }),
			"EntityNotExist.User", 404},
		{"key of another account", get(func(r *ims.GetUserRequest) {
			r.UserAccessKeyId = outsiderKeyID
		}), "EntityNotExist.User", 404},
		{"other account's domain", get(func(r *ims.GetUserRequest) {
			r.UserPrincipalName = "outsider@other.onaliyun.com"
		}), "EntityNotExist.User", 404},
		{"unknown user id", get(func(r *ims.GetUserRequest) { r.UserId = "1" }),
			"EntityNotExist.User", 404},
		{"malformed principal name", get(func(r *ims.GetUserRequest) {
			r.UserPrincipalName = "ci-deploy"
		}), "InvalidParameter.UserPrincipalName", 400},
		{"no selector", get(func(*ims.GetUserRequest) {}), "InvalidParameter", 400},
		{"two selectors", get(func(r *ims.GetUserRequest) {
			r.UserId, r.UserAccessKeyId = ciID, ciKeyID
		}), "InvalidParameter", 400},
	})
}

func TestIMSListUsers(t *testing.T) {
	inst := startSim(t, Options{})
	c := imsClient(t, inst, adminKeyID, adminSecret)
	tests := []struct {
		name   string
		status string
		tag    bool
		max    int
		want   int
	}{
		{"default", "", false, 0, 4},
		{"active", "active", false, 0, 4},
		{"both", "active,freeze", false, 0, 4},
		{"frozen only", "freeze", false, 0, 0},
		{"tag filter", "", true, 0, 0},
		{"first page", "", false, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ims.CreateListUsersRequest()
			req.Status = tt.status
			if tt.tag {
				req.Tag = &[]ims.ListUsersTag{{Key: "team", Value: "ops"}}
			}
			if tt.max > 0 {
				req.MaxItems = requests.NewInteger(tt.max)
			}
			resp, err := c.ListUsers(req)
			mustCall(t, "list users", err)
			if len(resp.Users.User) != tt.want || resp.IsTruncated != (tt.max > 0) {
				t.Fatalf("%d users, truncated %v", len(resp.Users.User), resp.IsTruncated)
			}
			for _, u := range resp.Users.User {
				if u.Status != "active" || u.UserPrincipalName == "" {
					t.Errorf("user = %+v", u)
				}
			}
		})
	}
	runErrorCases(t, []apiCase{{"bad status", func() error {
		req := ims.CreateListUsersRequest()
		req.Status = "gone"
		_, err := c.ListUsers(req)
		return err
	}, "InvalidParameter.Status", 400}})
}

func TestIMSAccessKeys(t *testing.T) {
	inst := startSim(t, Options{})
	c := imsClient(t, inst, adminKeyID, adminSecret)
	k2, err := createKey(ramClient(t, inst, adminKeyID, adminSecret, ""), "ci-deploy")
	mustCall(t, "create key", err)

	lk := ims.CreateListAccessKeysRequest()
	lk.UserPrincipalName = ciUPN
	keys, err := c.ListAccessKeys(lk)
	mustCall(t, "list keys", err)
	if ak := keys.AccessKeys.AccessKey; len(ak) != 2 || ak[0].AccessKeyId != ciKeyID ||
		ak[1].AccessKeyId != k2.AccessKeyId || ak[0].UpdateDate == "" {
		t.Errorf("keys = %+v", ak)
	}
	own, err := c.ListAccessKeys(ims.CreateListAccessKeysRequest())
	mustCall(t, "list own keys", err)
	if ak := own.AccessKeys.AccessKey; len(ak) != 1 || ak[0].AccessKeyId != adminKeyID {
		t.Errorf("own keys = %+v", ak)
	}

	lu := ims.CreateGetAccessKeyLastUsedRequest()
	lu.UserPrincipalName, lu.UserAccessKeyId = ciUPN, ciKeyID
	_, err = stsClient(t, inst, ciKeyID, ciSecret, "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	mustCall(t, "use the key", err)
	used, err := c.GetAccessKeyLastUsed(lu)
	mustCall(t, "last used", err)
	mustDate(t, "LastUsedDate", used.AccessKeyLastUsed.LastUsedDate)
	if used.AccessKeyLastUsed.ServiceName != "sts" {
		t.Errorf("ServiceName = %q", used.AccessKeyLastUsed.ServiceName)
	}

	update := func(id, status string) func() error {
		return func() error {
			req := ims.CreateUpdateAccessKeyRequest()
			req.UserPrincipalName, req.UserAccessKeyId, req.Status = ciUPN, id, status
			_, err := c.UpdateAccessKey(req)
			return err
		}
	}
	del := func(id string) func() error {
		return func() error {
			req := ims.CreateDeleteAccessKeyRequest()
			req.UserPrincipalName, req.UserAccessKeyId = ciUPN, id
			_, err := c.DeleteAccessKey(req)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"bad status", update(k2.AccessKeyId, "active"), "InvalidParameter.Status", 400},
		{"key of another user", update(adminKeyID, "Inactive"),
			"EntityNotExist.User.AccessKey", 404},
		{"delete active", del(k2.AccessKeyId), "Forbidden.AccessKey.Active", 403},
	})
	mustCall(t, "disable", update(k2.AccessKeyId, "Inactive")())
	mustCall(t, "delete", del(k2.AccessKeyId)())
	serverError(t, del(k2.AccessKeyId)(), "EntityNotExist.User.AccessKey", 404)
}

func TestIMSGroupsAndLoginProfile(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	c := imsClient(t, inst, adminKeyID, adminSecret)
	mustCall(t, "create group", createGroupNamed(adm, "deployers"))
	mustCall(t, "join", addToGroup(adm, "deployers", "ci-deploy"))

	lg := ims.CreateListGroupsForUserRequest()
	lg.UserPrincipalName = ciUPN
	groups, err := c.ListGroupsForUser(lg)
	mustCall(t, "groups for user", err)
	if g := groups.Groups.Group; len(g) != 1 || g[0].GroupName != "deployers" ||
		g[0].GroupId == "" || g[0].JoinDate == "" {
		t.Errorf("groups = %+v", g)
	}

	getProfile := func() (ims.LoginProfile, error) {
		req := ims.CreateGetLoginProfileRequest()
		req.UserPrincipalName = ciUPN
		resp, err := c.GetLoginProfile(req)
		if err != nil {
			return ims.LoginProfile{}, err
		}
		return resp.LoginProfile, nil
	}
	_, err = getProfile()
	serverError(t, err, "EntityNotExist.User.LoginProfile", 404)

	cp := ram.CreateCreateLoginProfileRequest()
	cp.UserName, cp.Password = "ci-deploy", "Another-pass1"
	cp.MFABindRequired = requests.NewBoolean(true)
	_, err = adm.CreateLoginProfile(cp)
	mustCall(t, "create profile", err)
	lp, err := getProfile()
	mustCall(t, "get profile", err)
	if lp.UserPrincipalName != ciUPN || !lp.MFABindRequired || lp.Password != "" ||
		lp.Status != "Active" {
		t.Errorf("profile = %+v", lp)
	}

	runErrorCases(t, []apiCase{{"groups need a principal name", func() error {
		_, err := c.ListGroupsForUser(ims.CreateListGroupsForUserRequest())
		return err
	}, "MissingParameter", 400}})
}
