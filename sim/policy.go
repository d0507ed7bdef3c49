package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Values of AccessDeniedDetail.PolicyType. The first is what the service
// reports for the policies attached to users, groups and roles; the second
// names a denial by an STS session policy.
const (
	policyTypeIdentity = "AccountLevelIdentityBasedPolicy"
	policyTypeSession  = "AssumeRoleSessionPolicy"
)

// decision is the outcome of evaluating a set of policies.
type decision int

const (
	implicitDeny decision = iota
	allowed
	explicitDeny
)

func (d decision) String() string {
	switch d {
	case allowed:
		return "Allow"
	case explicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// query is one authorisation question: may this action be done on this
// resource, given these condition values.
type query struct {
	action   string
	resource string
	ctx      condContext
}

// Authorize decides whether the caller of r may perform action (for example
// "ram:GetUser") on resource (an ARN, or "*"). It returns nil when the call
// is allowed and a NoPermission error (HTTP 403, with AccessDeniedDetail)
// when it is not.
//
// The account root is always allowed. A RAM user is allowed by the policies
// attached to it and to its groups. An assumed role is allowed by the
// policies attached to the role as it is now, intersected with the token's
// session policy when there is one. An explicit Deny wins over any Allow.
func (w *World) Authorize(r *Request, action, resource string) *APIError {
	c := r.Caller
	if c != nil && c.Kind == CallerRoot {
		return nil
	}

	q := query{action: action, resource: resource, ctx: requestContext(r)}
	d, source := w.decide(c, q)
	if d == allowed {
		return nil
	}
	return deniedError(c, q, d, source)
}

// decide evaluates the caller's policies and says which kind of policy
// produced a denial.
func (w *World) decide(c *Caller, q query) (decision, string) {
	if c == nil || c.Account == nil {
		return implicitDeny, policyTypeIdentity
	}
	switch c.Kind {
	case CallerUser:
		if c.User == nil {
			return implicitDeny, policyTypeIdentity
		}
		return evaluate(userDocuments(c.Account, c.User), q), policyTypeIdentity
	case CallerRole:
		return decideRole(c, q)
	}
	return implicitDeny, policyTypeIdentity
}

// decideRole intersects the role's current policies with the session policy.
func decideRole(c *Caller, q query) (decision, string) {
	if c.Role == nil {
		return implicitDeny, policyTypeIdentity
	}
	id := evaluate(attachedDocuments(c.Account, c.Role.Policies), q)
	if c.Token == nil || c.Token.Policy == "" {
		return id, policyTypeIdentity
	}

	s := implicitDeny
	if doc, err := parsePolicy(c.Token.Policy, permissionPolicy); err == nil {
		s = evaluate([]*policyDoc{doc}, q)
	}
	switch {
	case id == explicitDeny:
		return id, policyTypeIdentity
	case s == explicitDeny:
		return s, policyTypeSession
	case id != allowed:
		return id, policyTypeIdentity
	case s != allowed:
		return s, policyTypeSession
	}
	return allowed, ""
}

// userDocuments returns the parsed policies of a user and of its groups.
func userDocuments(a *Account, u *User) []*policyDoc {
	docs := attachedDocuments(a, u.Policies)
	for _, name := range u.Groups {
		if g := a.Groups[name]; g != nil {
			docs = append(docs, attachedDocuments(a, g.Policies)...)
		}
	}
	return docs
}

// attachedDocuments parses the default versions of attached policies. A
// policy that vanished or does not parse grants nothing.
func attachedDocuments(a *Account, ats []Attachment) []*policyDoc {
	var docs []*policyDoc
	for _, at := range ats {
		p := lookupPolicy(a, at.PolicyType, at.PolicyName)
		if p == nil {
			continue
		}
		doc, err := parsePolicy(p.defaultDocument(), permissionPolicy)
		if err == nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// lookupPolicy finds a system policy in the catalogue or a custom policy of
// the account; nil when there is none.
func lookupPolicy(a *Account, typ, name string) *Policy {
	switch typ {
	case policySystem:
		return SystemPolicy(name)
	case policyCustom:
		return a.Policies[name]
	}
	return nil
}

// defaultDocument returns the document of the policy's default version.
func (p *Policy) defaultDocument() string {
	if v := p.version(p.DefaultVersion); v != nil {
		return v.Document
	}
	return ""
}

// version returns the version with the given id, nil when absent.
func (p *Policy) version(id string) *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

// evaluate applies documents to q: any matching Deny gives explicitDeny,
// otherwise any matching Allow gives allowed, otherwise implicitDeny.
func evaluate(docs []*policyDoc, q query) decision {
	d := implicitDeny
	for _, doc := range docs {
		for i := range doc.Statements {
			st := &doc.Statements[i]
			if !st.matches(q) {
				continue
			}
			if st.Effect == effectDeny {
				return explicitDeny
			}
			d = allowed
		}
	}
	return d
}

// matches says whether a permission statement applies to q, whatever its
// effect.
func (st *statement) matches(q query) bool {
	if !matchElement(st.Action, st.NotAction, q.action, true) {
		return false
	}
	if !matchElement(st.Resource, st.NotResource, q.resource, false) {
		return false
	}
	return st.conditionsHold(q.ctx)
}

// matchElement applies an Action/NotAction or Resource/NotResource pair.
func matchElement(in, notIn []string, value string, fold bool) bool {
	if in != nil {
		return matchAny(in, value, fold)
	}
	return !matchAny(notIn, value, fold)
}

func matchAny(patterns []string, value string, fold bool) bool {
	for _, p := range patterns {
		if fold && wildcardMatch(strings.ToLower(p), strings.ToLower(value)) {
			return true
		}
		if !fold && wildcardMatch(p, value) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where * stands for any run of
// characters and ? for exactly one.
func wildcardMatch(pattern, s string) bool {
	p, v := []rune(pattern), []rune(s)
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// deniedError builds the NoPermission answer with its AccessDeniedDetail.
func deniedError(c *Caller, q query, d decision, source string) *APIError {
	e := Errorf(http.StatusForbidden, "NoPermission",
		"You are not authorized to do this action. You should be authorized by RAM.")
	typ, name, owner := principalDetail(c)
	e.AccessDenied = map[string]string{
		"AuthAction":               q.action,
		"AuthPrincipalDisplayName": name,
		"AuthPrincipalOwnerId":     owner,
		"AuthPrincipalType":        typ,
		"NoPermissionType":         d.String(),
		"PolicyType":               source,
		"EncodedDiagnosticMessage": diagnostic(q, d, name),
	}
	return e
}

// principalDetail names the caller as AccessDeniedDetail does.
func principalDetail(c *Caller) (typ, name, owner string) {
	if c == nil {
		return "", "", ""
	}
	if c.Account != nil {
		owner = c.Account.ID
	}
	switch {
	case c.Kind == CallerUser && c.User != nil:
		return "SubUser", c.User.Name, owner
	case c.Kind == CallerRole && c.Token != nil:
		return "AssumedRoleUser", c.Token.RoleName + ":" + c.Token.SessionName, owner
	case c.Kind == CallerRole && c.Role != nil:
		return "AssumedRoleUser", c.Role.Name, owner
	}
	return "", "", owner
}

// diagnostic is the EncodedDiagnosticMessage: base64 of a small JSON record
// of the decision. It carries no credential.
func diagnostic(q query, d decision, principal string) string {
	b, _ := json.Marshal(map[string]string{
		"action":    q.action,
		"resource":  q.resource,
		"principal": principal,
		"decision":  d.String(),
	})
	return base64.StdEncoding.EncodeToString(b)
}

// TrustAllows says whether role's trust policy lets caller c assume it,
// given the ExternalId the caller sent ("" for none). It checks the trust
// policy only; the caller's own sts:AssumeRole permission is Authorize's job.
//
// Principal.RAM entries match as follows: "acs:ram::<acct>:root" matches
// every RAM user and every role session of that account (never the root
// identity, which cannot assume roles); "acs:ram::<acct>:user/<name>" and
// "acs:ram::<acct>:role/<name>" match that user, or a session of that role.
// Principal.Service and Principal.Federated never match an API caller.
func (w *World) TrustAllows(role *Role, c *Caller, externalID string) bool {
	if role == nil || c == nil || c.Kind == CallerRoot {
		return false
	}
	doc, err := parsePolicy(role.TrustPolicy, trustPolicy)
	if err != nil {
		return false
	}

	ctx := trustContext(w, c, externalID)
	ok := false
	for i := range doc.Statements {
		st := &doc.Statements[i]
		if !st.trusts(c, ctx) {
			continue
		}
		if st.Effect == effectDeny {
			return false
		}
		ok = true
	}
	return ok
}

// trusts says whether a trust statement applies to c assuming the role.
func (st *statement) trusts(c *Caller, ctx condContext) bool {
	if !matchElement(st.Action, st.NotAction, "sts:AssumeRole", true) {
		return false
	}
	if !st.principalMatches(c) {
		return false
	}
	return st.conditionsHold(ctx)
}

func (st *statement) principalMatches(c *Caller) bool {
	for _, p := range st.Principal.RAM {
		if ramPrincipalMatches(p, c) {
			return true
		}
	}
	return false
}

// ramPrincipalMatches matches one Principal.RAM ARN against a caller.
func ramPrincipalMatches(p string, c *Caller) bool {
	acct, rel, ok := splitRAMARN(p)
	if !ok || c.Account == nil || acct != c.Account.ID {
		return false
	}
	switch {
	case rel == "root":
		return c.Kind == CallerUser || c.Kind == CallerRole
	case strings.HasPrefix(rel, "user/"):
		return c.Kind == CallerUser && c.User != nil &&
			c.User.Name == strings.TrimPrefix(rel, "user/")
	case strings.HasPrefix(rel, "role/"):
		return c.Kind == CallerRole && c.Role != nil &&
			c.Role.Name == strings.TrimPrefix(rel, "role/")
	}
	return false
}

// splitRAMARN splits "acs:ram:<region>:<acct>:<relative>", where region is
// empty or "*", into the account id and the relative part.
func splitRAMARN(arn string) (acct, rel string, ok bool) {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) != 5 || parts[0] != "acs" || parts[1] != "ram" {
		return "", "", false
	}
	if parts[2] != "" && parts[2] != "*" {
		return "", "", false
	}
	return parts[3], parts[4], parts[3] != "" && parts[4] != ""
}

// requestContext resolves the condition keys the emulator knows for an API
// call.
func requestContext(r *Request) condContext {
	ctx := condContext{
		"acs:currenttime": r.Now.UTC().Format(time.RFC3339),
		"acs:mfapresent":  "false",
	}
	if r.SourceIP != "" {
		ctx["acs:sourceip"] = r.SourceIP
	}
	if r.UserAgent != "" {
		ctx["acs:useragent"] = r.UserAgent
	}
	if r.Caller != nil && r.Caller.AccessKeyID != "" {
		ctx["acs:accessid"] = r.Caller.AccessKeyID
	}
	return ctx
}

// trustContext resolves the condition keys of a trust policy.
func trustContext(w *World, c *Caller, externalID string) condContext {
	ctx := condContext{"acs:currenttime": w.Clock().UTC().Format(time.RFC3339)}
	if externalID != "" {
		ctx["sts:externalid"] = externalID
	}
	if c.AccessKeyID != "" {
		ctx["acs:accessid"] = c.AccessKeyID
	}
	return ctx
}

// Size limits of policy documents, in characters.
const (
	maxPolicyDocument = 6144
	maxTrustDocument  = 4096
)

// ValidatePolicyDocument checks a permission policy document: its size
// (6144 characters at most) and its grammar. It returns nil when the
// document is acceptable.
func ValidatePolicyDocument(doc string) *APIError {
	if doc == "" {
		return errMissing("PolicyDocument")
	}
	if n := utf8.RuneCountInString(doc); n > maxPolicyDocument {
		return Errorf(http.StatusBadRequest, "InvalidParameter.PolicyDocument.Length",
			"The policy document has %d characters; at most %d are allowed.",
			n, maxPolicyDocument)
	}
	if _, err := parsePolicy(doc, permissionPolicy); err != nil {
		return malformed(err)
	}
	return nil
}

// validateTrustPolicy checks a role's AssumeRolePolicyDocument.
func validateTrustPolicy(param, doc string) *APIError {
	if doc == "" {
		return errMissing(param)
	}
	if n := utf8.RuneCountInString(doc); n > maxTrustDocument {
		return Errorf(http.StatusBadRequest,
			"InvalidParameter.AssumeRolePolicyDocument.Length",
			"The trust policy has %d characters; at most %d are allowed.",
			n, maxTrustDocument)
	}
	if _, err := parsePolicy(doc, trustPolicy); err != nil {
		return malformed(err)
	}
	return nil
}

func malformed(err error) *APIError {
	return Errorf(http.StatusBadRequest, "MalformedPolicyDocument",
		"The policy document is malformed: %v.", err)
}
