package sim

// Bounds of a role's MaxSessionDuration, in seconds.
const (
	minRoleSession     = 3600
	maxRoleSession     = 43200
	defaultRoleSession = 3600
)

func ramRoleEndpoints() []Endpoint {
	role := named("role", "RoleName")
	return []Endpoint{
		ramAPI("CreateRole", writeAPI, createRole, role),
		ramAPI("GetRole", readAPI, getRole, role),
		ramAPI("UpdateRole", writeAPI, updateRole, role),
		ramAPI("DeleteRole", writeAPI, deleteRole, role),
		ramAPI("ListRoles", readAPI, listRoles, named("role", "")),
	}
}

// arnOfRole keeps the role name's case, as the documentation shows it.
func arnOfRole(a *Account, role *Role) string {
	return ramARN(a.ID, "role/"+role.Name)
}

// roleJSON renders a role; list items carry no trust policy.
func roleJSON(a *Account, role *Role, withTrust bool) map[string]any {
	m := map[string]any{
		"RoleId":             role.ID,
		"RoleName":           role.Name,
		"Arn":                arnOfRole(a, role),
		"Description":        role.Description,
		"MaxSessionDuration": role.MaxSessionDuration,
	}
	if withTrust {
		m["AssumeRolePolicyDocument"] = role.TrustPolicy
	}
	putDate(m, "CreateDate", role.CreateDate)
	putDate(m, "UpdateDate", role.UpdateDate)
	return m
}

func createRole(w *World, r *Request) (map[string]any, error) {
	a := r.Caller.Account
	name := r.Param("RoleName")
	if err := roleNameRule.check("RoleName", name); err != nil {
		return nil, err
	}
	doc := r.Param("AssumeRolePolicyDocument")
	if err := validateTrustPolicy("AssumeRolePolicyDocument", doc); err != nil {
		return nil, err
	}
	if err := checkLength(r, "Description", 1024); err != nil {
		return nil, err
	}
	maxSession, err := intParam(r, "MaxSessionDuration", defaultRoleSession,
		minRoleSession, maxRoleSession)
	if err != nil {
		return nil, err
	}
	if roleNamed(a, name) != nil {
		// Names are compared ignoring case, as AssumeRole resolves them.
		return nil, alreadyExists(kindRole)
	}
	if len(a.Roles) >= maxRoles {
		return nil, conflict("LimitExceeded.Role",
			"The count of roles exceeds the limit of %d.", maxRoles)
	}

	role := &Role{
		ID:                 w.NewID(19),
		Name:               name,
		Description:        r.Param("Description"),
		TrustPolicy:        doc,
		MaxSessionDuration: maxSession,
		CreateDate:         r.Now,
	}
	a.Roles[name] = role
	return map[string]any{"Role": roleJSON(a, role, true)}, nil
}

func getRole(_ *World, r *Request) (map[string]any, error) {
	role, err := findRole(r, "RoleName")
	if err != nil {
		return nil, err
	}
	return map[string]any{"Role": roleJSON(r.Caller.Account, role, true)}, nil
}

func listRoles(_ *World, r *Request) (map[string]any, error) {
	p, err := readPage(r, 100)
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	names, next := p.window(sortedKeys(a.Roles))
	items := make([]map[string]any, 0, len(names))
	for _, n := range names {
		items = append(items, roleJSON(a, a.Roles[n], false))
	}
	return paged(map[string]any{"Roles": wrapList(items, "Role")}, next), nil
}

func updateRole(_ *World, r *Request) (map[string]any, error) {
	role, err := findRole(r, "RoleName")
	if err != nil {
		return nil, err
	}
	doc := r.Param("NewAssumeRolePolicyDocument")
	if doc != "" {
		if err := validateTrustPolicy("NewAssumeRolePolicyDocument", doc); err != nil {
			return nil, err
		}
	}
	if err := checkLength(r, "NewDescription", 1024); err != nil {
		return nil, err
	}
	maxSession, err := intParam(r, "NewMaxSessionDuration", role.MaxSessionDuration,
		minRoleSession, maxRoleSession)
	if err != nil {
		return nil, err
	}

	setIfGiven(&role.TrustPolicy, doc)
	setIfGiven(&role.Description, r.Param("NewDescription"))
	role.MaxSessionDuration = maxSession
	role.UpdateDate = r.Now
	return map[string]any{"Role": roleJSON(r.Caller.Account, role, true)}, nil
}

// deleteRole refuses while policies are attached and, to model the
// service's eventual consistency, for the fault set's consistency delay
// after the last detach. Tokens minted for the role are left alone: they
// are void because no role with their RoleId exists any more.
func deleteRole(w *World, r *Request) (map[string]any, error) {
	role, err := findRole(r, "RoleName")
	if err != nil {
		return nil, err
	}
	if len(role.Policies) > 0 || recentlyDetached(w, r, role) {
		return nil, conflict("DeleteConflict.Role.Policy",
			"The role cannot have any attached policies when you delete it.")
	}
	delete(r.Caller.Account.Roles, role.Name)
	return map[string]any{}, nil
}

func recentlyDetached(w *World, r *Request, role *Role) bool {
	if role.DetachedAt.IsZero() || w.Faults == nil {
		return false
	}
	return r.Now.Sub(role.DetachedAt) < w.Faults.ConsistencyDelay()
}
