package sim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
)

const (
	docGet    = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:Get*","Resource":"*"}]}`
	docList   = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:List*","Resource":"*"}]}`
	trustRoot = `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
		`"Principal":{"RAM":["acs:ram::` + testAccount + `:root"]}}],"Version":"1"}`
)

func createPolicyNamed(c *ram.Client, name, doc string) error {
	req := ram.CreateCreatePolicyRequest()
	req.PolicyName, req.PolicyDocument, req.Description = name, doc, "test policy"
	_, err := c.CreatePolicy(req)
	return err
}

func newVersion(c *ram.Client, name, doc string, setDefault bool, rotate string) error {
	req := ram.CreateCreatePolicyVersionRequest()
	req.PolicyName, req.PolicyDocument, req.RotateStrategy = name, doc, rotate
	req.SetAsDefault = requests.NewBoolean(setDefault)
	_, err := c.CreatePolicyVersion(req)
	return err
}

func getPolicyVersionOf(c *ram.Client, typ, name, version string) (ram.PolicyVersion, error) {
	req := ram.CreateGetPolicyVersionRequest()
	req.PolicyType, req.PolicyName, req.VersionId = typ, name, version
	resp, err := c.GetPolicyVersion(req)
	if err != nil {
		return ram.PolicyVersion{}, err
	}
	return resp.PolicyVersion, nil
}

func deletePolicyNamed(c *ram.Client, name string) error {
	req := ram.CreateDeletePolicyRequest()
	req.PolicyName = name
	_, err := c.DeletePolicy(req)
	return err
}

func TestRAMPolicies(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create policy", createPolicyNamed(adm, "read-ram", docGet))

	get := ram.CreateGetPolicyRequest()
	get.PolicyType, get.PolicyName = "Custom", "read-ram"
	pol, err := adm.GetPolicy(get)
	mustCall(t, "get policy", err)
	if pol.Policy.PolicyName != "read-ram" || pol.Policy.PolicyType != "Custom" ||
		pol.Policy.DefaultVersion != "v1" || pol.Policy.Description != "test policy" ||
		pol.DefaultPolicyVersion.PolicyDocument != docGet ||
		!pol.DefaultPolicyVersion.IsDefaultVersion {
		t.Errorf("get policy = %+v", pol)
	}

	get.PolicyType, get.PolicyName = "System", "AliyunRAMReadOnlyAccess"
	sys, err := adm.GetPolicy(get)
	mustCall(t, "get system policy", err)
	if sys.Policy.PolicyType != "System" || !strings.Contains(
		sys.DefaultPolicyVersion.PolicyDocument, "ram:List*") {
		t.Errorf("system policy = %+v", sys)
	}

	getPol := func(typ, name string) func() error {
		return func() error {
			r := ram.CreateGetPolicyRequest()
			r.PolicyType, r.PolicyName = typ, name
			_, err := adm.GetPolicy(r)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"duplicate", func() error { return createPolicyNamed(adm, "read-ram", docGet) },
			"EntityAlreadyExists.Policy", 409},
		{"malformed", func() error { return createPolicyNamed(adm, "bad", `{"Version":"1"}`) },
			"MalformedPolicyDocument", 400},
		{"bad name", func() error { return createPolicyNamed(adm, "bad_name", docGet) },
			"InvalidParameter.PolicyName.InvalidChars", 400},
		{"unknown custom", getPol("Custom", "nope"), "EntityNotExist.Policy", 404},
		{"custom asked as system", getPol("System", "read-ram"), "EntityNotExist.Policy", 404},
		{"bad type", getPol("Managed", "read-ram"), "InvalidParameter.PolicyType", 400},
	})
}

func TestRAMListPolicies(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create", createPolicyNamed(adm, "p-one", docGet))
	mustCall(t, "create", createPolicyNamed(adm, "p-two", docList))

	tests := []struct {
		name    string
		typ     string
		max     int
		wantAll func(names []string) bool
	}{
		{"custom only", "Custom", 0, func(n []string) bool {
			return slices.Equal(n, []string{"p-one", "p-two"})
		}},
		{"system only", "System", 0, func(n []string) bool {
			return len(n) >= 10 && slices.Contains(n, "AdministratorAccess") &&
				!slices.Contains(n, "p-one")
		}},
		{"all, paged by two", "", 2, func(n []string) bool {
			return len(n) >= 12 && slices.Contains(n, "p-two") &&
				slices.Contains(n, "AliyunOSSFullAccess")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			marker := ""
			for {
				req := ram.CreateListPoliciesRequest()
				req.PolicyType, req.Marker = tt.typ, marker
				if tt.max > 0 {
					req.MaxItems = requests.NewInteger(tt.max)
				}
				resp, err := adm.ListPolicies(req)
				mustCall(t, "list policies", err)
				for _, p := range resp.Policies.Policy {
					names = append(names, p.PolicyName)
				}
				if !resp.IsTruncated {
					break
				}
				marker = resp.Marker
			}
			if !tt.wantAll(names) {
				t.Errorf("policies = %v", names)
			}
		})
	}
}

func TestRAMPolicyVersions(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create", createPolicyNamed(adm, "rotating", docGet))
	for range maxPolicyVersions - 1 {
		mustCall(t, "new version", newVersion(adm, "rotating", docList, false, ""))
	}
	serverError(t, newVersion(adm, "rotating", docList, false, ""),
		"LimitExceeded.Policy.Version", 409)
	mustCall(t, "rotate", newVersion(adm, "rotating", docList, true,
		"DeleteOldestNonDefaultVersionWhenLimitExceeded"))

	lv := ram.CreateListPolicyVersionsRequest()
	lv.PolicyType, lv.PolicyName = "Custom", "rotating"
	versions, err := adm.ListPolicyVersions(lv)
	mustCall(t, "list versions", err)
	var ids []string
	for _, v := range versions.PolicyVersions.PolicyVersion {
		ids = append(ids, v.VersionId)
		if v.IsDefaultVersion != (v.VersionId == "v6") {
			t.Errorf("version %s IsDefaultVersion = %v", v.VersionId, v.IsDefaultVersion)
		}
	}
	if !slices.Equal(ids, []string{"v1", "v3", "v4", "v5", "v6"}) {
		t.Errorf("versions = %v, want v2 rotated out", ids)
	}

	setDefault := func(v string) func() error {
		return func() error {
			req := ram.CreateSetDefaultPolicyVersionRequest()
			req.PolicyName, req.VersionId = "rotating", v
			_, err := adm.SetDefaultPolicyVersion(req)
			return err
		}
	}
	mustCall(t, "set default", setDefault("v1")())
	v1, err := getPolicyVersionOf(adm, "Custom", "rotating", "v1")
	mustCall(t, "get v1", err)
	if !v1.IsDefaultVersion || v1.PolicyDocument != docGet {
		t.Errorf("v1 = %+v", v1)
	}

	getVersion := func(v string) func() error {
		return func() error {
			_, err := getPolicyVersionOf(adm, "Custom", "rotating", v)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"bad version id", getVersion("1"), "InvalidParameter.VersionId.Format", 400},
		{"rotated version", getVersion("v2"), "EntityNotExist.Policy.Version", 404},
		{"set unknown default", setDefault("v9"), "EntityNotExist.Policy.Version", 404},
		{"delete with versions", func() error { return deletePolicyNamed(adm, "rotating") },
			"DeleteConflict.Policy.Version", 409},
	})
}

func TestRAMAttachments(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "create policy", createPolicyNamed(adm, "shared", docGet))
	mustCall(t, "create group", createGroupNamed(adm, "team"))
	mustCall(t, "create role", createRoleNamed(adm, "Worker", trustRoot))
	targets := map[string]string{kindUser: "nobody", kindGroup: "team", kindRole: "Worker"}

	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		mustCall(t, "attach "+kind, attach(adm, kind, targets[kind], "Custom", "shared"))
	}
	serverError(t, deletePolicyNamed(adm, "shared"), "DeleteConflict.Policy.User", 409)

	le := ram.CreateListEntitiesForPolicyRequest()
	le.PolicyType, le.PolicyName = "Custom", "shared"
	ents, err := adm.ListEntitiesForPolicy(le)
	mustCall(t, "entities", err)
	if len(ents.Users.User) != 1 || ents.Users.User[0].UserName != "nobody" ||
		len(ents.Groups.Group) != 1 || ents.Groups.Group[0].GroupName != "team" ||
		len(ents.Roles.Role) != 1 || ents.Roles.Role[0].RoleName != "Worker" {
		t.Errorf("entities = %+v", ents)
	}
	lp := ram.CreateListPoliciesForUserRequest()
	lp.UserName = "nobody"
	forUser, err := adm.ListPoliciesForUser(lp)
	mustCall(t, "policies for user", err)
	if p := forUser.Policies.Policy; len(p) != 1 || p[0].PolicyName != "shared" ||
		p[0].PolicyType != "Custom" || p[0].DefaultVersion != "v1" || p[0].AttachDate == "" {
		t.Errorf("policies for user = %+v", p)
	}
	gp := ram.CreateGetPolicyRequest()
	gp.PolicyType, gp.PolicyName = "Custom", "shared"
	if pol, err := adm.GetPolicy(gp); err != nil || pol.Policy.AttachmentCount != 3 {
		t.Errorf("AttachmentCount = %d (%v), want 3", pol.Policy.AttachmentCount, err)
	}

	var cases []apiCase
	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		target := targets[kind]
		cases = append(cases,
			apiCase{kind + " twice", func() error {
				return attach(adm, kind, target, "Custom", "shared")
			}, "EntityAlreadyExists." + kind + ".Policy", 409},
			apiCase{kind + " unknown policy", func() error {
				return attach(adm, kind, target, "System", "NoSuchPolicy")
			}, "EntityNotExist.Policy", 404},
			apiCase{kind + " detach not attached", func() error {
				return detach(adm, kind, target, "System", "ReadOnlyAccess")
			}, "EntityNotExist." + kind + ".Policy", 404},
		)
	}
	cases = append(cases,
		apiCase{"unknown role", func() error {
			return attach(adm, kindRole, "ghost", "Custom", "shared")
		}, "EntityNotExist.Role", 404},
		apiCase{"bad policy type", func() error {
			return attach(adm, kindUser, "nobody", "custom", "shared")
		}, "InvalidParameter.PolicyType", 400})
	runErrorCases(t, cases)

	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		mustCall(t, "detach "+kind, detach(adm, kind, targets[kind], "Custom", "shared"))
	}
	mustCall(t, "delete policy", deletePolicyNamed(adm, "shared"))
}

func TestRAMCustomPolicyAttachLimit(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	for i := range maxCustomAttached + 1 {
		name := "limit-" + string(rune('a'+i))
		mustCall(t, "create", createPolicyNamed(adm, name, docGet))
		err := attach(adm, kindUser, "nobody", "Custom", name)
		if i < maxCustomAttached {
			mustCall(t, "attach", err)
			continue
		}
		serverError(t, err, "LimitExceeded.User.Policy", 409)
	}
}

func createRoleNamed(c *ram.Client, name, trust string) error {
	req := ram.CreateCreateRoleRequest()
	req.RoleName, req.AssumeRolePolicyDocument = name, trust
	_, err := c.CreateRole(req)
	return err
}

func deleteRoleNamed(c *ram.Client, name string) error {
	req := ram.CreateDeleteRoleRequest()
	req.RoleName = name
	_, err := c.DeleteRole(req)
	return err
}

func TestRAMRoles(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")

	req := ram.CreateCreateRoleRequest()
	req.RoleName, req.AssumeRolePolicyDocument = "Incident.Responder", trustRoot
	req.Description, req.MaxSessionDuration = "responders", requests.NewInteger(7200)
	created, err := adm.CreateRole(req)
	mustCall(t, "create role", err)
	r := created.Role
	if !roleIDPattern.MatchString(r.RoleId) || r.RoleName != "Incident.Responder" ||
		r.Arn != "acs:ram::"+testAccount+":role/Incident.Responder" ||
		r.MaxSessionDuration != 7200 || r.AssumeRolePolicyDocument != trustRoot ||
		r.Description != "responders" {
		t.Errorf("created role = %+v", r)
	}
	mustDate(t, "CreateDate", r.CreateDate)

	upd := ram.CreateUpdateRoleRequest()
	upd.RoleName, upd.NewDescription = "Incident.Responder", "on call"
	upd.NewMaxSessionDuration = requests.NewInteger(43200)
	updated, err := adm.UpdateRole(upd)
	mustCall(t, "update role", err)
	if updated.Role.Description != "on call" || updated.Role.MaxSessionDuration != 43200 ||
		updated.Role.AssumeRolePolicyDocument != trustRoot || updated.Role.UpdateDate == "" {
		t.Errorf("updated role = %+v", updated.Role)
	}

	list, err := adm.ListRoles(ram.CreateListRolesRequest())
	mustCall(t, "list roles", err)
	var names []string
	for _, item := range list.Roles.Role {
		names = append(names, item.RoleName)
		if item.AssumeRolePolicyDocument != "" || item.Arn == "" {
			t.Errorf("list item %s: Arn %q, trust policy listed %v", item.RoleName, item.Arn,
				item.AssumeRolePolicyDocument != "")
		}
	}
	if !slices.Contains(names, "Incident.Responder") || !slices.Contains(names, "deploy-role") {
		t.Errorf("roles = %v", names)
	}

	create := func(name, trust, maxSession string) func() error {
		return func() error {
			req := ram.CreateCreateRoleRequest()
			req.RoleName, req.AssumeRolePolicyDocument = name, trust
			req.MaxSessionDuration = requests.Integer(maxSession)
			_, err := adm.CreateRole(req)
			return err
		}
	}
	runErrorCases(t, []apiCase{
		{"duplicate", create("Incident.Responder", trustRoot, ""), "EntityAlreadyExists.Role", 409},
		{"underscore in name", create("bad_name", trustRoot, ""),
			"InvalidParameter.RoleName.InvalidChars", 400},
		{"name too long", create(strings.Repeat("r", 65), trustRoot, ""),
			"InvalidParameter.RoleName.Length", 400},
		{"malformed trust", create("r1", `{"Version":"1","Statement":[{"Effect":"Allow",`+
			`"Action":"sts:AssumeRole"}]}`, ""), "MalformedPolicyDocument", 400},
		{"missing trust", create("r1", "", ""), "MissingParameter", 400},
		{"session too short", create("r1", trustRoot, "3599"),
			"InvalidParameter.MaxSessionDuration", 400},
		{"session too long", create("r1", trustRoot, "43201"),
			"InvalidParameter.MaxSessionDuration", 400},
		{"get unknown", func() error {
			req := ram.CreateGetRoleRequest()
			req.RoleName = "ghost"
			_, err := adm.GetRole(req)
			return err
		}, "EntityNotExist.Role", 404},
		{"delete unknown", func() error { return deleteRoleNamed(adm, "ghost") },
			"EntityNotExist.Role", 404},
	})
}

func TestRAMDeleteRoleConsistency(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	inst.World.Faults.SetConsistencyDelay(30 * time.Second)
	mustCall(t, "create role", createRoleNamed(adm, "rotate-me", trustRoot))
	roleID := func() string {
		req := ram.CreateGetRoleRequest()
		req.RoleName = "rotate-me"
		resp, err := adm.GetRole(req)
		mustCall(t, "get role", err)
		return resp.Role.RoleId
	}
	firstID := roleID()

	mustCall(t, "attach", attach(adm, kindRole, "rotate-me", "System", "ReadOnlyAccess"))
	mustCall(t, "attach", attach(adm, kindRole, "rotate-me", "System", "AliyunOSSFullAccess"))
	serverError(t, deleteRoleNamed(adm, "rotate-me"), "DeleteConflict.Role.Policy", 409)

	mustCall(t, "detach", detach(adm, kindRole, "rotate-me", "System", "ReadOnlyAccess"))
	mustCall(t, "advance", inst.AdvanceClock(time.Minute))
	serverError(t, deleteRoleNamed(adm, "rotate-me"), "DeleteConflict.Role.Policy", 409)

	mustCall(t, "detach", detach(adm, kindRole, "rotate-me", "System", "AliyunOSSFullAccess"))
	serverError(t, deleteRoleNamed(adm, "rotate-me"), "DeleteConflict.Role.Policy", 409)
	mustCall(t, "advance", inst.AdvanceClock(29*time.Second))
	serverError(t, deleteRoleNamed(adm, "rotate-me"), "DeleteConflict.Role.Policy", 409)
	mustCall(t, "advance", inst.AdvanceClock(2*time.Second))
	mustCall(t, "delete role", deleteRoleNamed(adm, "rotate-me"))

	mustCall(t, "recreate role", createRoleNamed(adm, "rotate-me", trustRoot))
	if second := roleID(); second == firstID || !roleIDPattern.MatchString(second) {
		t.Errorf("recreated role id %s, first was %s", second, firstID)
	}
}

func TestRAMNoPermission(t *testing.T) {
	inst := startSim(t, Options{})
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	mustCall(t, "attach", attach(adm, kindUser, "ci-deploy", "System", "AliyunRAMReadOnlyAccess"))
	deny := `{"Version":"1","Statement":[{"Effect":"Deny","Action":"ram:GetRole",` +
		`"Resource":"acs:ram:*:*:role/deploy-role"}]}`
	mustCall(t, "create deny", createPolicyNamed(adm, "no-deploy-role", deny))
	mustCall(t, "attach deny", attach(adm, kindUser, "ci-deploy", "Custom", "no-deploy-role"))
	ci := ramClient(t, inst, ciKeyID, ciSecret, "")
	nobody := ramClient(t, inst, nobodyKeyID, nobodySecret, "")

	getRole := func(c *ram.Client, name string) func() error {
		return func() error {
			req := ram.CreateGetRoleRequest()
			req.RoleName = name
			_, err := c.GetRole(req)
			return err
		}
	}
	if err := getRole(ci, "ci-only")(); err != nil {
		t.Fatalf("read-only user reading a role: %v", err)
	}

	tests := []struct {
		name   string
		call   func() error
		action string
		user   string
		kind   string
	}{
		{"read-only user writes", func() error { return sdkCreateUser(ci, "x") },
			"ram:CreateUser", "ci-deploy", "ImplicitDeny"},
		{"explicit deny on one role", getRole(ci, "deploy-role"),
			"ram:GetRole", "ci-deploy", "ExplicitDeny"},
		{"user without policies", getRole(nobody, "ci-only"),
			"ram:GetRole", "nobody", "ImplicitDeny"},
		{"own keys need permission too", func() error {
			_, err := nobody.ListAccessKeys(ram.CreateListAccessKeysRequest())
			return err
		}, "ram:ListAccessKeys", "nobody", "ImplicitDeny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := serverError(t, tt.call(), "NoPermission", 403)
			if !strings.Contains(se.Message(), "You should be authorized by RAM") {
				t.Errorf("message = %q", se.Message())
			}
			d := se.AccessDeniedDetail()
			want := map[string]string{
				"AuthAction": tt.action, "AuthPrincipalType": "SubUser",
				"AuthPrincipalDisplayName": tt.user, "AuthPrincipalOwnerId": testAccount,
				"NoPermissionType": tt.kind, "PolicyType": "AccountLevelIdentityBasedPolicy",
			}
			for k, v := range want {
				if d[k] != v {
					t.Errorf("AccessDeniedDetail[%s] = %v, want %s", k, d[k], v)
				}
			}
			if s, _ := d["EncodedDiagnosticMessage"].(string); s == "" {
				t.Error("EncodedDiagnosticMessage is empty")
			}
		})
	}
}

func TestRAMAssumedRolePermissions(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "ci-only")
	sess := ramClient(t, inst, creds.AccessKeyId, creds.AccessKeySecret, creds.SecurityToken)
	adm := ramClient(t, inst, adminKeyID, adminSecret, "")
	getRole := func() error {
		req := ram.CreateGetRoleRequest()
		req.RoleName = "ci-only"
		_, err := sess.GetRole(req)
		return err
	}

	mustCall(t, "read with role policy", getRole())
	mustCall(t, "detach", detach(adm, kindRole, "ci-only", "System", "ReadOnlyAccess"))
	se := serverError(t, getRole(), "NoPermission", 403)
	d := se.AccessDeniedDetail()
	if d["AuthPrincipalType"] != "AssumedRoleUser" ||
		d["AuthPrincipalDisplayName"] != "ci-only:test-session" {
		t.Errorf("AccessDeniedDetail = %v", d)
	}
}
