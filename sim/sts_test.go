package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

func TestGetCallerIdentity(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "deploy-role")
	role := inst.World.Accounts[testAccount].Roles["deploy-role"]
	user := inst.World.Accounts[testAccount].Users["ci-deploy"]

	tests := []struct {
		name                string
		id, secret, token   string
		typ, arn, principal string
		userID, roleID      string
	}{
		{"root", rootKeyID, rootSecret, "", "Account",
			"acs:ram::" + testAccount + ":root", testAccount, testAccount, ""},
		{"ram user", ciKeyID, ciSecret, "", "RAMUser",
			"acs:ram::" + testAccount + ":user/ci-deploy", user.ID, user.ID, ""},
		{"assumed role", creds.AccessKeyId, creds.AccessKeySecret, creds.SecurityToken,
			"AssumedRoleUser", "acs:ram::" + testAccount + ":assumed-role/deploy-role/test-session",
			role.ID + ":test-session", "", role.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := stsClient(t, inst, tt.id, tt.secret, tt.token).
				GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
			if err != nil {
				t.Fatalf("get caller identity: %v", err)
			}
			got := []string{resp.IdentityType, resp.Arn, resp.PrincipalId, resp.UserId,
				resp.RoleId, resp.AccountId}
			want := []string{tt.typ, tt.arn, tt.principal, tt.userID, tt.roleID, testAccount}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("identity = %q, want %q", got, want)
			}
		})
	}
}

func TestAssumeRoleSuccess(t *testing.T) {
	inst := startSim(t, Options{})
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::" + testAccount + ":role/deploy-role"
	req.RoleSessionName = "deploy"
	req.DurationSeconds = "7200"
	before := inst.Now()
	resp, err := stsClient(t, inst, ciKeyID, ciSecret, "").AssumeRole(req)
	if err != nil {
		t.Fatalf("assume role: %v", err)
	}

	role := inst.World.Accounts[testAccount].Roles["deploy-role"]
	c := resp.Credentials
	if !strings.HasPrefix(c.AccessKeyId, "STS.") || len(c.AccessKeyId) < 20 ||
		c.AccessKeySecret == "" || len(c.SecurityToken) < 100 {
		t.Errorf("credentials look wrong: id %q, token %d chars", c.AccessKeyId,
			len(c.SecurityToken))
	}
	exp, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration)
	if err != nil {
		t.Fatalf("expiration %q: %v", c.Expiration, err)
	}
	if d := exp.Sub(before); d < 7199*time.Second || d > 7201*time.Second {
		t.Errorf("expiration %s is %s after the call, want 2h", c.Expiration, d)
	}
	if resp.AssumedRoleUser.AssumedRoleId != role.ID+":deploy" ||
		resp.AssumedRoleUser.Arn != "acs:ram::"+testAccount+":role/deploy-role/deploy" {
		t.Errorf("assumed role user = %+v", resp.AssumedRoleUser)
	}
	tok := inst.World.TokenByID(c.AccessKeyId)
	if tok == nil || tok.MintedBy != ciKeyID || tok.RoleID != role.ID {
		t.Errorf("stored token = %+v", tok)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	inst := startSim(t, Options{})
	arn := func(role string) string { return "acs:ram::" + testAccount + ":role/" + role }
	tests := []struct {
		name       string
		id, secret string
		set        func(*sts.AssumeRoleRequest)
		code       string
		status     int
	}{
		{"missing arn", ciKeyID, ciSecret, func(r *sts.AssumeRoleRequest) { r.RoleArn = "" },
			"MissingParameter", 400},
		{"malformed arn", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleArn = "arn:aws:iam::1:role/x" },
			"InvalidParameter.RoleArn", 400},
		{"bad session name", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleSessionName = "a b" },
			"InvalidParameter.RoleSessionName", 400},
		{"short duration", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "899" },
			"InvalidParameter.DurationSeconds", 400},
		{"duration above role max", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "7201" },
			"InvalidParameter.DurationSeconds", 400},
		{"duration not a number", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.DurationSeconds = "1h" },
			"InvalidParameter.DurationSeconds", 400},
		{"bad session policy", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.Policy = "{not json" },
			"InvalidParameter.PolicyGrammar", 400},
		{"oversized session policy", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.Policy = strings.Repeat(" ", 2049) },
			"InvalidParameter.PolicySize", 400},
		{"bad external id", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.ExternalId = "x" },
			"InvalidParameter.ExternalId", 400},
		{"unknown role", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleArn = arn("no-such-role") },
			"EntityNotExist.Role", 404},
		{"root cannot assume", rootKeyID, rootSecret, nil, "NoPermission", 403},
		{"no sts permission", nobodyKeyID, nobodySecret, nil, "NoPermission", 403},
		{"not trusted", adminKeyID, adminSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleArn = arn("ci-only") },
			"NoPermission", 403},
		{"external id missing", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleArn = arn("ext-role") },
			"NoPermission", 403},
		{"external id wrong", ciKeyID, ciSecret,
			func(r *sts.AssumeRoleRequest) { r.RoleArn = arn("ext-role"); r.ExternalId = "zzz-9" },
			"NoPermission", 403},
		{"other account not trusting", outsiderKeyID, outsiderSec, nil, "NoPermission", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sts.CreateAssumeRoleRequest()
			req.RoleArn = arn("deploy-role")
			req.RoleSessionName = "s1"
			if tt.set != nil {
				tt.set(req)
			}
			_, err := stsClient(t, inst, tt.id, tt.secret, "").AssumeRole(req)
			serverError(t, err, tt.code, tt.status)
		})
	}
	if n := len(inst.World.tokens); n != 0 {
		t.Errorf("%d tokens minted by failed calls", n)
	}
}

func TestAssumeRoleVariants(t *testing.T) {
	inst := startSim(t, Options{})
	tests := []struct {
		name     string
		role     string
		external string
	}{
		{"trusted user", "ci-only", ""},
		{"matching external id", "ext-role", "abc-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sts.CreateAssumeRoleRequest()
			req.RoleArn = "acs:ram::" + testAccount + ":role/" + tt.role
			req.RoleSessionName = "s1"
			req.ExternalId = tt.external
			if _, err := stsClient(t, inst, ciKeyID, ciSecret, "").AssumeRole(req); err != nil {
				t.Fatalf("assume: %v", err)
			}
		})
	}

	t.Run("role chaining", func(t *testing.T) {
		c := assume(t, inst, "deploy-role")
		req := sts.CreateAssumeRoleRequest()
		req.RoleArn = "acs:ram::" + testAccount + ":role/ext-role"
		req.RoleSessionName = "chained"
		req.ExternalId = "abc-123"
		resp, err := stsClient(t, inst, c.AccessKeyId, c.AccessKeySecret, c.SecurityToken).
			AssumeRole(req)
		if err != nil {
			t.Fatalf("chained assume: %v", err)
		}
		if tok := inst.World.TokenByID(resp.Credentials.AccessKeyId); tok.MintedBy != c.AccessKeyId {
			t.Errorf("MintedBy = %s, want the first session's key", tok.MintedBy)
		}
	})
}

func TestTokenLifecycle(t *testing.T) {
	identity := func(inst *Instance, c sts.Credentials) error {
		_, err := stsClient(t, inst, c.AccessKeyId, c.AccessKeySecret, c.SecurityToken).
			GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		return err
	}

	t.Run("expires", func(t *testing.T) {
		inst := startSim(t, Options{})
		c := assume(t, inst, "deploy-role")
		if err := identity(inst, c); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		if err := inst.AdvanceClock(time.Hour + time.Second); err != nil {
			t.Fatal(err)
		}
		serverError(t, identity(inst, c), "InvalidSecurityToken.Expired", 400)
	})

	t.Run("void after role delete and recreate", func(t *testing.T) {
		inst := startSim(t, Options{})
		c := assume(t, inst, "ci-only")
		rc := ramClient(t, inst, adminKeyID, adminSecret, "")
		get := ram.CreateGetRoleRequest()
		get.RoleName = "ci-only"
		old, err := rc.GetRole(get)
		if err != nil {
			t.Fatalf("get role: %v", err)
		}
		detach := ram.CreateDetachPolicyFromRoleRequest()
		detach.RoleName, detach.PolicyName, detach.PolicyType = "ci-only", "ReadOnlyAccess", "System"
		if _, err := rc.DetachPolicyFromRole(detach); err != nil {
			t.Fatalf("detach: %v", err)
		}
		del := ram.CreateDeleteRoleRequest()
		del.RoleName = "ci-only"
		if _, err := rc.DeleteRole(del); err != nil {
			t.Fatalf("delete role: %v", err)
		}
		serverError(t, identity(inst, c), "InvalidSecurityToken.Expired", 400)

		create := ram.CreateCreateRoleRequest()
		create.RoleName = "ci-only"
		create.AssumeRolePolicyDocument = old.Role.AssumeRolePolicyDocument
		if _, err := rc.CreateRole(create); err != nil {
			t.Fatalf("recreate role: %v", err)
		}
		serverError(t, identity(inst, c), "InvalidSecurityToken.Expired", 400)
		if err := identity(inst, assume(t, inst, "ci-only")); err != nil {
			t.Errorf("token of the new role refused: %v", err)
		}
	})

	t.Run("token mismatch and absence", func(t *testing.T) {
		inst := startSim(t, Options{})
		a, b := assume(t, inst, "deploy-role"), assume(t, inst, "deploy-role")
		tests := []struct {
			name, token, code string
		}{
			{"missing", "", "MissingSecurityToken"},
			{"another session's token", b.SecurityToken, "InvalidSecurityToken.MismatchWithAccessKey"},
			{"garbage", "CAISnotatoken", "InvalidSecurityToken.Malformed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := a
				c.SecurityToken = tt.token
				serverError(t, identity(inst, c), tt.code, 400)
			})
		}
	})
}

func TestAssumeRoleDeniedDetail(t *testing.T) {
	inst := startSim(t, Options{})
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::" + testAccount + ":role/deploy-role"
	req.RoleSessionName = "s1"
	_, err := stsClient(t, inst, nobodyKeyID, nobodySecret, "").AssumeRole(req)
	se := serverError(t, err, "NoPermission", 403)
	d := se.AccessDeniedDetail()
	if d["AuthAction"] != "sts:AssumeRole" || d["AuthPrincipalType"] != "SubUser" {
		t.Errorf("AccessDeniedDetail = %v", d)
	}
}
