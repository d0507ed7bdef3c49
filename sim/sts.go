package sim

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// STS limits (reference §3.4).
const (
	minSessionSeconds     = 900
	defaultSessionSeconds = 3600
	maxSessionPolicyBytes = 2048
)

var (
	sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	roleARNRE     = regexp.MustCompile(`^acs:ram::(\d{1,32}):role/([A-Za-z0-9.-]{1,64})$`)
)

func stsEndpoints() []Endpoint {
	return []Endpoint{
		{
			Product: ProductSTS, Version: VersionSTS, Action: "GetCallerIdentity",
			Handler: getCallerIdentity, RW: "Read", Unauthorized: true,
		},
		{
			// The sts:AssumeRole permission is checked inside the handler,
			// after the parameters, against the ARN of the role found.
			Product: ProductSTS, Version: VersionSTS, Action: "AssumeRole",
			Handler: assumeRole, RW: "Write", Unauthorized: true,
		},
	}
}

func getCallerIdentity(_ *World, r *Request) (map[string]any, error) {
	c := r.Caller
	acct := c.Account.ID
	out := map[string]any{"AccountId": acct}
	switch c.Kind {
	case CallerRoot:
		out["IdentityType"] = "Account"
		out["Arn"] = "acs:ram::" + acct + ":root"
		out["PrincipalId"] = acct
		out["UserId"] = acct
	case CallerUser:
		out["IdentityType"] = "RAMUser"
		out["Arn"] = "acs:ram::" + acct + ":user/" + c.User.Name
		out["PrincipalId"] = c.User.ID
		out["UserId"] = c.User.ID
	case CallerRole:
		t := c.Token
		out["IdentityType"] = "AssumedRoleUser"
		out["Arn"] = "acs:ram::" + acct + ":assumed-role/" + t.RoleName + "/" + t.SessionName
		out["PrincipalId"] = t.RoleID + ":" + t.SessionName
		out["RoleId"] = t.RoleID
	}
	return out, nil
}

// assumeRequest is a validated AssumeRole call.
type assumeRequest struct {
	account  string
	roleName string
	session  string
	duration int64 // 0: default
	policy   string
	external string
}

func assumeRole(w *World, r *Request) (map[string]any, error) {
	q, err := readAssumeRequest(r)
	if err != nil {
		return nil, err
	}
	if r.Caller.Kind == CallerRoot {
		return nil, Errorf(http.StatusForbidden, "NoPermission",
			"Roles may not be assumed by root accounts.")
	}
	role, err := assumableRole(w, r, q)
	if err != nil {
		return nil, err
	}
	secs, err := sessionSeconds(q.duration, role.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	t := mintToken(w, r, role, q, secs)
	return assumeResponse(role, t), nil
}

func readAssumeRequest(r *Request) (*assumeRequest, *APIError) {
	for _, name := range []string{"RoleArn", "RoleSessionName"} {
		if r.Param(name) == "" {
			return nil, errMissing(name)
		}
	}
	m := roleARNRE.FindStringSubmatch(r.Param("RoleArn"))
	if m == nil {
		return nil, stsInvalid("RoleArn", "The parameter RoleArn is wrongly formed.")
	}
	q := &assumeRequest{account: m[1], roleName: m[2], session: r.Param("RoleSessionName"),
		policy: r.Param("Policy"), external: r.Param("ExternalId")}
	if !sessionNameRE.MatchString(q.session) {
		return nil, stsInvalid("RoleSessionName",
			"The parameter RoleSessionName is wrongly formed.")
	}
	if d := r.Param("DurationSeconds"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < minSessionSeconds {
			return nil, errDuration()
		}
		q.duration = n
	}
	if _, ok := r.Params["ExternalId"]; ok && !validExternalID(q.external) {
		return nil, stsInvalid("ExternalId", "The parameter ExternalId is wrongly formed.")
	}
	return q, checkSessionPolicy(q.policy)
}

func validExternalID(s string) bool {
	return len(s) >= 2 && len(s) <= 1224 && externalIDRE.MatchString(s)
}

func checkSessionPolicy(doc string) *APIError {
	if doc == "" {
		return nil
	}
	if len(doc) > maxSessionPolicyBytes {
		return stsInvalid("PolicySize", "The size of Policy must be smaller than 2048 bytes.")
	}
	if ValidatePolicyDocument(doc) != nil {
		return stsInvalid("PolicyGrammar", "The parameter Policy has not passed grammar check.")
	}
	return nil
}

// assumableRole finds the role and checks both the caller's sts:AssumeRole
// permission on it and the role's trust policy; either failure is
// NoPermission.
func assumableRole(w *World, r *Request, q *assumeRequest) (*Role, *APIError) {
	var role *Role
	if a := w.Accounts[q.account]; a != nil {
		role = roleNamed(a, q.roleName)
	}
	if role == nil {
		return nil, Errorf(http.StatusNotFound, "EntityNotExist.Role",
			"The specified Role not exists .")
	}
	if err := w.Authorize(r, "sts:AssumeRole", roleARN(q.account, role.Name)); err != nil {
		return nil, err
	}
	if !w.TrustAllows(role, r.Caller, q.external) {
		return nil, Errorf(http.StatusForbidden, "NoPermission",
			"You are not authorized to do this action. You should be authorized by RAM.")
	}
	return role, nil
}

func sessionSeconds(asked, roleMax int64) (int64, *APIError) {
	if roleMax <= 0 {
		roleMax = defaultSessionSeconds
	}
	if asked == 0 {
		return min(defaultSessionSeconds, roleMax), nil
	}
	if asked > roleMax {
		return 0, errDuration()
	}
	return asked, nil
}

func mintToken(w *World, r *Request, role *Role, q *assumeRequest, secs int64) *Token {
	t := &Token{
		AccessKeyID:   "STS." + w.Alnum(25),
		Secret:        w.Alnum(44),
		SecurityToken: newSecurityToken(),
		AccountID:     q.account,
		RoleID:        role.ID,
		RoleName:      role.Name,
		SessionName:   q.session,
		Created:       r.Now.UTC().Truncate(time.Second),
		Expiration:    r.Now.Add(time.Duration(secs) * time.Second).Truncate(time.Second),
		Policy:        q.policy,
		MintedBy:      r.Caller.AccessKeyID,
	}
	w.AddToken(t)
	return t
}

// newSecurityToken makes an opaque token of the length and alphabet real
// ones have (base64, several hundred characters, "CAIS" prefix).
func newSecurityToken() string {
	b := make([]byte, 480)
	_, _ = rand.Read(b)
	return "CAIS" + base64.StdEncoding.EncodeToString(b)
}

func assumeResponse(role *Role, t *Token) map[string]any {
	return map[string]any{
		"AssumedRoleUser": map[string]any{
			"AssumedRoleId": role.ID + ":" + t.SessionName,
			"Arn":           roleARN(t.AccountID, role.Name) + "/" + t.SessionName,
		},
		"Credentials": map[string]any{
			"AccessKeyId":     t.AccessKeyID,
			"AccessKeySecret": t.Secret,
			"SecurityToken":   t.SecurityToken,
			"Expiration":      t.Expiration.UTC().Format(timestampLayout),
		},
	}
}

func roleARN(account, name string) string {
	return "acs:ram::" + account + ":role/" + name
}

func stsInvalid(what, msg string) *APIError {
	return Errorf(http.StatusBadRequest, "InvalidParameter."+what, "%s", msg)
}

func errDuration() *APIError {
	return stsInvalid("DurationSeconds", "The Min/Max value of DurationSeconds is 15min/1hr.")
}

// callerARN names a principal the way GetCallerIdentity does.
func callerARN(id *identity) string {
	base := "acs:ram::" + id.accountID + ":"
	switch id.kind {
	case CallerUser:
		return base + "user/" + id.userName
	case CallerRole:
		return base + "assumed-role/" + strings.Replace(id.userName, ":", "/", 1)
	}
	return base + "root"
}
