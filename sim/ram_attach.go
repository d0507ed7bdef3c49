package sim

import (
	"net/http"
	"slices"
	"strings"
)

// Kinds of entity a policy attaches to, as spelled in error codes.
const (
	kindUser  = "User"
	kindGroup = "Group"
	kindRole  = "Role"
)

func ramAttachEndpoints() []Endpoint {
	var eps []Endpoint
	for _, t := range []struct{ kind, arnKind, param string }{
		{kindUser, "user", "UserName"},
		{kindGroup, "group", "GroupName"},
		{kindRole, "role", "RoleName"},
	} {
		res := named(t.arnKind, t.param)
		eps = append(eps,
			ramAPI("AttachPolicyTo"+t.kind, writeAPI, attachHandler(t.kind), res),
			ramAPI("DetachPolicyFrom"+t.kind, writeAPI, detachHandler(t.kind), res),
			ramAPI("ListPoliciesFor"+t.kind, readAPI, listAttachedHandler(t.kind), res),
		)
	}
	return eps
}

// attachee is a user, group or role as a holder of policies.
type attachee struct {
	kind     string
	policies *[]Attachment
	role     *Role // roles only: DeleteRole watches the last detach
}

func findAttachee(r *Request, kind string) (attachee, *APIError) {
	switch kind {
	case kindUser:
		u, err := findUser(r, "UserName")
		if err != nil {
			return attachee{}, err
		}
		return attachee{kind: kind, policies: &u.Policies}, nil
	case kindGroup:
		g, err := findGroup(r, "GroupName")
		if err != nil {
			return attachee{}, err
		}
		return attachee{kind: kind, policies: &g.Policies}, nil
	}
	role, err := findRole(r, "RoleName")
	if err != nil {
		return attachee{}, err
	}
	return attachee{kind: kind, policies: &role.Policies, role: role}, nil
}

// attachedIndex is the position of a policy in an attachment list, or -1.
func attachedIndex(ats []Attachment, typ, name string) int {
	for i, at := range ats {
		if at.PolicyType == typ && at.PolicyName == name {
			return i
		}
	}
	return -1
}

func attachHandler(kind string) Handler {
	return func(_ *World, r *Request) (map[string]any, error) {
		p, err := findPolicy(r)
		if err != nil {
			return nil, err
		}
		e, err := findAttachee(r, kind)
		if err != nil {
			return nil, err
		}
		if err := e.checkAttach(p); err != nil {
			return nil, err
		}
		*e.policies = append(*e.policies,
			Attachment{PolicyName: p.Name, PolicyType: p.Type, AttachDate: r.Now})
		return map[string]any{}, nil
	}
}

// checkAttach refuses a duplicate attachment and one beyond the quota (20
// system and 10 custom policies an entity).
func (e attachee) checkAttach(p *Policy) *APIError {
	if attachedIndex(*e.policies, p.Type, p.Name) >= 0 {
		return conflict("EntityAlreadyExists."+e.kind+".Policy",
			"The policy is already attached to the %s.", strings.ToLower(e.kind))
	}
	limit, n := maxCustomAttached, 0
	if p.Type == policySystem {
		limit = maxSystemAttached
	}
	for _, at := range *e.policies {
		if at.PolicyType == p.Type {
			n++
		}
	}
	if n >= limit {
		return conflict("LimitExceeded."+e.kind+".Policy",
			"The %s already has %d %s policies attached, the limit.",
			strings.ToLower(e.kind), limit, strings.ToLower(p.Type))
	}
	return nil
}

func detachHandler(kind string) Handler {
	return func(_ *World, r *Request) (map[string]any, error) {
		typ, err := policyTypeParam(r)
		if err != nil {
			return nil, err
		}
		name, err := needParam(r, "PolicyName")
		if err != nil {
			return nil, err
		}
		e, err := findAttachee(r, kind)
		if err != nil {
			return nil, err
		}

		i := attachedIndex(*e.policies, typ, name)
		if i < 0 {
			return nil, notAttached(r, e, typ, name)
		}
		*e.policies = slices.Delete(*e.policies, i, i+1)
		if e.role != nil && len(e.role.Policies) == 0 {
			e.role.DetachedAt = r.Now
		}
		return map[string]any{}, nil
	}
}

// notAttached tells a missing policy from one that is not attached.
func notAttached(r *Request, e attachee, typ, name string) *APIError {
	if lookupPolicy(r.Caller.Account, typ, name) == nil {
		return errNoPolicy()
	}
	return Errorf(http.StatusNotFound, "EntityNotExist."+e.kind+".Policy",
		"The policy is not attached to the %s.", strings.ToLower(e.kind))
}

func listAttachedHandler(kind string) Handler {
	return func(_ *World, r *Request) (map[string]any, error) {
		e, err := findAttachee(r, kind)
		if err != nil {
			return nil, err
		}
		a := r.Caller.Account
		items := make([]map[string]any, 0, len(*e.policies))
		for _, at := range *e.policies {
			m := map[string]any{"PolicyName": at.PolicyName, "PolicyType": at.PolicyType}
			if p := lookupPolicy(a, at.PolicyType, at.PolicyName); p != nil {
				m["Description"] = p.Description
				m["DefaultVersion"] = p.DefaultVersion
			}
			putDate(m, "AttachDate", at.AttachDate)
			items = append(items, m)
		}
		return map[string]any{"Policies": wrapList(items, "Policy")}, nil
	}
}
