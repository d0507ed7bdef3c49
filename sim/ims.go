package sim

import (
	"net/http"
	"strings"
)

// upnDomain is the suffix of every UserPrincipalName after the alias.
const upnDomain = ".onaliyun.com"

// imsEndpoints lists the IMS 2019-08-15 actions the emulator serves. IMS
// is RAM's identity service: the front authorises these calls as
// ram:<Action>, on the same user ARNs as RAM.
func imsEndpoints() []Endpoint {
	return []Endpoint{
		imsAPI("GetUser", readAPI, imsGetUser, imsGetUserResource),
		imsAPI("ListUsers", readAPI, imsListUsers, named("user", "")),
		imsAPI("ListAccessKeys", readAPI, imsListAccessKeys, selfOrUPN),
		imsAPI("UpdateAccessKey", writeAPI, imsUpdateAccessKey, selfOrUPN),
		imsAPI("DeleteAccessKey", writeAPI, imsDeleteAccessKey, selfOrUPN),
		imsAPI("GetAccessKeyLastUsed", readAPI, imsKeyLastUsed, selfOrUPN),
		imsAPI("ListGroupsForUser", readAPI, imsListGroupsForUser, selfOrUPN),
		imsAPI("GetLoginProfile", readAPI, imsGetLoginProfile, selfOrUPN),
	}
}

func imsAPI(action, rw string, h Handler, res func(*World, *Request) string) Endpoint {
	ep := ramAPI(action, rw, h, res)
	ep.Product, ep.Version = ProductIMS, VersionIMS
	return ep
}

// upnUser returns the user name a UserPrincipalName names in the caller's
// account: "" with no error when the domain is another account's.
func upnUser(a *Account, upn string) (string, *APIError) {
	name, domain, ok := strings.Cut(upn, "@")
	if !ok || name == "" || !strings.HasSuffix(strings.ToLower(domain), upnDomain) {
		return "", Errorf(http.StatusBadRequest, "InvalidParameter.UserPrincipalName",
			"The parameter UserPrincipalName must look like <user>@<alias>%s.", upnDomain)
	}
	if !strings.EqualFold(domain, a.Alias+upnDomain) {
		return "", nil
	}
	return name, nil
}

// upn builds a user's UserPrincipalName.
func upn(a *Account, u *User) string { return u.Name + "@" + a.Alias + upnDomain }

// findUPNUser resolves a mandatory-or-given UserPrincipalName.
func findUPNUser(r *Request) (*User, *APIError) {
	v, err := needParam(r, "UserPrincipalName")
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	name, err := upnUser(a, v)
	if err != nil {
		return nil, err
	}
	if u := a.Users[name]; u != nil && name != "" {
		return u, nil
	}
	return nil, errNoUser()
}

// imsKeyHolder resolves UserPrincipalName, or the caller when omitted.
func imsKeyHolder(r *Request) (keyHolder, *APIError) {
	if r.Param("UserPrincipalName") == "" {
		return selfHolder(r)
	}
	u, err := findUPNUser(r)
	if err != nil {
		return keyHolder{}, err
	}
	return keyHolder{r.Caller.Account, u}, nil
}

// selfOrUPN is the Resource of IMS calls on one user.
func selfOrUPN(_ *World, r *Request) string {
	v := r.Param("UserPrincipalName")
	if v == "" {
		return selfARN(r)
	}
	name, _, _ := strings.Cut(v, "@")
	return ramARN(callerAccountID(r), "user/"+name)
}

// imsGetUserResource names the user GetUser looks up, when it can be found.
func imsGetUserResource(w *World, r *Request) string {
	if r.Param("UserPrincipalName") != "" {
		return selfOrUPN(w, r)
	}
	if u, err := imsLookup(w, r); err == nil {
		return ramARN(callerAccountID(r), "user/"+u.Name)
	}
	return ramARN(callerAccountID(r), "user/*")
}

func imsUserJSON(a *Account, u *User) map[string]any {
	m := userJSON(u)
	m["UserPrincipalName"] = upn(a, u)
	m["ProvisionType"] = "Manual"
	m["Status"] = "active"
	m["Tags"] = map[string]any{"Tag": []map[string]any{}}
	return m
}

func imsGetUser(w *World, r *Request) (map[string]any, error) {
	u, err := imsLookup(w, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"User": imsUserJSON(r.Caller.Account, u)}, nil
}

// imsLookup finds the user GetUser names by exactly one of
// UserPrincipalName, UserId and UserAccessKeyId. A key of the account root,
// an STS key, or a key of another account all read as "no such user".
func imsLookup(w *World, r *Request) (*User, *APIError) {
	given := 0
	for _, p := range []string{"UserPrincipalName", "UserId", "UserAccessKeyId"} {
		if r.Param(p) != "" {
			given++
		}
	}
	if given != 1 {
		return nil, Errorf(http.StatusBadRequest, "InvalidParameter",
			"Exactly one of UserPrincipalName, UserId and UserAccessKeyId must be given.")
	}

	a := r.Caller.Account
	switch {
	case r.Param("UserPrincipalName") != "":
		return findUPNUser(r)
	case r.Param("UserId") != "":
		for _, u := range a.Users {
			if u.ID == r.Param("UserId") {
				return u, nil
			}
		}
		return nil, errNoUser()
	}
	k := w.Key(r.Param("UserAccessKeyId"))
	if k == nil || k.AccountID != a.ID || k.Owner == "" || a.Users[k.Owner] == nil {
		return nil, errNoUser()
	}
	return a.Users[k.Owner], nil
}

func imsListUsers(_ *World, r *Request) (map[string]any, error) {
	p, err := readPage(r, 1000)
	if err != nil {
		return nil, err
	}
	wantActive, err := imsStatusFilter(r.Param("Status"))
	if err != nil {
		return nil, err
	}

	a := r.Caller.Account
	names := sortedKeys(a.Users)
	if !wantActive || hasTagFilter(r) {
		names = nil
	}
	names, next := p.window(names)
	items := make([]map[string]any, 0, len(names))
	for _, n := range names {
		items = append(items, imsUserJSON(a, a.Users[n]))
	}
	return paged(map[string]any{"Users": wrapList(items, "User")}, next), nil
}

// imsStatusFilter parses Status ("active", "freeze" or both, comma
// separated; default "active") and says whether active users are wanted.
// Emulated users are never frozen.
func imsStatusFilter(s string) (bool, *APIError) {
	if s == "" {
		return true, nil
	}
	active := false
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "active":
			active = true
		case "freeze":
		default:
			return false, Errorf(http.StatusBadRequest, "InvalidParameter.Status",
				"The parameter Status must be active, freeze or both.")
		}
	}
	return active, nil
}

// hasTagFilter says whether ListUsers filters on tags; emulated users carry
// no tags, so any tag filter matches nobody.
func hasTagFilter(r *Request) bool {
	for k, v := range r.Params {
		if strings.HasPrefix(k, "Tag.") && v != "" {
			return true
		}
	}
	return false
}

func imsListAccessKeys(_ *World, r *Request) (map[string]any, error) {
	h, err := imsKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return listKeys(h, r.Now, true), nil
}

func imsUpdateAccessKey(w *World, r *Request) (map[string]any, error) {
	h, err := imsKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return updateKey(w, h, r)
}

func imsDeleteAccessKey(w *World, r *Request) (map[string]any, error) {
	h, err := imsKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return deleteKey(w, h, r)
}

func imsKeyLastUsed(_ *World, r *Request) (map[string]any, error) {
	h, err := imsKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return keyLastUsed(h, r, true)
}

func imsListGroupsForUser(_ *World, r *Request) (map[string]any, error) {
	u, err := findUPNUser(r)
	if err != nil {
		return nil, err
	}
	return groupsOfUser(r.Caller.Account, u, true), nil
}

func imsGetLoginProfile(_ *World, r *Request) (map[string]any, error) {
	u, err := findUPNUser(r)
	if err != nil {
		return nil, err
	}
	lp := u.LoginProfile
	if lp == nil {
		return nil, errNoLoginProfile()
	}
	m := map[string]any{
		"UserPrincipalName":     upn(r.Caller.Account, u),
		"PasswordResetRequired": lp.PasswordResetRequired,
		"MFABindRequired":       lp.MFABindRequired,
		"Status":                "Active",
	}
	putDate(m, "CreateDate", lp.CreateDate)
	putDate(m, "UpdateDate", lp.CreateDate)
	putDate(m, "LastLoginTime", u.LastLogin)
	return map[string]any{"LoginProfile": m}, nil
}
