package sim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

// These tests drive the real classic SDK against the emulator over HTTP.

var (
	userIDPattern  = regexp.MustCompile(`^[1-9][0-9]{15}$`)
	roleIDPattern  = regexp.MustCompile(`^[1-9][0-9]{18}$`)
	groupIDPattern = regexp.MustCompile(`^g-[A-Za-z0-9]{16}$`)
)

func mustCall(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustDate(t *testing.T, field, s string) {
	t.Helper()
	if _, err := time.Parse(dateLayout, s); err != nil {
		t.Errorf("%s = %q, not a 2006-01-02T15:04:05Z date", field, s)
	}
}

// apiCase is one call expected to fail with an error code and status.
type apiCase struct {
	name   string
	call   func() error
	code   string
	status int
}

func runErrorCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			serverError(t, tc.call(), tc.code, tc.status)
		})
	}
}

func sdkCreateUser(c *ram.Client, name string) error {
	req := ram.CreateCreateUserRequest()
	req.UserName = name
	_, err := c.CreateUser(req)
	return err
}

func createKey(c *ram.Client, user string) (ram.AccessKey, error) {
	req := ram.CreateCreateAccessKeyRequest()
	req.UserName = user
	resp, err := c.CreateAccessKey(req)
	if err != nil {
		return ram.AccessKey{}, err
	}
	return resp.AccessKey, nil
}

func setKeyStatus(c *ram.Client, user, id, status string) error {
	req := ram.CreateUpdateAccessKeyRequest()
	req.UserName, req.UserAccessKeyId, req.Status = user, id, status
	_, err := c.UpdateAccessKey(req)
	return err
}

func deleteKeyOf(c *ram.Client, user, id string) error {
	req := ram.CreateDeleteAccessKeyRequest()
	req.UserName, req.UserAccessKeyId = user, id
	_, err := c.DeleteAccessKey(req)
	return err
}

func attach(c *ram.Client, kind, target, typ, policy string) error {
	var err error
	switch kind {
	case kindUser:
		req := ram.CreateAttachPolicyToUserRequest()
		req.UserName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.AttachPolicyToUser(req)
	case kindGroup:
		req := ram.CreateAttachPolicyToGroupRequest()
		req.GroupName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.AttachPolicyToGroup(req)
	default:
		req := ram.CreateAttachPolicyToRoleRequest()
		req.RoleName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.AttachPolicyToRole(req)
	}
	return err
}

func detach(c *ram.Client, kind, target, typ, policy string) error {
	var err error
	switch kind {
	case kindUser:
		req := ram.CreateDetachPolicyFromUserRequest()
		req.UserName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.DetachPolicyFromUser(req)
	case kindGroup:
		req := ram.CreateDetachPolicyFromGroupRequest()
		req.GroupName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.DetachPolicyFromGroup(req)
	default:
		req := ram.CreateDetachPolicyFromRoleRequest()
		req.RoleName, req.PolicyType, req.PolicyName = target, typ, policy
		_, err = c.DetachPolicyFromRole(req)
	}
	return err
}

func TestRAMUserCalls(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")

	req := ram.CreateCreateUserRequest()
	req.UserName, req.DisplayName, req.Email = "alice", "Alice", "alice@example.com"
	req.Comments, req.MobilePhone = "on call", "86-18600008888"
	created, err := adm.CreateUser(req)
	mustCall(t, "create user", err)
	u := created.User
	if !userIDPattern.MatchString(u.UserId) || u.UserName != "alice" ||
		u.DisplayName != "Alice" || u.Email != "alice@example.com" || u.Comments != "on call" {
		t.Errorf("created user = %+v", u)
	}
	mustDate(t, "CreateDate", u.CreateDate)

	get := ram.CreateGetUserRequest()
	get.UserName = "alice"
	got, err := adm.GetUser(get)
	mustCall(t, "get user", err)
	if got.User.UserId != u.UserId || got.User.MobilePhone != "86-18600008888" {
		t.Errorf("got user = %+v", got.User)
	}

	upd := ram.CreateUpdateUserRequest()
	upd.UserName, upd.NewUserName, upd.NewDisplayName = "alice", "alice2", "Alice II"
	updated, err := adm.UpdateUser(upd)
	mustCall(t, "update user", err)
	if updated.User.UserName != "alice2" || updated.User.DisplayName != "Alice II" ||
		updated.User.UserId != u.UserId || updated.User.Email != "alice@example.com" {
		t.Errorf("updated user = %+v", updated.User)
	}

	getUser := func(name string) func() error {
		return func() error {
			r := ram.CreateGetUserRequest()
			r.UserName = name
			_, err := adm.GetUser(r)
			return err
		}
	}
	rename := func(from, to string) func() error {
		return func() error {
			r := ram.CreateUpdateUserRequest()
			r.UserName, r.NewUserName = from, to
			_, err := adm.UpdateUser(r)
			return err
		}
	}
	create := func(name string) func() error {
		return func() error { return sdkCreateUser(adm, name) }
	}
	runErrorCases(t, []apiCase{
		{"old name gone after rename", getUser("alice"), "EntityNotExist.User", 404},
		{"unknown user", getUser("ghost"), "EntityNotExist.User", 404},
		{"duplicate", create("alice2"), "EntityAlreadyExists.User", 409},
		{"invalid chars", create("al ice"), "InvalidParameter.UserName.InvalidChars", 400},
		{"too long", create(strings.Repeat("a", 65)), "InvalidParameter.UserName.Length", 400},
		{"missing name", create(""), "MissingParameter", 400},
		{"rename onto existing", rename("alice2", "admin"), "EntityAlreadyExists.User", 409},
		{"rename to invalid", rename("alice2", "a/b"), "InvalidParameter.UserName.InvalidChars",
			400},
	})
}

func TestRAMDeleteUserConflicts(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create group", createGroupNamed(adm, "ops"))

	tests := []struct {
		name  string
		setup func(user string) error
		code  string
	}{
		{"access key", func(u string) error { _, err := createKey(adm, u); return err },
			"DeleteConflict.User.AccessKey"},
		{"login profile", func(u string) error {
			req := ram.CreateCreateLoginProfileRequest()
			req.UserName, req.Password = u, "Passw0rd!x"
			_, err := adm.CreateLoginProfile(req)
			return err
		}, "DeleteConflict.User.LoginProfile"},
		{"group", func(u string) error { return addToGroup(adm, "ops", u) },
			"DeleteConflict.User.Group"},
		{"policy", func(u string) error {
			return attach(adm, kindUser, u, "System", "ReadOnlyAccess")
		}, "DeleteConflict.User.Policy"},
		{"nothing left", func(string) error { return nil }, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("victim-%d", i)
			mustCall(t, "create user", sdkCreateUser(adm, name))
			mustCall(t, "set up", tt.setup(name))
			req := ram.CreateDeleteUserRequest()
			req.UserName = name
			_, err := adm.DeleteUser(req)
			inst.World.Lock()
			exists := inst.World.Accounts[testAccount].Users[name] != nil
			inst.World.Unlock()
			if tt.code == "" {
				mustCall(t, "delete user", err)
				if exists {
					t.Fatal("user still exists after DeleteUser")
				}
				return
			}
			serverError(t, err, tt.code, 409)
			if !exists {
				t.Fatal("refused DeleteUser removed the user")
			}
		})
	}
}

func TestRAMListUsersPagination(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	for i := range 7 {
		mustCall(t, "create user", sdkCreateUser(adm, fmt.Sprintf("page-user-%d", i)))
	}
	inst.World.Lock()
	want := sortedKeys(inst.World.Accounts[testAccount].Users)
	inst.World.Unlock()

	tests := []struct {
		name  string
		max   int
		pages int
	}{
		{"three a page", 3, (len(want) + 2) / 3},
		{"one a page", 1, len(want)},
		{"default", 0, 1},
		{"exactly all", len(want), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := listAllUsers(t, adm, tt.max)
			if !slices.Equal(got, want) {
				t.Errorf("users = %v, want %v", got, want)
			}
			if pages != tt.pages {
				t.Errorf("pages = %d, want %d", pages, tt.pages)
			}
		})
	}

	list := func(max, marker string) func() error {
		return func() error {
			req := ram.CreateListUsersRequest()
			req.MaxItems, req.Marker = requests.Integer(max), marker
			_, err := adm.ListUsers(req)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"max items zero", list("0", ""), "InvalidParameter.MaxItems", 400},
		{"max items too big", list("1001", ""), "InvalidParameter.MaxItems", 400},
		{"bad marker", list("10", "!!"), "InvalidParameter.Marker", 400},
	})
}

// listAllUsers follows Marker until IsTruncated is false.
func listAllUsers(t *testing.T, c *ram.Client, max int) ([]string, int) {
	t.Helper()
	var names []string
	marker, pages := "", 0
	for {
		req := ram.CreateListUsersRequest()
		if max > 0 {
			req.MaxItems = requests.NewInteger(max)
		}
		req.Marker = marker
		resp, err := c.ListUsers(req)
		mustCall(t, "list users", err)
		pages++
		for _, u := range resp.Users.User {
			names = append(names, u.UserName)
		}
		if !resp.IsTruncated {
			if resp.Marker != "" {
				t.Errorf("last page carries Marker %q", resp.Marker)
			}
			return names, pages
		}
		if resp.Marker == "" || len(resp.Users.User) != max {
			t.Fatalf("truncated page: marker %q, %d users", resp.Marker, len(resp.Users.User))
		}
		marker = resp.Marker
	}
}

func TestRAMAccessKeys(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create user", sdkCreateUser(adm, "svc"))

	k1, err := createKey(adm, "svc")
	mustCall(t, "create key", err)
	if !strings.HasPrefix(k1.AccessKeyId, "LTAI") || len(k1.AccessKeySecret) < 20 ||
		k1.Status != "Active" {
		t.Errorf("created key = id %q, status %q, secret of %d chars",
			k1.AccessKeyId, k1.Status, len(k1.AccessKeySecret))
	}
	mustDate(t, "CreateDate", k1.CreateDate)
	k2, err := createKey(adm, "svc")
	mustCall(t, "create second key", err)

	lreq := ram.CreateListAccessKeysRequest()
	lreq.UserName = "svc"
	listed, err := adm.ListAccessKeys(lreq)
	mustCall(t, "list keys", err)
	ids := []string{}
	for _, k := range listed.AccessKeys.AccessKey {
		ids = append(ids, k.AccessKeyId)
		if k.AccessKeySecret != "" || k.Status != "Active" {
			t.Errorf("listed key %s: status %q, secret shown %v", k.AccessKeyId, k.Status,
				k.AccessKeySecret != "")
		}
	}
	if !slices.Equal(ids, []string{k1.AccessKeyId, k2.AccessKeyId}) {
		t.Errorf("listed keys = %v", ids)
	}

	runErrorCases(t, []apiCase{
		{"third key", func() error { _, err := createKey(adm, "svc"); return err },
			"LimitExceeded.User.AccessKey", 409},
		{"key of unknown user", func() error { _, err := createKey(adm, "ghost"); return err },
			"EntityNotExist.User", 404},
		{"bad status", func() error { return setKeyStatus(adm, "svc", k1.AccessKeyId, "Off") },
			"InvalidParameter.Status", 400},
		{"missing status", func() error { return setKeyStatus(adm, "svc", k1.AccessKeyId, "") },
			"MissingParameter", 400},
		{"unknown key", func() error { return setKeyStatus(adm, "svc", "LTAInope", "Inactive") },
			"EntityNotExist.User.AccessKey", 404},
		{"key of another user", func() error {
			return setKeyStatus(adm, "svc", adminKeyID, "Inactive")
		}, "EntityNotExist.User.AccessKey", 404},
		{"delete active key", func() error { return deleteKeyOf(adm, "svc", k1.AccessKeyId) },
			"Forbidden.AccessKey.Active", 403},
		{"delete key of another user", func() error {
			return deleteKeyOf(adm, "svc", offKeyID)
		}, "EntityNotExist.User.AccessKey", 404},
	})

	mustCall(t, "disable key", setKeyStatus(adm, "svc", k1.AccessKeyId, "Inactive"))
	inst.World.Lock()
	status := inst.World.Key(k1.AccessKeyId).Status
	inst.World.Unlock()
	if status != "Inactive" {
		t.Fatalf("key status after disable = %s", status)
	}
	mustCall(t, "delete inactive key", deleteKeyOf(adm, "svc", k1.AccessKeyId))
	serverError(t, deleteKeyOf(adm, "svc", k1.AccessKeyId), "EntityNotExist.User.AccessKey", 404)
	if _, err := createKey(adm, "svc"); err != nil {
		t.Fatalf("create key after deleting one: %v", err)
	}
}

func TestRAMOwnAccessKeys(t *testing.T) {
	inst := startSim(t, Options{})
	root := ramClient(t, inst, rootKeyID, rootSecret, "")
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")

	tests := []struct {
		name   string
		client *ram.Client
		want   string
	}{
		{"root without UserName", root, rootKeyID},
		{"user without UserName", adm, adminKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.ListAccessKeys(ram.CreateListAccessKeysRequest())
			mustCall(t, "list own keys", err)
			keys := resp.AccessKeys.AccessKey
			if len(keys) != 1 || keys[0].AccessKeyId != tt.want {
				t.Fatalf("own keys = %+v, want just %s", keys, tt.want)
			}
		})
	}

	t.Run("last used", func(t *testing.T) {
		lu := ram.CreateGetAccessKeyLastUsedRequest()
		lu.UserName, lu.UserAccessKeyId = "off", offKeyID
		resp, err := adm.GetAccessKeyLastUsed(lu)
		mustCall(t, "last used of unused key", err)
		if resp.AccessKeyLastUsed.LastUsedDate != "" {
			t.Errorf("unused key LastUsedDate = %q", resp.AccessKeyLastUsed.LastUsedDate)
		}
		lu = ram.CreateGetAccessKeyLastUsedRequest()
		lu.UserAccessKeyId = adminKeyID
		resp, err = adm.GetAccessKeyLastUsed(lu)
		mustCall(t, "last used of own key", err)
		mustDate(t, "LastUsedDate", resp.AccessKeyLastUsed.LastUsedDate)
	})
}

func TestRAMLoginProfile(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create user", sdkCreateUser(adm, "console"))

	get := func() (ram.LoginProfile, error) {
		req := ram.CreateGetLoginProfileRequest()
		req.UserName = "console"
		resp, err := adm.GetLoginProfile(req)
		if err != nil {
			return ram.LoginProfile{}, err
		}
		return resp.LoginProfile, nil
	}
	createProfile := func(user, pw string) func() error {
		return func() error {
			req := ram.CreateCreateLoginProfileRequest()
			req.UserName, req.Password = user, pw
			req.PasswordResetRequired = requests.NewBoolean(true)
			_, err := adm.CreateLoginProfile(req)
			return err
		}
	}
	_, err := get()
	serverError(t, err, "EntityNotExist.User.LoginProfile", 404)

	mustCall(t, "create profile", createProfile("console", "S3cure-pass")())
	lp, err := get()
	mustCall(t, "get profile", err)
	if lp.UserName != "console" || !lp.PasswordResetRequired || lp.MFABindRequired {
		t.Errorf("profile = %+v", lp)
	}
	mustDate(t, "CreateDate", lp.CreateDate)

	upd := ram.CreateUpdateLoginProfileRequest()
	upd.UserName, upd.MFABindRequired = "console", requests.NewBoolean(true)
	_, err = adm.UpdateLoginProfile(upd)
	mustCall(t, "update profile", err)
	if lp, _ = get(); !lp.MFABindRequired || !lp.PasswordResetRequired {
		t.Errorf("profile after update = %+v", lp)
	}

	del := func() error {
		req := ram.CreateDeleteLoginProfileRequest()
		req.UserName = "console"
		_, err := adm.DeleteLoginProfile(req)
		return err
	}
	runErrorCases(t, []apiCase{
		{"twice", createProfile("console", "S3cure-pass"),
			"EntityAlreadyExists.User.LoginProfile", 409},
		{"short password", createProfile("admin", "short"), "InvalidParameter.Password", 400},
		{"unknown user", createProfile("ghost", "S3cure-pass"), "EntityNotExist.User", 404},
	})
	mustCall(t, "delete profile", del())
	serverError(t, del(), "EntityNotExist.User.LoginProfile", 404)
}

func createGroupNamed(c *ram.Client, name string) error {
	req := ram.CreateCreateGroupRequest()
	req.GroupName, req.Comments = name, "team "+name
	_, err := c.CreateGroup(req)
	return err
}

func addToGroup(c *ram.Client, group, user string) error {
	req := ram.CreateAddUserToGroupRequest()
	req.GroupName, req.UserName = group, user
	_, err := c.AddUserToGroup(req)
	return err
}

func removeFromGroup(c *ram.Client, group, user string) error {
	req := ram.CreateRemoveUserFromGroupRequest()
	req.GroupName, req.UserName = group, user
	_, err := c.RemoveUserFromGroup(req)
	return err
}

func deleteGroupNamed(c *ram.Client, name string) error {
	req := ram.CreateDeleteGroupRequest()
	req.GroupName = name
	_, err := c.DeleteGroup(req)
	return err
}

func TestRAMGroups(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	req := ram.CreateCreateGroupRequest()
	req.GroupName, req.Comments = "ops", "operators"
	created, err := adm.CreateGroup(req)
	mustCall(t, "create group", err)
	if !groupIDPattern.MatchString(created.Group.GroupId) || created.Group.GroupName != "ops" ||
		created.Group.Comments != "operators" {
		t.Errorf("created group = %+v", created.Group)
	}
	mustCall(t, "add user", addToGroup(adm, "ops", "nobody"))
	mustCall(t, "add user", addToGroup(adm, "ops", "off"))

	fg := ram.CreateListGroupsForUserRequest()
	fg.UserName = "nobody"
	groups, err := adm.ListGroupsForUser(fg)
	mustCall(t, "groups for user", err)
	if g := groups.Groups.Group; len(g) != 1 || g[0].GroupName != "ops" || g[0].JoinDate == "" {
		t.Errorf("groups for user = %+v", g)
	}
	fu := ram.CreateListUsersForGroupRequest()
	fu.GroupName = "ops"
	members, err := adm.ListUsersForGroup(fu)
	mustCall(t, "users for group", err)
	if u := members.Users.User; len(u) != 2 || u[0].UserName != "nobody" || u[1].UserName != "off" {
		t.Errorf("users for group = %+v", u)
	}
	lg, err := adm.ListGroups(ram.CreateListGroupsRequest())
	mustCall(t, "list groups", err)
	if len(lg.Groups.Group) != 1 || lg.IsTruncated {
		t.Errorf("list groups = %+v", lg)
	}

	runErrorCases(t, []apiCase{
		{"duplicate group", func() error { return createGroupNamed(adm, "ops") },
			"EntityAlreadyExists.Group", 409},
		{"bad group name", func() error { return createGroupNamed(adm, "o p s") },
			"InvalidParameter.GroupName.InvalidChars", 400},
		{"member twice", func() error { return addToGroup(adm, "ops", "nobody") },
			"EntityAlreadyExists.User.Group", 409},
		{"unknown group", func() error { return addToGroup(adm, "devs", "nobody") },
			"EntityNotExist.Group", 404},
		{"delete with members", func() error { return deleteGroupNamed(adm, "ops") },
			"DeleteConflict.Group.User", 409},
		{"remove non-member", func() error { return removeFromGroup(adm, "ops", "admin") },
			"EntityNotExist.User.Group", 404},
	})

	mustCall(t, "remove", removeFromGroup(adm, "ops", "nobody"))
	mustCall(t, "remove", removeFromGroup(adm, "ops", "off"))
	mustCall(t, "attach", attach(adm, kindGroup, "ops", "System", "ReadOnlyAccess"))
	serverError(t, deleteGroupNamed(adm, "ops"), "DeleteConflict.Group.Policy", 409)
	mustCall(t, "detach", detach(adm, kindGroup, "ops", "System", "ReadOnlyAccess"))
	mustCall(t, "delete group", deleteGroupNamed(adm, "ops"))
	gg := ram.CreateGetGroupRequest()
	gg.GroupName = "ops"
	_, err = adm.GetGroup(gg)
	serverError(t, err, "EntityNotExist.Group", 404)
}

func TestRAMGroupLimitPerUser(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	for i := range maxGroupsPerUser {
		name := fmt.Sprintf("g%d", i)
		mustCall(t, "create group", createGroupNamed(adm, name))
		mustCall(t, "join", addToGroup(adm, name, "nobody"))
	}
	mustCall(t, "create group", createGroupNamed(adm, "one-too-many"))
	serverError(t, addToGroup(adm, "one-too-many", "nobody"), "LimitExceeded.User.Group", 409)
}

func TestRAMRenames(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create group", createGroupNamed(adm, "old-team"))
	mustCall(t, "join", addToGroup(adm, "old-team", "ci-deploy"))

	ug := ram.CreateUpdateGroupRequest()
	ug.GroupName, ug.NewGroupName, ug.NewComments = "old-team", "new-team", "renamed"
	resp, err := adm.UpdateGroup(ug)
	mustCall(t, "update group", err)
	if resp.Group.GroupName != "new-team" || resp.Group.Comments != "renamed" {
		t.Errorf("updated group = %+v", resp.Group)
	}
	uu := ram.CreateUpdateUserRequest()
	uu.UserName, uu.NewUserName = "ci-deploy", "ci-runner"
	_, err = adm.UpdateUser(uu)
	mustCall(t, "rename user", err)

	fg := ram.CreateListGroupsForUserRequest()
	fg.UserName = "ci-runner"
	groups, err := adm.ListGroupsForUser(fg)
	mustCall(t, "groups for renamed user", err)
	if g := groups.Groups.Group; len(g) != 1 || g[0].GroupName != "new-team" {
		t.Errorf("groups = %+v", g)
	}
	fu := ram.CreateListUsersForGroupRequest()
	fu.GroupName = "new-team"
	members, err := adm.ListUsersForGroup(fu)
	mustCall(t, "members of renamed group", err)
	if u := members.Users.User; len(u) != 1 || u[0].UserName != "ci-runner" {
		t.Errorf("members = %+v", u)
	}
	lk := ram.CreateListAccessKeysRequest()
	lk.UserName = "ci-runner"
	keys, err := adm.ListAccessKeys(lk)
	mustCall(t, "keys of renamed user", err)
	if k := keys.AccessKeys.AccessKey; len(k) != 1 || k[0].AccessKeyId != ciKeyID {
		t.Errorf("keys = %+v", k)
	}
	serverError(t, setKeyStatus(adm, "ci-deploy", ciKeyID, "Inactive"), "EntityNotExist.User", 404)
	mustCall(t, "disable under new name", setKeyStatus(adm, "ci-runner", ciKeyID, "Inactive"))
}

func TestRAMDeletePolicyVersion(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	doc := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}`
	mustCall(t, "create", createPolicyNamed(adm, "versioned", doc))
	mustCall(t, "new default", newVersion(adm, "versioned", doc, true, ""))

	del := func(v string) func() error {
		return func() error {
			req := ram.CreateDeletePolicyVersionRequest()
			req.PolicyName, req.VersionId = "versioned", v
			_, err := adm.DeletePolicyVersion(req)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"default version", del("v2"), "DeleteConflict.Policy.DefaultVersion", 409},
		{"unknown version", del("v7"), "EntityNotExist.Policy.Version", 404},
		{"policy with two versions", func() error { return deletePolicyNamed(adm, "versioned") },
			"DeleteConflict.Policy.Version", 409},
	})
	mustCall(t, "delete v1", del("v1")())
	mustCall(t, "delete policy", deletePolicyNamed(adm, "versioned"))
	serverError(t, deletePolicyNamed(adm, "versioned"), "EntityNotExist.Policy", 404)
}
