package fidelity_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/respond-sec/respond/sim"
)

// signer is a signature mode of the Darabonba OpenAPI client: its default
// ACS3-HMAC-SHA256 (v3), or HMAC-SHA1 (v1), which it uses for RPC calls
// when Config.SignatureAlgorithm is "v2".
type signer struct {
	name      string
	algorithm string
}

var signers = []signer{
	{"v3 ACS3-HMAC-SHA256", ""},
	{"v1 HMAC-SHA1", "v2"},
}

// openAPI is a Darabonba client bound to one emulator, with a record of
// what its last request put on the wire.
type openAPI struct {
	c    *openapi.Client
	wire *wire
}

// wire is a Darabonba HttpClient that remembers the last request's
// signature carriers before sending it.
type wire struct {
	mu   sync.Mutex
	last wireRequest
}

// wireRequest is what identifies a request's signature version.
type wireRequest struct {
	authorization string // the v3 header
	signature     string // the v1 query parameter
	method        string // v1 SignatureMethod
	headerToken   string // x-acs-security-token
	queryToken    string // SecurityToken
}

func (w *wire) Call(req *http.Request, tr *http.Transport) (*http.Response, error) {
	q := req.URL.Query()
	w.mu.Lock()
	w.last = wireRequest{
		authorization: header(req.Header, "Authorization"),
		signature:     q.Get("Signature"),
		method:        q.Get("SignatureMethod"),
		headerToken:   header(req.Header, "x-acs-security-token"),
		queryToken:    q.Get("SecurityToken"),
	}
	w.mu.Unlock()
	return (&http.Client{Transport: tr}).Do(req)
}

// header reads a header whatever its case: Darabonba sets lower-case names
// straight into the map, which Header.Get does not find.
func header(h http.Header, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (w *wire) lastRequest() wireRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

func newOpenAPI(t *testing.T, inst *sim.Instance, s signer, cr creds) openAPI {
	t.Helper()
	cfg := &openapi.Config{
		AccessKeyId:     dara.String(cr.id),
		AccessKeySecret: dara.String(cr.secret),
		Endpoint:        dara.String(inst.Endpoint),
		Protocol:        dara.String("http"),
		HttpClient:      &wire{},
	}
	if cr.token != "" {
		cfg.SecurityToken = dara.String(cr.token)
	}
	if s.algorithm != "" {
		cfg.SignatureAlgorithm = dara.String(s.algorithm)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("openapi client: %v", err)
	}
	return openAPI{c, cfg.HttpClient.(*wire)}
}

// call runs one RPC action through CallApi: query parameters in the URL,
// form parameters (when any) in a form body.
func (o openAPI) call(version, action string, query, form kv) (
	map[string]any, error) {
	params := &openapi.Params{
		Action: dara.String(action), Version: dara.String(version),
		Protocol: dara.String("HTTP"), Pathname: dara.String("/"),
		Method: dara.String("POST"), AuthType: dara.String("AK"),
		Style: dara.String("RPC"), ReqBodyType: dara.String("formData"),
		BodyType: dara.String("json"),
	}
	req := &openapi.OpenApiRequest{Query: map[string]*string{}}
	for k, v := range query {
		req.Query[k] = dara.String(v)
	}
	if len(form) > 0 {
		body := map[string]any{}
		for k, v := range form {
			body[k] = v
		}
		req.Body = body
	}
	resp, err := o.c.CallApi(params, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := resp["body"].(map[string]any)
	return body, nil
}

// must runs call and fails the test on error.
func (o openAPI) must(t *testing.T, version, action string,
	query, form kv) map[string]any {
	t.Helper()
	body, err := o.call(version, action, query, form)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return body
}

// wantTeaError asserts the Darabonba error code and status, and that the
// error carries the RequestId of the answer.
func wantTeaError(t *testing.T, err error, code string, status int) *tea.SDKError {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want an SDKError %s", err, code)
	}
	got, st := tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
	if got != code || st != status {
		t.Fatalf("error = %s (%d) %q, want %s (%d)", got, st,
			clipped(tea.StringValue(se.Message)), code, status)
	}
	if !strings.Contains(tea.StringValue(se.Data), `"RequestId"`) {
		t.Errorf("%s error data lacks the RequestId", code)
	}
	return se
}

// TestOpenAPISignerOnTheWire proves each signer mode is what reaches the
// emulator, so that the tests below really cover both signatures.
func TestOpenAPISignerOnTheWire(t *testing.T) {
	inst := startSim(t, scenario())
	token := openAPIAssume(t, newOpenAPI(t, inst, signers[0], ci), "fid")
	for _, s := range signers {
		for _, cr := range []creds{ci, token} {
			name := s.name + "/" + map[bool]string{true: "sts", false: "key"}[cr.token != ""]
			t.Run(name, func(t *testing.T) {
				c := newOpenAPI(t, inst, s, cr)
				c.must(t, sim.VersionSTS, "GetCallerIdentity", nil, nil)
				w := c.wire.lastRequest()
				v3 := s.algorithm == ""
				if got := strings.HasPrefix(w.authorization, "ACS3-HMAC-SHA256 "); got != v3 {
					t.Errorf("Authorization = %q, want a v3 header: %t", w.authorization, v3)
				}
				if got := w.signature != "" && w.method == "HMAC-SHA1"; got == v3 {
					t.Errorf("Signature %q, SignatureMethod %q, want v1: %t", w.signature,
						w.method, !v3)
				}
				carried := map[bool]string{true: w.headerToken, false: w.queryToken}[v3]
				if carried != cr.token {
					t.Errorf("the token is not where the signer puts it (header %t, query %t)",
						w.headerToken != "", w.queryToken != "")
				}
			})
		}
	}
}

func TestOpenAPIRAMUsersAndKeys(t *testing.T) {
	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			inst := startSim(t, scenario())
			c := newOpenAPI(t, inst, s, admin)

			got := c.must(t, sim.VersionRAM, "GetUser", kv{"UserName": "ci-deploy"}, nil)
			wantFields(t, "GetUser", got, kv{"User.UserName": "ci-deploy"})
			if text(field(got, "User.UserId")) == "" || text(got["RequestId"]) == "" {
				t.Errorf("GetUser lacks UserId or RequestId: %v", got)
			}
			wantDate(t, "User.CreateDate", text(field(got, "User.CreateDate")))

			names, pages := openAPIListUsers(t, c, 2)
			wantSame(t, "ListUsers names", names, seededUsers)
			if pages != 4 {
				t.Errorf("ListUsers took %d pages of 2, want 4", pages)
			}

			openAPIKeyLifecycle(t, inst, s, c)
		})
	}
}

// openAPIListUsers pages through ListUsers with Marker.
func openAPIListUsers(t *testing.T, c openAPI, max int) ([]string, int) {
	t.Helper()
	var names []string
	marker := ""
	for pages := 1; pages < 100; pages++ {
		q := kv{"MaxItems": strconv.Itoa(max)}
		if marker != "" {
			q["Marker"] = marker
		}
		page := c.must(t, sim.VersionRAM, "ListUsers", q, nil)
		for _, u := range list(page, "Users.User") {
			names = append(names, text(field(u.(map[string]any), "UserName")))
		}
		if field(page, "IsTruncated") != true {
			if _, present := page["Marker"]; present {
				t.Errorf("the last page carries a Marker: %v", page["Marker"])
			}
			return names, pages
		}
		if marker = text(page["Marker"]); marker == "" {
			t.Fatalf("page %d is truncated but has no Marker", pages)
		}
	}
	t.Fatal("ListUsers never ends")
	return nil, 0
}

// openAPIKeyLifecycle creates a user and a key, uses the key, disables it
// and checks that it is refused.
func openAPIKeyLifecycle(t *testing.T, inst *sim.Instance, s signer, c openAPI) {
	t.Helper()
	created := c.must(t, sim.VersionRAM, "CreateUser", nil, kv{
		"UserName": "fresh", "DisplayName": "Fresh User"})
	wantFields(t, "CreateUser", created, kv{
		"User.UserName": "fresh", "User.DisplayName": "Fresh User"})

	key := c.must(t, sim.VersionRAM, "CreateAccessKey", kv{"UserName": "fresh"}, nil)
	id := text(field(key, "AccessKey.AccessKeyId"))
	secret := text(field(key, "AccessKey.AccessKeySecret"))
	wantFields(t, "CreateAccessKey", key, kv{"AccessKey.Status": "Active"})
	if id == "" || secret == "" {
		t.Fatalf("CreateAccessKey answered id %q, secret given %t", id, secret != "")
	}

	fresh := newOpenAPI(t, inst, s, creds{id, secret, ""})
	who := fresh.must(t, sim.VersionSTS, "GetCallerIdentity", nil, nil)
	wantFields(t, "GetCallerIdentity of the new key", who, kv{
		"Arn": "acs:ram::" + account + ":user/fresh", "IdentityType": "RAMUser"})

	c.must(t, sim.VersionRAM, "UpdateAccessKey", kv{
		"UserName": "fresh", "UserAccessKeyId": id, "Status": "Inactive"}, nil)
	keys := c.must(t, sim.VersionRAM, "ListAccessKeys", kv{"UserName": "fresh"}, nil)
	items := list(keys, "AccessKeys.AccessKey")
	if len(items) != 1 {
		t.Fatalf("ListAccessKeys listed %d keys, want 1", len(items))
	}
	wantFields(t, "ListAccessKeys", items[0].(map[string]any), kv{
		"AccessKeyId": id, "Status": "Inactive", "AccessKeySecret": ""})

	_, err := fresh.call(sim.VersionSTS, "GetCallerIdentity", nil, nil)
	wantTeaError(t, err, "InvalidAccessKeyId.Inactive", 400)
}

func TestOpenAPIRoles(t *testing.T) {
	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			inst := startSim(t, scenario())
			c := newOpenAPI(t, inst, s, admin)

			created := c.must(t, sim.VersionRAM, "CreateRole", kv{"RoleName": "app-role"},
				kv{"AssumeRolePolicyDocument": trustAccount, "Description": "app"})
			roleID := text(field(created, "Role.RoleId"))
			wantFields(t, "CreateRole", created, kv{
				"Role.RoleName": "app-role",
				"Role.Arn":      "acs:ram::" + account + ":role/app-role"})
			if roleID == "" {
				t.Fatalf("CreateRole answered no RoleId: %v", created)
			}

			got := c.must(t, sim.VersionRAM, "GetRole", kv{"RoleName": "app-role"}, nil)
			wantFields(t, "GetRole", got, kv{
				"Role.RoleId": roleID, "Role.Description": "app",
				"Role.MaxSessionDuration": "3600"})
			wantSameJSON(t, "AssumeRolePolicyDocument",
				text(field(got, "Role.AssumeRolePolicyDocument")), trustAccount)

			c.must(t, sim.VersionRAM, "AttachPolicyToRole", kv{
				"RoleName": "app-role", "PolicyType": "System",
				"PolicyName": "ReadOnlyAccess"}, nil)
			_, err := c.call(sim.VersionRAM, "DeleteRole", kv{"RoleName": "app-role"}, nil)
			wantTeaError(t, err, "DeleteConflict.Role.Policy", 409)
		})
	}
}

func TestOpenAPIErrors(t *testing.T) {
	tests := []struct {
		name    string
		cr      creds
		version string
		action  string
		query   map[string]string
		code    string
		status  int
	}{
		{"unknown user", admin, sim.VersionRAM, "GetUser", kv{"UserName": "ghost"},
			"EntityNotExist.User", 404},
		{"wrong secret", creds{adminKeyID, "not-the-secret", ""}, sim.VersionRAM,
			"ListUsers", nil, "SignatureDoesNotMatch", 400},
		{"unknown key", creds{unknownKey, "whatever", ""}, sim.VersionRAM, "ListUsers", nil,
			"InvalidAccessKeyId.NotFound", 404},
		{"missing permission", nobody, sim.VersionRAM, "ListUsers", nil, "NoPermission", 403},
		{"inactive key", off, sim.VersionSTS, "GetCallerIdentity", nil,
			"InvalidAccessKeyId.Inactive", 400},
		{"unknown role", admin, sim.VersionRAM, "GetRole", kv{"RoleName": "ghost"},
			"EntityNotExist.Role", 404},
		{"IMS unknown key", admin, sim.VersionIMS, "GetUser",
			kv{"UserAccessKeyId": unknownKey}, "EntityNotExist.User", 404},
	}
	for _, s := range signers {
		inst := startSim(t, scenario())
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				c := newOpenAPI(t, inst, s, tt.cr)
				_, err := c.call(tt.version, tt.action, tt.query, nil)
				se := wantTeaError(t, err, tt.code, tt.status)
				if tt.code == "NoPermission" && len(se.AccessDeniedDetail) == 0 {
					t.Errorf("NoPermission without AccessDeniedDetail: %s",
						tea.StringValue(se.Data))
				}
			})
		}
	}
}

func TestOpenAPIIMSAndSTS(t *testing.T) {
	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			inst := startSim(t, scenario())

			user := newOpenAPI(t, inst, s, admin).must(t, sim.VersionIMS, "GetUser",
				kv{"UserAccessKeyId": ciKeyID}, nil)
			wantFields(t, "IMS GetUser", user, kv{
				"User.UserName":          "ci-deploy",
				"User.UserPrincipalName": "ci-deploy@" + alias + ".onaliyun.com",
			})

			c := newOpenAPI(t, inst, s, ci)
			who := c.must(t, sim.VersionSTS, "GetCallerIdentity", nil, nil)
			wantFields(t, "GetCallerIdentity", who, kv{
				"IdentityType": "RAMUser", "AccountId": account,
				"Arn":    "acs:ram::" + account + ":user/ci-deploy",
				"UserId": text(field(user, "User.UserId")),
			})

			token := openAPIAssume(t, c, "fid")
			openAPIWithToken(t, inst, s, token)
		})
	}
}

// openAPIAssume assumes deploy-role, with the role parameters in a form
// body as credential providers send them.
func openAPIAssume(t *testing.T, c openAPI, session string) creds {
	t.Helper()
	got := c.must(t, sim.VersionSTS, "AssumeRole", nil, kv{
		"RoleArn":         "acs:ram::" + account + ":role/" + deployRole,
		"RoleSessionName": session, "DurationSeconds": "900"})
	wantFields(t, "AssumeRole", got, kv{
		"AssumedRoleUser.Arn": "acs:ram::" + account + ":role/" + deployRole + "/" + session})
	cr := creds{
		id:     text(field(got, "Credentials.AccessKeyId")),
		secret: text(field(got, "Credentials.AccessKeySecret")),
		token:  text(field(got, "Credentials.SecurityToken")),
	}
	if !strings.HasPrefix(cr.id, "STS.") || cr.secret == "" || cr.token == "" {
		t.Fatalf("AssumeRole credentials look wrong: id %q, secret given %t, token given %t",
			cr.id, cr.secret != "", cr.token != "")
	}
	wantDate(t, "Credentials.Expiration", text(field(got, "Credentials.Expiration")))
	return cr
}

// openAPIWithToken uses STS credentials: identity, an allowed read and a
// write the role does not allow.
func openAPIWithToken(t *testing.T, inst *sim.Instance, s signer, token creds) {
	t.Helper()
	c := newOpenAPI(t, inst, s, token)
	who := c.must(t, sim.VersionSTS, "GetCallerIdentity", nil, nil)
	wantFields(t, "GetCallerIdentity with a token", who, kv{
		"IdentityType": "AssumedRoleUser",
		"Arn":          "acs:ram::" + account + ":assumed-role/" + deployRole + "/fid",
	})
	if !strings.HasSuffix(text(who["PrincipalId"]), ":fid") || text(who["RoleId"]) == "" {
		t.Errorf("assumed identity = %v", who)
	}

	roles := c.must(t, sim.VersionRAM, "ListRoles", nil, nil)
	if n := len(list(roles, "Roles.Role")); n != 1 {
		t.Errorf("ListRoles with a token listed %d roles, want 1", n)
	}
	_, err := c.call(sim.VersionRAM, "CreateUser", kv{"UserName": "x"}, nil)
	wantTeaError(t, err, "NoPermission", 403)
}

func TestOpenAPILookupEvents(t *testing.T) {
	for _, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			inst := startSim(t, scenario())
			user := newOpenAPI(t, inst, s, ci)
			for range 5 {
				user.must(t, sim.VersionSTS, "GetCallerIdentity", nil, nil)
			}

			c := newOpenAPI(t, inst, s, admin)
			events, pages := openAPILookup(t, c, ciKeyID)
			if len(events) != 5 || pages != 3 {
				t.Fatalf("lookup found %d events in %d pages, want 5 in 3", len(events), pages)
			}
			for _, ev := range events {
				wantFields(t, "event", ev, kv{
					"eventName": "GetCallerIdentity", "userIdentity.accessKeyId": ciKeyID,
					"userIdentity.type": "ram-user", "serviceName": "Sts",
				})
			}
		})
	}
}

// openAPILookup pages through LookupEvents by EventAccessKeyId, two events
// a page, until NextToken is absent.
func openAPILookup(t *testing.T, c openAPI, keyID string) ([]map[string]any, int) {
	t.Helper()
	q := kv{
		"RegionId":                sim.DefaultRegion,
		"LookupAttribute.1.Key":   "EventAccessKeyId",
		"LookupAttribute.1.Value": keyID,
		"MaxResults":              "2",
	}
	var events []map[string]any
	for pages := 1; pages < 100; pages++ {
		page := c.must(t, sim.VersionActionTrail, "LookupEvents", q, nil)
		for _, ev := range list(page, "Events") {
			events = append(events, ev.(map[string]any))
		}
		next, present := page["NextToken"]
		if !present {
			return events, pages
		}
		if q["NextToken"] = text(next); q["NextToken"] == "" {
			t.Fatalf("page %d: NextToken present but empty", pages)
		}
	}
	t.Fatal("LookupEvents never ends")
	return nil, 0
}

// TestOpenAPIFaults checks that Darabonba classifies the emulator's flow
// control and server errors by their codes and statuses.
func TestOpenAPIFaults(t *testing.T) {
	tests := []struct {
		name     string
		throttle bool
		rule     sim.FaultRule
		code     string
		status   int
	}{
		{"throttled", true, sim.FaultRule{RateLimit: 0.01}, "Throttling.User", 400},
		{"internal error", false, sim.FaultRule{ErrorNext: 1}, "InternalError", 500},
		{"unavailable", false, sim.FaultRule{ErrorNext: 1, ErrorCode: "ServiceUnavailable"},
			"ServiceUnavailable", 503},
	}
	for _, s := range signers {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				inst := startSim(t, scenario())
				inst.World.Faults.SetThrottling(tt.throttle)
				if err := inst.World.Faults.SetRule("ListUsers", tt.rule); err != nil {
					t.Fatal(err)
				}
				c := newOpenAPI(t, inst, s, admin)
				_, err := c.call(sim.VersionRAM, "ListUsers", nil, nil)
				if tt.throttle && err == nil {
					_, err = c.call(sim.VersionRAM, "ListUsers", nil, nil)
				}
				wantTeaError(t, err, tt.code, tt.status)
			})
		}
	}
}
