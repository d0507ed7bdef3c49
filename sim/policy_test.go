package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var polNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const polAcct = "1234567890123456"

// polWorld is a world with one account for evaluator tests.
type polWorld struct {
	w *World
	a *Account
	n int
}

func newPolWorld(t *testing.T) *polWorld {
	t.Helper()
	w := NewWorld(func() time.Time { return polNow })
	return &polWorld{w: w, a: w.NewAccount(polAcct, "corp")}
}

// custom adds a custom policy with doc and returns its attachment.
func (p *polWorld) custom(t *testing.T, doc string) Attachment {
	t.Helper()
	if err := ValidatePolicyDocument(doc); err != nil {
		t.Fatalf("test policy is invalid: %v\n%s", err, doc)
	}
	p.n++
	name := fmt.Sprintf("p%d", p.n)
	p.a.Policies[name] = &Policy{Name: name, Type: policyCustom, DefaultVersion: "v1",
		Versions: []PolicyVersion{{ID: "v1", Document: doc}}}
	return Attachment{PolicyName: name, PolicyType: policyCustom}
}

func (p *polWorld) user(t *testing.T, name string, docs ...string) *User {
	t.Helper()
	u := &User{ID: p.w.NewID(16), Name: name}
	for _, d := range docs {
		u.Policies = append(u.Policies, p.custom(t, d))
	}
	p.a.Users[name] = u
	return u
}

func (p *polWorld) role(t *testing.T, name, trust string, docs ...string) *Role {
	t.Helper()
	r := &Role{ID: p.w.NewID(19), Name: name, TrustPolicy: trust}
	for _, d := range docs {
		r.Policies = append(r.Policies, p.custom(t, d))
	}
	p.a.Roles[name] = r
	return r
}

func userCaller(a *Account, u *User) *Caller {
	return &Caller{Kind: CallerUser, Account: a, User: u, AccessKeyID: "LTAIuser0000000000000001"}
}

func roleCaller(a *Account, r *Role, sessionPolicy string) *Caller {
	tok := &Token{AccessKeyID: "STS.abc", AccountID: a.ID, RoleID: r.ID, RoleName: r.Name,
		SessionName: "sess", Policy: sessionPolicy}
	return &Caller{Kind: CallerRole, Account: a, Role: r, Token: tok, AccessKeyID: tok.AccessKeyID}
}

// allow builds a one-statement policy document.
func stmt(effect, action, resource, cond string) string {
	s := fmt.Sprintf(`{"Effect":%q,%s,%s`, effect, action, resource)
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return `{"Version":"1","Statement":[` + s + `}]}`
}

func act(a string) string  { return `"Action":` + jsonList(a) }
func res(r string) string  { return `"Resource":` + jsonList(r) }
func nact(a string) string { return `"NotAction":` + jsonList(a) }
func nres(r string) string { return `"NotResource":` + jsonList(r) }

// jsonList renders "a" as a JSON string and "a|b" as an array.
func jsonList(s string) string {
	parts := strings.Split(s, "|")
	if len(parts) == 1 {
		b, _ := json.Marshal(s)
		return string(b)
	}
	b, _ := json.Marshal(parts)
	return string(b)
}

func userARN(name string) string { return "acs:ram::" + polAcct + ":user/" + name }

func TestAuthorizeUser(t *testing.T) {
	tests := []struct {
		name     string
		docs     []string
		action   string
		resource string
		ip       string
		want     string // "" when allowed, else NoPermissionType
	}{
		{"no policy", nil, "ram:GetUser", "*", "", "ImplicitDeny"},
		{"exact allow", []string{stmt("Allow", act("ram:GetUser"), res("*"), "")},
			"ram:GetUser", userARN("bob"), "", ""},
		{"other action", []string{stmt("Allow", act("ram:ListUsers"), res("*"), "")},
			"ram:GetUser", userARN("bob"), "", "ImplicitDeny"},
		{"explicit deny wins", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("ram:DeleteUser"), res("*"), "")},
			"ram:DeleteUser", userARN("bob"), "", "ExplicitDeny"},
		{"deny of other action", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("ram:DeleteUser"), res("*"), "")},
			"ram:GetUser", userARN("bob"), "", ""},
		{"star wildcard", []string{stmt("Allow", act("ram:Get*"), res("*"), "")},
			"ram:GetRole", "*", "", ""},
		{"star wildcard miss", []string{stmt("Allow", act("ram:Get*"), res("*"), "")},
			"ram:ListRoles", "*", "", "ImplicitDeny"},
		{"question mark", []string{stmt("Allow", act("ram:GetUse?"), res("*"), "")},
			"ram:GetUser", "*", "", ""},
		{"action case folded", []string{stmt("Allow", act("RAM:getuser"), res("*"), "")},
			"ram:GetUser", "*", "", ""},
		{"service wildcard", []string{stmt("Allow", act("*:Get*"), res("*"), "")},
			"ram:GetUser", "*", "", ""},
		{"action array", []string{stmt("Allow", act("ram:ListUsers|ram:GetUser"), res("*"), "")},
			"ram:GetUser", "*", "", ""},
		{"not action allows others", []string{stmt("Allow", nact("ram:Delete*"), res("*"), "")},
			"ram:GetUser", "*", "", ""},
		{"not action excludes", []string{stmt("Allow", nact("ram:Delete*"), res("*"), "")},
			"ram:DeleteUser", "*", "", "ImplicitDeny"},
		{"resource match", []string{
			stmt("Allow", act("ram:*"), res("acs:ram:*:"+polAcct+":user/alice"), "")},
			"ram:GetUser", userARN("alice"), "", ""},
		{"resource miss", []string{
			stmt("Allow", act("ram:*"), res("acs:ram:*:"+polAcct+":user/alice"), "")},
			"ram:GetUser", userARN("bob"), "", "ImplicitDeny"},
		{"resource wildcard", []string{
			stmt("Allow", act("ram:*"), res("acs:ram:*:*:user/ci-*"), "")},
			"ram:GetUser", userARN("ci-deploy"), "", ""},
		{"not resource", []string{
			stmt("Allow", act("ram:*"), nres("acs:ram:*:*:user/admin"), "")},
			"ram:GetUser", userARN("admin"), "", "ImplicitDeny"},
		{"source ip inside", []string{stmt("Allow", act("*"), res("*"),
			`{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.0.2.7"]}}`)},
			"ram:GetUser", "*", "10.1.2.3", ""},
		{"source ip single", []string{stmt("Allow", act("*"), res("*"),
			`{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.0.2.7"]}}`)},
			"ram:GetUser", "*", "192.0.2.7", ""},
		{"source ip outside", []string{stmt("Allow", act("*"), res("*"),
			`{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`)},
			"ram:GetUser", "*", "192.0.2.8", "ImplicitDeny"},
		{"deny outside network", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("*"), res("*"), `{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`)},
			"ram:GetUser", "*", "203.0.113.9", "ExplicitDeny"},
		{"deny outside network, inside", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("*"), res("*"), `{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}`)},
			"ram:GetUser", "*", "10.9.9.9", ""},
		{"before deadline", []string{stmt("Allow", act("*"), res("*"),
			`{"DateLessThan":{"acs:CurrentTime":"2026-03-02T00:00:00+08:00"}}`)},
			"ram:GetUser", "*", "", ""},
		{"after deadline", []string{stmt("Allow", act("*"), res("*"),
			`{"DateLessThan":{"acs:CurrentTime":"2026-03-01T08:00:00Z"}}`)},
			"ram:GetUser", "*", "", "ImplicitDeny"},
		{"after start", []string{stmt("Allow", act("*"), res("*"),
			`{"DateGreaterThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"}}`)},
			"ram:GetUser", "*", "", ""},
		{"access id like", []string{stmt("Allow", act("*"), res("*"),
			`{"StringLike":{"acs:AccessId":"LTAI*"}}`)},
			"ram:GetUser", "*", "", ""},
		{"deny sts keys spares ltai", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("*"), res("*"), `{"StringLike":{"acs:AccessId":"STS.*"}}`)},
			"ram:GetUser", "*", "", ""},
		{"string not equals", []string{stmt("Allow", act("*"), res("*"),
			`{"StringNotEquals":{"acs:AccessId":"LTAIother"}}`)},
			"ram:GetUser", "*", "", ""},
		{"bool mfa", []string{stmt("Allow", act("*"), res("*"),
			`{"Bool":{"acs:MFAPresent":"true"}}`)},
			"ram:GetUser", "*", "", "ImplicitDeny"},
		{"unknown key never matches allow", []string{stmt("Allow", act("*"), res("*"),
			`{"StringEquals":{"acs:SourceVpc":"vpc-1"}}`)},
			"ram:GetUser", "*", "", "ImplicitDeny"},
		{"unknown key never matches deny", []string{
			stmt("Allow", act("*"), res("*"), ""),
			stmt("Deny", act("*"), res("*"), `{"StringEquals":{"acs:SourceVpc":"vpc-1"}}`)},
			"ram:GetUser", "*", "", ""},
		{"conditions are and-ed", []string{stmt("Allow", act("*"), res("*"),
			`{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},`+
				`"StringLike":{"acs:AccessId":"STS.*"}}`)},
			"ram:GetUser", "*", "10.0.0.1", "ImplicitDeny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolWorld(t)
			u := p.user(t, "alice", tt.docs...)
			r := &Request{Caller: userCaller(p.a, u), SourceIP: tt.ip, Now: polNow}
			err := p.w.Authorize(r, tt.action, tt.resource)
			assertDecision(t, err, tt.want)
		})
	}
}

func assertDecision(t *testing.T, err *APIError, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("Authorize = %v, want allowed", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Authorize allowed, want %s", want)
	}
	if err.Status != 403 || err.Code != "NoPermission" {
		t.Fatalf("Authorize = %d %s, want 403 NoPermission", err.Status, err.Code)
	}
	if got := err.AccessDenied["NoPermissionType"]; got != want {
		t.Fatalf("NoPermissionType = %q, want %q", got, want)
	}
}

func TestAuthorizeGroupsAndSystemPolicies(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, p *polWorld, u *User)
		action string
		want   string
	}{
		{"group policy allows", func(t *testing.T, p *polWorld, u *User) {
			p.a.Groups["ops"] = &Group{Name: "ops", Members: map[string]time.Time{u.Name: polNow},
				Policies: []Attachment{p.custom(t, stmt("Allow", act("ram:*"), res("*"), ""))}}
			u.Groups = []string{"ops"}
		}, "ram:DeleteRole", ""},
		{"group deny beats user allow", func(t *testing.T, p *polWorld, u *User) {
			u.Policies = []Attachment{p.custom(t, stmt("Allow", act("*"), res("*"), ""))}
			p.a.Groups["ops"] = &Group{Name: "ops", Members: map[string]time.Time{u.Name: polNow},
				Policies: []Attachment{p.custom(t, stmt("Deny", act("ram:Delete*"), res("*"), ""))}}
			u.Groups = []string{"ops"}
		}, "ram:DeleteRole", "ExplicitDeny"},
		{"system read-only allows get", func(_ *testing.T, _ *polWorld, u *User) {
			u.Policies = []Attachment{{PolicyName: "AliyunRAMReadOnlyAccess", PolicyType: policySystem}}
		}, "ram:GetRole", ""},
		{"system read-only denies delete", func(_ *testing.T, _ *polWorld, u *User) {
			u.Policies = []Attachment{{PolicyName: "AliyunRAMReadOnlyAccess", PolicyType: policySystem}}
		}, "ram:DeleteRole", "ImplicitDeny"},
		{"administrator", func(_ *testing.T, _ *polWorld, u *User) {
			u.Policies = []Attachment{{PolicyName: "AdministratorAccess", PolicyType: policySystem}}
		}, "actiontrail:LookupEvents", ""},
		{"default version is what counts", func(t *testing.T, p *polWorld, u *User) {
			at := p.custom(t, stmt("Allow", act("ram:*"), res("*"), ""))
			pol := p.a.Policies[at.PolicyName]
			pol.Versions = append(pol.Versions, PolicyVersion{ID: "v2",
				Document: stmt("Allow", act("ecs:*"), res("*"), "")})
			pol.DefaultVersion = "v2"
			u.Policies = []Attachment{at}
		}, "ram:GetUser", "ImplicitDeny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolWorld(t)
			u := p.user(t, "alice")
			tt.setup(t, p, u)
			r := &Request{Caller: userCaller(p.a, u), Now: polNow}
			assertDecision(t, p.w.Authorize(r, tt.action, "*"), tt.want)
		})
	}
}

func TestAuthorizeRole(t *testing.T) {
	ramAll := stmt("Allow", act("ram:*"), res("*"), "")
	tests := []struct {
		name       string
		roleDocs   []string
		session    string
		change     func(r *Role) // applied after the token is minted
		action     string
		want       string
		policyType string
	}{
		{"role policy allows", []string{ramAll}, "", nil, "ram:GetUser", "", ""},
		{"role policy lacks", []string{ramAll}, "", nil, "ecs:RunInstances",
			"ImplicitDeny", policyTypeIdentity},
		{"policies read at call time", []string{ramAll}, "",
			func(r *Role) { r.Policies = nil }, "ram:GetUser",
			"ImplicitDeny", policyTypeIdentity},
		{"session policy narrows", []string{ramAll},
			stmt("Allow", act("ram:Get*"), res("*"), ""), nil, "ram:DeleteRole",
			"ImplicitDeny", policyTypeSession},
		{"session policy within role", []string{ramAll},
			stmt("Allow", act("ram:Get*"), res("*"), ""), nil, "ram:GetRole", "", ""},
		{"session policy cannot widen", []string{ramAll},
			stmt("Allow", act("*"), res("*"), ""), nil, "ecs:RunInstances",
			"ImplicitDeny", policyTypeIdentity},
		{"session explicit deny", []string{ramAll},
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},` +
				`{"Effect":"Deny","Action":"ram:GetRole","Resource":"*"}]}`,
			nil, "ram:GetRole", "ExplicitDeny", policyTypeSession},
		{"role explicit deny", []string{ramAll, stmt("Deny", act("ram:GetRole"), res("*"), "")},
			stmt("Allow", act("*"), res("*"), ""), nil, "ram:GetRole",
			"ExplicitDeny", policyTypeIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolWorld(t)
			role := p.role(t, "ops", "", tt.roleDocs...)
			c := roleCaller(p.a, role, tt.session)
			if tt.change != nil {
				tt.change(role)
			}
			err := p.w.Authorize(&Request{Caller: c, Now: polNow}, tt.action, "*")
			assertDecision(t, err, tt.want)
			if err != nil && err.AccessDenied["PolicyType"] != tt.policyType {
				t.Errorf("PolicyType = %q, want %q", err.AccessDenied["PolicyType"], tt.policyType)
			}
		})
	}
}

func TestAuthorizeRootAlwaysAllowed(t *testing.T) {
	p := newPolWorld(t)
	c := &Caller{Kind: CallerRoot, Account: p.a, AccessKeyID: "LTAIroot"}
	if err := p.w.Authorize(&Request{Caller: c, Now: polNow}, "ram:DeleteRole", "*"); err != nil {
		t.Fatalf("root denied: %v", err)
	}
}

func TestAccessDeniedDetail(t *testing.T) {
	tests := []struct {
		name   string
		caller func(p *polWorld) *Caller
		want   map[string]string
	}{
		{"sub user", func(p *polWorld) *Caller {
			return userCaller(p.a, p.user(t, "alice"))
		}, map[string]string{
			"AuthAction": "ram:DeleteRole", "AuthPrincipalType": "SubUser",
			"AuthPrincipalDisplayName": "alice", "AuthPrincipalOwnerId": polAcct,
			"NoPermissionType": "ImplicitDeny", "PolicyType": policyTypeIdentity,
		}},
		{"assumed role", func(p *polWorld) *Caller {
			return roleCaller(p.a, p.role(t, "ops", ""), "")
		}, map[string]string{
			"AuthAction": "ram:DeleteRole", "AuthPrincipalType": "AssumedRoleUser",
			"AuthPrincipalDisplayName": "ops:sess", "AuthPrincipalOwnerId": polAcct,
			"NoPermissionType": "ImplicitDeny", "PolicyType": policyTypeIdentity,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolWorld(t)
			r := &Request{Caller: tt.caller(p), Now: polNow}
			err := p.w.Authorize(r, "ram:DeleteRole", "*")
			if err == nil {
				t.Fatal("allowed, want NoPermission")
			}
			want := "You are not authorized to do this action. You should be authorized by RAM."
			if err.Message != want {
				t.Errorf("Message = %q", err.Message)
			}
			for k, v := range tt.want {
				if err.AccessDenied[k] != v {
					t.Errorf("%s = %q, want %q", k, err.AccessDenied[k], v)
				}
			}
			diag := err.AccessDenied["EncodedDiagnosticMessage"]
			if _, derr := base64.StdEncoding.DecodeString(diag); diag == "" || derr != nil {
				t.Errorf("EncodedDiagnosticMessage %q is not base64", diag)
			}
		})
	}
}

func trustDoc(principal, cond string) string {
	s := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":` + principal
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return s + `}],"Version":"1"}`
}

func TestTrustAllows(t *testing.T) {
	root := `{"RAM":["acs:ram::` + polAcct + `:root"]}`
	extID := `{"StringEquals":{"sts:ExternalId":"abc-123"}}`
	tests := []struct {
		name   string
		trust  string
		caller string // "alice", "bob", "role:chain", "root", "other:alice"
		extID  string
		want   bool
	}{
		{"account root trusts user", trustDoc(root, ""), "alice", "", true},
		{"account root trusts role session", trustDoc(root, ""), "role:chain", "", true},
		{"root identity never assumes", trustDoc(root, ""), "root", "", false},
		{"other account", trustDoc(root, ""), "other:alice", "", false},
		{"root as plain string", trustDoc(`{"RAM":"acs:ram::`+polAcct+`:root"}`, ""),
			"alice", "", true},
		{"named user", trustDoc(`{"RAM":"acs:ram::`+polAcct+`:user/alice"}`, ""),
			"alice", "", true},
		{"named user, other caller", trustDoc(`{"RAM":"acs:ram::`+polAcct+`:user/alice"}`, ""),
			"bob", "", false},
		{"named role", trustDoc(`{"RAM":["acs:ram::`+polAcct+`:role/chain"]}`, ""),
			"role:chain", "", true},
		{"named role, user caller", trustDoc(`{"RAM":["acs:ram::`+polAcct+`:role/chain"]}`, ""),
			"alice", "", false},
		{"service principal", trustDoc(`{"Service":["ecs.aliyuncs.com"]}`, ""),
			"alice", "", false},
		{"external id matches", trustDoc(root, extID), "alice", "abc-123", true},
		{"external id wrong", trustDoc(root, extID), "alice", "abc-124", false},
		{"external id missing", trustDoc(root, extID), "alice", "", false},
		{"deny statement wins", `{"Version":"1","Statement":[` +
			`{"Action":"sts:AssumeRole","Effect":"Allow","Principal":` + root + `},` +
			`{"Action":"sts:AssumeRole","Effect":"Deny","Principal":` +
			`{"RAM":"acs:ram::` + polAcct + `:user/bob"}}]}`, "bob", "", false},
		{"other action only", `{"Version":"1","Statement":[{"Action":"sts:AssumeRoleWithSAML",` +
			`"Effect":"Allow","Principal":` + root + `}]}`, "alice", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolWorld(t)
			target := p.role(t, "target", tt.trust)
			c := trustCaller(t, p, tt.caller)
			if got := p.w.TrustAllows(target, c, tt.extID); got != tt.want {
				t.Fatalf("TrustAllows = %v, want %v", got, tt.want)
			}
		})
	}
}

func trustCaller(t *testing.T, p *polWorld, who string) *Caller {
	switch {
	case who == "root":
		return &Caller{Kind: CallerRoot, Account: p.a}
	case strings.HasPrefix(who, "role:"):
		return roleCaller(p.a, p.role(t, strings.TrimPrefix(who, "role:"), ""), "")
	case strings.HasPrefix(who, "other:"):
		other := p.w.NewAccount("9999999999999999", "other")
		u := &User{ID: "1", Name: strings.TrimPrefix(who, "other:")}
		other.Users[u.Name] = u
		return userCaller(other, u)
	}
	return userCaller(p.a, p.user(t, who))
}

func TestValidatePolicyDocument(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		wantCode string // "" when valid
		wantText string // part of the message
	}{
		{"minimal", stmt("Allow", act("ram:GetUser"), res("*"), ""), "", ""},
		{"statement object", `{"Version":"1","Statement":` +
			`{"Effect":"Deny","Action":"*","Resource":"*"}}`, "", ""},
		{"all operators", stmt("Allow", act("*"), res("*"),
			`{"StringEqualsIgnoreCase":{"acs:UserAgent":"x"},"NumericLessThan":{"x:n":5},`+
				`"DateGreaterThanEquals":{"acs:CurrentTime":"2020-01-01T00:00:00Z"},`+
				`"Bool":{"acs:SecureTransport":true},"StringNotLike":{"acs:AccessId":"STS.*"}}`),
			"", ""},
		{"empty", "", "MissingParameter", "PolicyDocument"},
		{"not json", "{", "MalformedPolicyDocument", "not a JSON object"},
		{"trailing data", stmt("Allow", act("*"), res("*"), "") + "x",
			"MalformedPolicyDocument", "after the JSON object"},
		{"version", `{"Version":"2","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			"MalformedPolicyDocument", `"Version"`},
		{"no statement", `{"Version":"1"}`, "MalformedPolicyDocument", `"Statement"`},
		{"empty statement", `{"Version":"1","Statement":[]}`, "MalformedPolicyDocument",
			"must not be empty"},
		{"effect", stmt("Permit", act("*"), res("*"), ""), "MalformedPolicyDocument", `"Effect"`},
		{"both action forms", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*",` +
			`"NotAction":"ram:*","Resource":"*"}]}`, "MalformedPolicyDocument", "exactly one"},
		{"no resource", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}`,
			"MalformedPolicyDocument", `"Resource"`},
		{"action format", stmt("Allow", act("ramGetUser"), res("*"), ""),
			"MalformedPolicyDocument", "<service>:<action>"},
		{"resource format", stmt("Allow", act("*"), res("user/alice"), ""),
			"MalformedPolicyDocument", "acs:"},
		{"unknown element", `{"Version":"1","Statement":[{"Effect":"Allow","Actions":"*",` +
			`"Resource":"*"}]}`, "MalformedPolicyDocument", `"Actions"`},
		{"unknown operator", stmt("Allow", act("*"), res("*"), `{"StringMatches":{"a:b":"c"}}`),
			"MalformedPolicyDocument", "StringMatches"},
		{"bad ip", stmt("Allow", act("*"), res("*"), `{"IpAddress":{"acs:SourceIp":"10.0.0.300"}}`),
			"MalformedPolicyDocument", "10.0.0.300"},
		{"bad date", stmt("Allow", act("*"), res("*"),
			`{"DateLessThan":{"acs:CurrentTime":"tomorrow"}}`), "MalformedPolicyDocument", "tomorrow"},
		{"principal in permission policy", `{"Version":"1","Statement":[{"Effect":"Allow",` +
			`"Action":"*","Resource":"*","Principal":{"RAM":"*"}}]}`,
			"MalformedPolicyDocument", `"Principal"`},
		{"too long", stmt("Allow", act("*"), res("*"), "") + strings.Repeat(" ", 6144),
			"InvalidParameter.PolicyDocument.Length", "6144"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePolicyDocument(tt.doc)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidatePolicyDocument = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidatePolicyDocument = nil, want %s", tt.wantCode)
			}
			if err.Code != tt.wantCode || err.Status != 400 {
				t.Fatalf("got %d %s, want 400 %s", err.Status, err.Code, tt.wantCode)
			}
			if !strings.Contains(err.Message, tt.wantText) {
				t.Fatalf("message %q does not mention %q", err.Message, tt.wantText)
			}
		})
	}
}

func TestValidateTrustPolicy(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		wantCode string
	}{
		{"root", trustDoc(`{"RAM":["acs:ram::`+polAcct+`:root"]}`, ""), ""},
		{"service", trustDoc(`{"Service":["ecs.aliyuncs.com"]}`, ""), ""},
		{"external id", trustDoc(`{"RAM":"acs:ram::1:user/a"}`,
			`{"StringEquals":{"sts:ExternalId":"x"}}`), ""},
		{"no principal", `{"Version":"1","Statement":[{"Effect":"Allow",` +
			`"Action":"sts:AssumeRole"}]}`, "MalformedPolicyDocument"},
		{"bad ram principal", trustDoc(`{"RAM":["alice"]}`, ""), "MalformedPolicyDocument"},
		{"empty principal", trustDoc(`{}`, ""), "MalformedPolicyDocument"},
		{"missing", "", "MissingParameter"},
		{"too long", trustDoc(`{"Service":"`+strings.Repeat("a", 4100)+`"}`, ""),
			"InvalidParameter.AssumeRolePolicyDocument.Length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateTrustPolicy("AssumeRolePolicyDocument", tt.doc)
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tt.wantCode != "" && (err == nil || err.Code != tt.wantCode):
				t.Fatalf("got %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func TestSystemPolicyCatalogue(t *testing.T) {
	names := []string{"AdministratorAccess", "ReadOnlyAccess", "AliyunRAMFullAccess",
		"AliyunRAMReadOnlyAccess", "AliyunSTSAssumeRoleAccess", "AliyunActionTrailFullAccess",
		"AliyunActionTrailReadOnlyAccess", "AliyunECSFullAccess", "AliyunOSSFullAccess",
		"AliyunOSSReadOnlyAccess"}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			p := SystemPolicy(n)
			if p == nil {
				t.Fatal("missing from the catalogue")
			}
			if p.Type != policySystem || p.Description == "" {
				t.Errorf("Type %q, Description %q", p.Type, p.Description)
			}
			if err := ValidatePolicyDocument(p.defaultDocument()); err != nil {
				t.Errorf("document invalid: %v", err)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if SystemPolicy("NoSuchPolicy") != nil {
			t.Fatal("unknown name found")
		}
	})
	t.Run("copies", func(t *testing.T) {
		SystemPolicy("AdministratorAccess").Versions[0].Document = "changed"
		if SystemPolicy("AdministratorAccess").defaultDocument() == "changed" {
			t.Fatal("catalogue entry was changed through a returned policy")
		}
	})
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*:Get*", "ram:GetUser", true},
		{"acs:ram:*:1:user/*", "acs:ram::1:user/alice", true},
		{"acs:ram:*:1:user/*", "acs:ram::2:user/alice", false},
		{"**a", "ba", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.s, func(t *testing.T) {
			if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
				t.Fatalf("wildcardMatch(%q, %q) = %v", tt.pattern, tt.s, got)
			}
		})
	}
}

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		op     string
		have   string
		values []string
		want   bool
	}{
		{"stringequals", "a", []string{"b", "a"}, true},
		{"stringequals", "A", []string{"a"}, false},
		{"stringnotequals", "a", []string{"b", "c"}, true},
		{"stringnotequals", "a", []string{"b", "a"}, false},
		{"stringequalsignorecase", "ABC", []string{"abc"}, true},
		{"stringnotequalsignorecase", "ABC", []string{"abc"}, false},
		{"stringlike", "STS.x1", []string{"STS.*"}, true},
		{"stringnotlike", "LTAI1", []string{"STS.*"}, true},
		{"numericequals", "5", []string{"5.0"}, true},
		{"numericnotequals", "5", []string{"6"}, true},
		{"numericlessthan", "5", []string{"6"}, true},
		{"numericlessthan", "6", []string{"6"}, false},
		{"numericlessthanequals", "6", []string{"6"}, true},
		{"numericgreaterthan", "7", []string{"6"}, true},
		{"numericgreaterthanequals", "5", []string{"6"}, false},
		{"numericequals", "five", []string{"5"}, false},
		{"dateequals", "2026-03-01T12:00:00Z", []string{"2026-03-01T20:00:00+08:00"}, true},
		{"datenotequals", "2026-03-01T12:00:00Z", []string{"2026-03-01T12:00:01Z"}, true},
		{"datelessthanequals", "2026-03-01T12:00:00Z", []string{"2026-03-01T12:00:00Z"}, true},
		{"dategreaterthanequals", "2026-03-01T12:00:00Z", []string{"2026-03-02T00:00:00Z"},
			false},
		{"bool", "false", []string{"False"}, true},
		{"ipaddress", "::ffff:10.0.0.1", []string{"10.0.0.0/8"}, true},
		{"ipaddress", "2001:db8::1", []string{"2001:db8::/32"}, true},
		{"ipaddress", "not-an-ip", []string{"10.0.0.0/8"}, false},
		{"notipaddress", "192.0.2.1", []string{"10.0.0.0/8", "172.16.0.0/12"}, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %v", tt.op, tt.have, tt.values)
		t.Run(name, func(t *testing.T) {
			c := condition{op: tt.op, key: "k", values: tt.values}
			if got := c.holds(tt.have); got != tt.want {
				t.Fatalf("holds = %v, want %v", got, tt.want)
			}
		})
	}
}
