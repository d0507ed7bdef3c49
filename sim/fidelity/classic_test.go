package fidelity_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"github.com/respond-sec/respond/sim"
)

// classicCore is a classic SDK core client: STS credentials when cr has a
// token, an AccessKey otherwise.
func classicCore(t *testing.T, inst *sim.Instance, region string, cr creds) *sdk.Client {
	t.Helper()
	var c *sdk.Client
	var err error
	if cr.token != "" {
		c, err = sdk.NewClientWithStsToken(region, cr.id, cr.secret, cr.token)
	} else {
		c, err = sdk.NewClientWithAccessKey(region, cr.id, cr.secret)
	}
	if err != nil {
		t.Fatalf("classic sdk client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

func classicRAM(t *testing.T, inst *sim.Instance, cr creds) *ram.Client {
	t.Helper()
	c, err := ram.NewClientWithAccessKey(sim.DefaultRegion, cr.id, cr.secret)
	if cr.token != "" {
		c, err = ram.NewClientWithStsToken(sim.DefaultRegion, cr.id, cr.secret, cr.token)
	}
	if err != nil {
		t.Fatalf("classic ram client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

func classicSTS(t *testing.T, inst *sim.Instance, cr creds) *sts.Client {
	t.Helper()
	c, err := sts.NewClientWithAccessKey(sim.DefaultRegion, cr.id, cr.secret)
	if cr.token != "" {
		c, err = sts.NewClientWithStsToken(sim.DefaultRegion, cr.id, cr.secret, cr.token)
	}
	if err != nil {
		t.Fatalf("classic sts client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

func classicTrail(t *testing.T, inst *sim.Instance, region string,
	cr creds) *actiontrail.Client {
	t.Helper()
	c, err := actiontrail.NewClientWithAccessKey(region, cr.id, cr.secret)
	if cr.token != "" {
		c, err = actiontrail.NewClientWithStsToken(region, cr.id, cr.secret, cr.token)
	}
	if err != nil {
		t.Fatalf("classic actiontrail client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

// commonCall runs an action through the core client's CommonRequest and
// decodes the answer.
func commonCall(c *sdk.Client, version, action string, params kv) (
	map[string]any, error) {
	req := requests.NewCommonRequest()
	req.Method = "POST"
	req.Scheme = "http"
	req.Version = version
	req.ApiName = action
	for k, v := range params {
		req.QueryParams[k] = v
	}
	resp, err := c.ProcessCommonRequest(req)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(resp.GetHttpContentBytes(), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// classicAssume assumes a role with the classic SDK.
func classicAssume(t *testing.T, inst *sim.Instance, cr creds, role, session string) (
	creds, *sts.AssumeRoleResponse) {
	t.Helper()
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::" + account + ":role/" + role
	req.RoleSessionName = session
	resp, err := classicSTS(t, inst, cr).AssumeRole(req)
	if err != nil {
		t.Fatalf("assume %s: %v", role, err)
	}
	c := resp.Credentials
	return creds{c.AccessKeyId, c.AccessKeySecret, c.SecurityToken}, resp
}

// wantServerError asserts the classic SDK's ServerError: code, status and
// the fields its decoder reads from the body.
func wantServerError(t *testing.T, err error, code string,
	status int) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a ServerError %s", err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("error = %s (%d) %q, want %s (%d)", se.ErrorCode(), se.HttpStatus(),
			clipped(se.Message()), code, status)
	}
	if se.RequestId() == "" || se.HostId() == "" || se.Message() == "" ||
		se.Recommend() == "" {
		t.Errorf("%s error lacks RequestId, HostId, Message or Recommend", code)
	}
	return se
}

func TestClassicWithSTSCredentials(t *testing.T) {
	inst := startSim(t, scenario())
	token, _ := classicAssume(t, inst, ci, deployRole, "classic")
	core := classicCore(t, inst, sim.DefaultRegion, token)

	who, err := commonCall(core, sim.VersionSTS, "GetCallerIdentity", nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity with a token: %v", err)
	}
	wantFields(t, "GetCallerIdentity", who, kv{
		"IdentityType": "AssumedRoleUser",
		"Arn":          "acs:ram::" + account + ":assumed-role/" + deployRole + "/classic",
	})

	roles, err := commonCall(core, sim.VersionRAM, "ListRoles", nil)
	if err != nil || len(list(roles, "Roles.Role")) != 1 {
		t.Fatalf("ListRoles with a token = %v, %v", roles, err)
	}
	user, err := commonCall(core, sim.VersionIMS, "GetUser",
		kv{"UserAccessKeyId": ciKeyID})
	if err != nil || text(field(user, "User.UserName")) != "ci-deploy" {
		t.Fatalf("IMS GetUser with a token = %v, %v", user, err)
	}

	typed, err := classicRAM(t, inst, token).ListRoles(ram.CreateListRolesRequest())
	if err != nil || len(typed.Roles.Role) != 1 || typed.Roles.Role[0].RoleName != deployRole {
		t.Fatalf("typed ListRoles with a token = %+v, %v", typed, err)
	}

	lookup := actiontrail.CreateLookupEventsRequest()
	lookup.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
		{Key: "EventAccessKeyId", Value: token.id}}
	events, err := classicTrail(t, inst, sim.DefaultRegion, admin).LookupEvents(lookup)
	if err != nil || len(events.Events) != 4 {
		t.Fatalf("events of the token = %+v, %v; want 4", events, err)
	}
	for _, ev := range events.Events {
		wantFields(t, "event", ev, kv{
			"userIdentity.type": "assumed-role", "userIdentity.accessKeyId": token.id})
	}
}

// errorCase drives the emulator into one error with the classic SDK.
type errorCase struct {
	name   string
	call   func(t *testing.T, inst *sim.Instance) error
	code   string
	status int
}

// ramCall runs a RAM action as cr through CommonRequest.
func ramCall(cr creds, action string, params kv) func(*testing.T, *sim.Instance) error {
	return func(t *testing.T, inst *sim.Instance) error {
		c := classicCore(t, inst, sim.DefaultRegion, cr)
		_, err := commonCall(c, sim.VersionRAM, action, params)
		return err
	}
}

// assumeWith runs AssumeRole as ci-deploy after set changes the request.
func assumeWith(set func(*sts.AssumeRoleRequest)) func(*testing.T, *sim.Instance) error {
	return func(t *testing.T, inst *sim.Instance) error {
		req := sts.CreateAssumeRoleRequest()
		req.RoleArn = "acs:ram::" + account + ":role/" + deployRole
		req.RoleSessionName = "errors"
		set(req)
		_, err := classicSTS(t, inst, ci).AssumeRole(req)
		return err
	}
}

// lookupWith runs LookupEvents as admin in region after set changes the
// request.
func lookupWith(region string, set func(*actiontrail.LookupEventsRequest)) func(
	*testing.T, *sim.Instance) error {
	return func(t *testing.T, inst *sim.Instance) error {
		req := actiontrail.CreateLookupEventsRequest()
		set(req)
		_, err := classicTrail(t, inst, region, admin).LookupEvents(req)
		return err
	}
}

// withToken runs GetCallerIdentity with a session of deploy-role after
// spoil changes the credentials or the world.
func withToken(spoil func(*testing.T, *sim.Instance, *creds)) func(
	*testing.T, *sim.Instance) error {
	return func(t *testing.T, inst *sim.Instance) error {
		token, _ := classicAssume(t, inst, ci, deployRole, "errors")
		spoil(t, inst, &token)
		_, err := classicSTS(t, inst, token).
			GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		return err
	}
}

// forced runs GetCallerIdentity after a fault rule answers it with code.
func forced(rule sim.FaultRule, throttle bool) func(*testing.T, *sim.Instance) error {
	return func(t *testing.T, inst *sim.Instance) error {
		inst.World.Faults.SetThrottling(throttle)
		if err := inst.World.Faults.SetRule("GetCallerIdentity", rule); err != nil {
			t.Fatal(err)
		}
		c := classicSTS(t, inst, admin)
		_, err := c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		if throttle && err == nil {
			_, err = c.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
		}
		return err
	}
}

func classicErrorCases() []errorCase {
	noop := func(*actiontrail.LookupEventsRequest) {}
	return []errorCase{
		{"wrong secret", ramCall(creds{adminKeyID, "not-the-secret", ""}, "ListUsers", nil),
			"SignatureDoesNotMatch", 400},
		{"unknown key", ramCall(creds{unknownKey, "whatever", ""}, "ListUsers", nil),
			"InvalidAccessKeyId.NotFound", 404},
		{"inactive key", ramCall(off, "ListUsers", nil), "InvalidAccessKeyId.Inactive", 400},
		{"missing permission", ramCall(nobody, "ListUsers", nil), "NoPermission", 403},
		{"unknown user", ramCall(admin, "GetUser", kv{"UserName": "ghost"}),
			"EntityNotExist.User", 404},
		{"unknown role", ramCall(admin, "GetRole", kv{"RoleName": "ghost"}),
			"EntityNotExist.Role", 404},
		{"user exists", ramCall(admin, "CreateUser", kv{"UserName": "nobody"}),
			"EntityAlreadyExists.User", 409},
		{"role has policies", ramCall(admin, "DeleteRole",
			kv{"RoleName": deployRole}), "DeleteConflict.Role.Policy", 409},
		{"bad trust policy", ramCall(admin, "CreateRole", kv{
			"RoleName": "bad", "AssumeRolePolicyDocument": `{"Version":"1"`}),
			"MalformedPolicyDocument", 400},
		{"unknown action", ramCall(admin, "StealEverything", nil),
			"InvalidAction.NotFound", 404},
		{"unknown version", func(t *testing.T, inst *sim.Instance) error {
			_, err := commonCall(classicCore(t, inst, sim.DefaultRegion, admin), "1999-01-01",
				"ListUsers", nil)
			return err
		}, "InvalidVersion", 400},
		{"missing session name", assumeWith(func(r *sts.AssumeRoleRequest) {
			r.RoleSessionName = ""
		}), "MissingParameter", 400},
		{"bad role arn", assumeWith(func(r *sts.AssumeRoleRequest) { r.RoleArn = "role/x" }),
			"InvalidParameter.RoleArn", 400},
		{"short session", assumeWith(func(r *sts.AssumeRoleRequest) {
			r.DurationSeconds = "60"
		}), "InvalidParameter.DurationSeconds", 400},
		{"bad max results", lookupWith(sim.DefaultRegion,
			func(r *actiontrail.LookupEventsRequest) { r.MaxResults = "500" }),
			"InvalidQueryParameter", 400},
		{"half a window", lookupWith(sim.DefaultRegion,
			func(r *actiontrail.LookupEventsRequest) { r.StartTime = "2025-01-01T00:00:00Z" }),
			"InvalidParameterCombination", 400},
		{"unknown region", lookupWith("xx-nowhere-1", noop), "InvalidRegionId", 400},
		{"garbage token", withToken(func(_ *testing.T, _ *sim.Instance, c *creds) {
			c.token = "CAISnotatoken"
		}), "InvalidSecurityToken.Malformed", 400},
		{"expired token", withToken(func(t *testing.T, inst *sim.Instance, _ *creds) {
			if err := inst.AdvanceClock(2 * time.Hour); err != nil {
				t.Fatal(err)
			}
		}), "InvalidSecurityToken.Expired", 400},
		{"token missing", withToken(func(_ *testing.T, _ *sim.Instance, c *creds) {
			c.token = ""
		}), "MissingSecurityToken", 400},
		{"another session's token", withToken(func(t *testing.T, inst *sim.Instance,
			c *creds) {
			other, _ := classicAssume(t, inst, ci, deployRole, "other")
			c.token = other.token
		}), "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"third key", func(t *testing.T, inst *sim.Instance) error {
			c := classicCore(t, inst, sim.DefaultRegion, admin)
			for range 3 {
				_, err := commonCall(c, sim.VersionRAM, "CreateAccessKey",
					kv{"UserName": "ci-deploy"})
				if err != nil {
					return err
				}
			}
			return nil
		}, "LimitExceeded.User.AccessKey", 409},
		{"unsupported method", func(t *testing.T, inst *sim.Instance) error {
			req := requests.NewCommonRequest()
			req.Method, req.Scheme = "PUT", "http"
			req.Version, req.ApiName = sim.VersionRAM, "ListUsers"
			_, err := classicCore(t, inst, sim.DefaultRegion, admin).ProcessCommonRequest(req)
			return err
		}, "UnsupportedHTTPMethod", 405},
		{"throttled", forced(sim.FaultRule{RateLimit: 0.01}, true), "Throttling.User", 400},
		{"internal error", forced(sim.FaultRule{ErrorNext: 1}, false), "InternalError", 500},
		{"unavailable", forced(sim.FaultRule{ErrorNext: 1, ErrorCode: "ServiceUnavailable"},
			false), "ServiceUnavailable", 503},
	}
}

// TestClassicErrorsNeverPanic feeds the classic SDK's error decoder, which
// reads the body with unchecked type assertions, every kind of error body
// the emulator produces.
func TestClassicErrorsNeverPanic(t *testing.T) {
	for _, tt := range classicErrorCases() {
		t.Run(tt.name, func(t *testing.T) {
			inst := startSim(t, scenario())
			err := noPanic(t, func() error { return tt.call(t, inst) })
			se := wantServerError(t, err, tt.code, tt.status)
			if !strings.Contains(se.Error(), tt.code) {
				t.Errorf("Error() lacks the code: %s", se.Error())
			}
			switch tt.code {
			case "NoPermission":
				d := se.AccessDeniedDetail()
				if d["AuthAction"] != "ram:ListUsers" || d["NoPermissionType"] == nil {
					t.Errorf("AccessDeniedDetail = %v", d)
				}
			case "SignatureDoesNotMatch":
				// The SDK compares the server's string to sign with its own.
				if !strings.HasPrefix(se.Recommend(), "InvalidAccessKeySecret") {
					t.Errorf("strings to sign differ: Recommend = %q", se.Recommend())
				}
			}
		})
	}
}

// noPanic runs f and fails the test if it panics.
func noPanic(t *testing.T, f func() error) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("the client panicked: %v", p)
		}
	}()
	return f()
}

// TestSignatureErrorEchoesToken pins a hazard callers must handle: like
// the real gateway, the emulator answers SignatureDoesNotMatch with its
// string to sign, which for STS credentials holds the SecurityToken, so
// the classic SDK's error text carries the token. Logging such an error
// verbatim leaks the token.
func TestSignatureErrorEchoesToken(t *testing.T) {
	inst := startSim(t, scenario())
	token, _ := classicAssume(t, inst, ci, deployRole, "echo")
	token.secret = "not-the-secret"
	_, err := classicSTS(t, inst, token).
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	se := wantServerError(t, err, "SignatureDoesNotMatch", 400)
	// The string to sign holds the token percent-encoded twice.
	if !strings.Contains(se.Error(), rfc3986(rfc3986(token.token))) {
		t.Error("the error text no longer echoes the SecurityToken; update callers' notes")
	}
}

// rfc3986 percent-encodes every byte but the unreserved ones.
func rfc3986(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
