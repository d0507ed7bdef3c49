package sim

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// rotateOldest is the RotateStrategy that makes room for a new version.
const rotateOldest = "DeleteOldestNonDefaultVersionWhenLimitExceeded"

var versionIDPattern = regexp.MustCompile(`^v[1-9][0-9]*$`)

func ramPolicyEndpoints() []Endpoint {
	policy := named("policy", "PolicyName")
	return []Endpoint{
		ramAPI("CreatePolicy", writeAPI, createPolicy, policy),
		ramAPI("GetPolicy", readAPI, getPolicy, policy),
		ramAPI("DeletePolicy", writeAPI, deletePolicy, policy),
		ramAPI("ListPolicies", readAPI, listPolicies, named("policy", "")),
		ramAPI("CreatePolicyVersion", writeAPI, createPolicyVersion, policy),
		ramAPI("GetPolicyVersion", readAPI, getPolicyVersion, policy),
		ramAPI("ListPolicyVersions", readAPI, listPolicyVersions, policy),
		ramAPI("SetDefaultPolicyVersion", writeAPI, setDefaultPolicyVersion, policy),
		ramAPI("DeletePolicyVersion", writeAPI, deletePolicyVersion, policy),
		ramAPI("ListEntitiesForPolicy", readAPI, listEntitiesForPolicy, policy),
	}
}

// policyTypeParam reads PolicyType, which must be System or Custom.
func policyTypeParam(r *Request) (string, *APIError) {
	t, err := needParam(r, "PolicyType")
	if err != nil {
		return "", err
	}
	if t != policySystem && t != policyCustom {
		return "", Errorf(http.StatusBadRequest, "InvalidParameter.PolicyType",
			"The parameter PolicyType must be System or Custom.")
	}
	return t, nil
}

func errNoPolicy() *APIError {
	return notFound("Policy")
}

// findPolicy resolves PolicyType and PolicyName.
func findPolicy(r *Request) (*Policy, *APIError) {
	typ, err := policyTypeParam(r)
	if err != nil {
		return nil, err
	}
	return findTypedPolicy(r, typ)
}

func findTypedPolicy(r *Request, typ string) (*Policy, *APIError) {
	name, err := needParam(r, "PolicyName")
	if err != nil {
		return nil, err
	}
	if p := lookupPolicy(r.Caller.Account, typ, name); p != nil {
		return p, nil
	}
	return nil, errNoPolicy()
}

// findCustomPolicy resolves PolicyName among the account's own policies:
// the calls that change a policy apply to custom policies only.
func findCustomPolicy(r *Request) (*Policy, *APIError) {
	return findTypedPolicy(r, policyCustom)
}

// attachmentCount counts the users, groups and roles a policy is attached to.
func attachmentCount(a *Account, typ, name string) int {
	n := 0
	for _, u := range a.Users {
		n += countAttached(u.Policies, typ, name)
	}
	for _, g := range a.Groups {
		n += countAttached(g.Policies, typ, name)
	}
	for _, role := range a.Roles {
		n += countAttached(role.Policies, typ, name)
	}
	return n
}

func countAttached(ats []Attachment, typ, name string) int {
	if attachedIndex(ats, typ, name) >= 0 {
		return 1
	}
	return 0
}

func policyJSON(a *Account, p *Policy) map[string]any {
	m := map[string]any{
		"PolicyName":      p.Name,
		"PolicyType":      p.Type,
		"Description":     p.Description,
		"DefaultVersion":  p.DefaultVersion,
		"AttachmentCount": attachmentCount(a, p.Type, p.Name),
	}
	putDate(m, "CreateDate", p.CreateDate)
	putDate(m, "UpdateDate", p.UpdateDate)
	return m
}

func versionJSON(p *Policy, v *PolicyVersion) map[string]any {
	m := map[string]any{
		"VersionId":        v.ID,
		"IsDefaultVersion": v.ID == p.DefaultVersion,
		"PolicyDocument":   v.Document,
	}
	putDate(m, "CreateDate", v.CreateDate)
	return m
}

func createPolicy(_ *World, r *Request) (map[string]any, error) {
	a := r.Caller.Account
	name := r.Param("PolicyName")
	if err := policyNameRule.check("PolicyName", name); err != nil {
		return nil, err
	}
	if err := checkLength(r, "Description", 1024); err != nil {
		return nil, err
	}
	doc := r.Param("PolicyDocument")
	if err := ValidatePolicyDocument(doc); err != nil {
		return nil, err
	}
	if a.Policies[name] != nil {
		return nil, alreadyExists("Policy")
	}
	if len(a.Policies) >= maxCustomPolicies {
		return nil, conflict("LimitExceeded.Policy",
			"The count of custom policies exceeds the limit of %d.", maxCustomPolicies)
	}

	p := &Policy{
		Name:           name,
		Type:           policyCustom,
		Description:    r.Param("Description"),
		DefaultVersion: "v1",
		Versions:       []PolicyVersion{{ID: "v1", Document: doc, CreateDate: r.Now}},
		CreateDate:     r.Now,
		UpdateDate:     r.Now,
	}
	a.Policies[name] = p
	return map[string]any{"Policy": policyJSON(a, p)}, nil
}

func getPolicy(_ *World, r *Request) (map[string]any, error) {
	p, err := findPolicy(r)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"Policy": policyJSON(r.Caller.Account, p)}
	if v := p.version(p.DefaultVersion); v != nil {
		body["DefaultPolicyVersion"] = versionJSON(p, v)
	}
	return body, nil
}

func deletePolicy(_ *World, r *Request) (map[string]any, error) {
	p, err := findCustomPolicy(r)
	if err != nil {
		return nil, err
	}
	if err := policyInUse(r.Caller.Account, p); err != nil {
		return nil, err
	}
	if len(p.Versions) > 1 {
		return nil, conflict("DeleteConflict.Policy.Version",
			"The policy can not be deleted while it has versions other than the default.")
	}
	delete(r.Caller.Account.Policies, p.Name)
	return map[string]any{}, nil
}

// policyInUse answers DeleteConflict while anything holds the policy.
func policyInUse(a *Account, p *Policy) *APIError {
	for _, u := range a.Users {
		if countAttached(u.Policies, p.Type, p.Name) > 0 {
			return conflict("DeleteConflict.Policy.User",
				"The policy can not be deleted while it is attached to a user.")
		}
	}
	for _, g := range a.Groups {
		if countAttached(g.Policies, p.Type, p.Name) > 0 {
			return conflict("DeleteConflict.Policy.Group",
				"The policy can not be deleted while it is attached to a group.")
		}
	}
	for _, role := range a.Roles {
		if countAttached(role.Policies, p.Type, p.Name) > 0 {
			return conflict("DeleteConflict.Policy.Role",
				"The policy can not be deleted while it is attached to a role.")
		}
	}
	return nil
}

func listPolicies(_ *World, r *Request) (map[string]any, error) {
	filter := r.Param("PolicyType")
	if filter != "" {
		if _, err := policyTypeParam(r); err != nil {
			return nil, err
		}
	}
	p, err := readPage(r, 100)
	if err != nil {
		return nil, err
	}

	a := r.Caller.Account
	all := allPolicies(a, filter)
	keys, next := p.window(sortedKeys(all))
	items := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, policyJSON(a, all[k]))
	}
	return paged(map[string]any{"Policies": wrapList(items, "Policy")}, next), nil
}

// allPolicies indexes the system catalogue and the account's custom
// policies by "<type>/<name>", keeping only type filter when it is set.
func allPolicies(a *Account, filter string) map[string]*Policy {
	all := map[string]*Policy{}
	if filter == "" || filter == policySystem {
		for _, n := range systemPolicyNames() {
			all[policySystem+"/"+n] = SystemPolicy(n)
		}
	}
	if filter == "" || filter == policyCustom {
		for n, p := range a.Policies {
			all[policyCustom+"/"+n] = p
		}
	}
	return all
}

func createPolicyVersion(_ *World, r *Request) (map[string]any, error) {
	p, err := findCustomPolicy(r)
	if err != nil {
		return nil, err
	}
	doc := r.Param("PolicyDocument")
	if err := ValidatePolicyDocument(doc); err != nil {
		return nil, err
	}
	setDefault, err := boolParam(r, "SetAsDefault", false)
	if err != nil {
		return nil, err
	}
	drop, err := versionToRotate(p, r.Param("RotateStrategy"))
	if err != nil {
		return nil, err
	}

	id := nextVersionID(p)
	if drop != "" {
		p.Versions = slices.DeleteFunc(p.Versions,
			func(v PolicyVersion) bool { return v.ID == drop })
	}
	p.Versions = append(p.Versions,
		PolicyVersion{ID: id, Document: doc, CreateDate: r.Now})
	if setDefault {
		p.DefaultVersion = id
	}
	p.UpdateDate = r.Now
	return map[string]any{"PolicyVersion": versionJSON(p, p.version(id))}, nil
}

// versionToRotate checks the version quota and names the version to drop
// to make room, "" when there is room already.
func versionToRotate(p *Policy, strategy string) (string, *APIError) {
	if strategy != "" && strategy != "None" && strategy != rotateOldest {
		return "", Errorf(http.StatusBadRequest, "InvalidParameter.RotateStrategy",
			"The parameter RotateStrategy must be None or %s.", rotateOldest)
	}
	if len(p.Versions) < maxPolicyVersions {
		return "", nil
	}
	if strategy == rotateOldest {
		for _, v := range p.Versions {
			if v.ID != p.DefaultVersion {
				return v.ID, nil
			}
		}
	}
	return "", conflict("LimitExceeded.Policy.Version",
		"The count of versions of the policy exceeds the limit of %d.", maxPolicyVersions)
}

// nextVersionID is one more than the highest version number ever kept.
func nextVersionID(p *Policy) string {
	top := 0
	for _, v := range p.Versions {
		if n, err := strconv.Atoi(strings.TrimPrefix(v.ID, "v")); err == nil && n > top {
			top = n
		}
	}
	return "v" + strconv.Itoa(top+1)
}

// findVersion resolves VersionId within p.
func findVersion(r *Request, p *Policy) (*PolicyVersion, *APIError) {
	id, err := needParam(r, "VersionId")
	if err != nil {
		return nil, err
	}
	if !versionIDPattern.MatchString(id) {
		return nil, Errorf(http.StatusBadRequest, "InvalidParameter.VersionId.Format",
			"The parameter VersionId must look like v1, v2, ….")
	}
	if v := p.version(id); v != nil {
		return v, nil
	}
	return nil, Errorf(http.StatusNotFound, "EntityNotExist.Policy.Version",
		"The policy version does not exist.")
}

func getPolicyVersion(_ *World, r *Request) (map[string]any, error) {
	p, err := findPolicy(r)
	if err != nil {
		return nil, err
	}
	v, err := findVersion(r, p)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PolicyVersion": versionJSON(p, v)}, nil
}

func listPolicyVersions(_ *World, r *Request) (map[string]any, error) {
	p, err := findPolicy(r)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(p.Versions))
	for i := range p.Versions {
		items = append(items, versionJSON(p, &p.Versions[i]))
	}
	return map[string]any{"PolicyVersions": wrapList(items, "PolicyVersion")}, nil
}

func setDefaultPolicyVersion(_ *World, r *Request) (map[string]any, error) {
	p, err := findCustomPolicy(r)
	if err != nil {
		return nil, err
	}
	v, err := findVersion(r, p)
	if err != nil {
		return nil, err
	}
	p.DefaultVersion = v.ID
	p.UpdateDate = r.Now
	return map[string]any{}, nil
}

func deletePolicyVersion(_ *World, r *Request) (map[string]any, error) {
	p, err := findCustomPolicy(r)
	if err != nil {
		return nil, err
	}
	v, err := findVersion(r, p)
	if err != nil {
		return nil, err
	}
	if v.ID == p.DefaultVersion {
		return nil, conflict("DeleteConflict.Policy.DefaultVersion",
			"The default version of a policy can not be deleted.")
	}
	id := v.ID
	p.Versions = slices.DeleteFunc(p.Versions,
		func(pv PolicyVersion) bool { return pv.ID == id })
	return map[string]any{}, nil
}

func listEntitiesForPolicy(_ *World, r *Request) (map[string]any, error) {
	p, err := findPolicy(r)
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	return map[string]any{
		"Users":  wrapList(usersWithPolicy(a, p), "User"),
		"Groups": wrapList(groupsWithPolicy(a, p), "Group"),
		"Roles":  wrapList(rolesWithPolicy(a, p), "Role"),
	}, nil
}

func usersWithPolicy(a *Account, p *Policy) []map[string]any {
	var items []map[string]any
	for _, n := range sortedKeys(a.Users) {
		u := a.Users[n]
		if i := attachedIndex(u.Policies, p.Type, p.Name); i >= 0 {
			m := map[string]any{"UserName": u.Name, "UserId": u.ID,
				"DisplayName": u.DisplayName}
			putDate(m, "AttachDate", u.Policies[i].AttachDate)
			items = append(items, m)
		}
	}
	return items
}

func groupsWithPolicy(a *Account, p *Policy) []map[string]any {
	var items []map[string]any
	for _, n := range sortedKeys(a.Groups) {
		g := a.Groups[n]
		if i := attachedIndex(g.Policies, p.Type, p.Name); i >= 0 {
			m := map[string]any{"GroupName": g.Name, "Comments": g.Comments}
			putDate(m, "AttachDate", g.Policies[i].AttachDate)
			items = append(items, m)
		}
	}
	return items
}

func rolesWithPolicy(a *Account, p *Policy) []map[string]any {
	var items []map[string]any
	for _, n := range sortedKeys(a.Roles) {
		role := a.Roles[n]
		if i := attachedIndex(role.Policies, p.Type, p.Name); i >= 0 {
			m := map[string]any{"RoleName": role.Name, "RoleId": role.ID,
				"Arn": arnOfRole(a, role), "Description": role.Description}
			putDate(m, "AttachDate", role.Policies[i].AttachDate)
			items = append(items, m)
		}
	}
	return items
}
