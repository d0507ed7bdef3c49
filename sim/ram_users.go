package sim

import (
	"net/http"
	"unicode/utf8"
)

// Length limits of user attributes.
var userTextLimits = map[string]int{
	"DisplayName": 128, "Email": 128, "MobilePhone": 32, "Comments": 128,
}

var userUpdateLimits = map[string]int{
	"NewDisplayName": 128, "NewEmail": 128, "NewMobilePhone": 32, "NewComments": 128,
}

func ramUserEndpoints() []Endpoint {
	user := named("user", "UserName")
	return []Endpoint{
		ramAPI("CreateUser", writeAPI, createUser, user),
		ramAPI("GetUser", readAPI, getUser, user),
		ramAPI("UpdateUser", writeAPI, updateUser, user),
		ramAPI("DeleteUser", writeAPI, deleteUser, user),
		ramAPI("ListUsers", readAPI, listUsers, named("user", "")),
		ramAPI("CreateLoginProfile", writeAPI, createLoginProfile, user),
		ramAPI("GetLoginProfile", readAPI, getLoginProfile, user),
		ramAPI("UpdateLoginProfile", writeAPI, updateLoginProfile, user),
		ramAPI("DeleteLoginProfile", writeAPI, deleteLoginProfile, user),
	}
}

// userJSON renders a user as GetUser and ListUsers do.
func userJSON(u *User) map[string]any {
	m := map[string]any{
		"UserId":      u.ID,
		"UserName":    u.Name,
		"DisplayName": u.DisplayName,
		"Email":       u.Email,
		"MobilePhone": u.MobilePhone,
		"Comments":    u.Comments,
	}
	putDate(m, "CreateDate", u.CreateDate)
	putDate(m, "UpdateDate", u.UpdateDate)
	putDate(m, "LastLoginDate", u.LastLogin)
	return m
}

func createUser(w *World, r *Request) (map[string]any, error) {
	a := r.Caller.Account
	name := r.Param("UserName")
	if err := userNameRule.check("UserName", name); err != nil {
		return nil, err
	}
	if err := checkLengths(r, userTextLimits); err != nil {
		return nil, err
	}
	if a.Users[name] != nil {
		return nil, alreadyExists(kindUser)
	}
	if len(a.Users) >= maxUsers {
		return nil, conflict("LimitExceeded.User",
			"The count of users exceeds the limit of %d.", maxUsers)
	}

	u := &User{
		ID:          w.NewID(16),
		Name:        name,
		DisplayName: r.Param("DisplayName"),
		Email:       r.Param("Email"),
		MobilePhone: r.Param("MobilePhone"),
		Comments:    r.Param("Comments"),
		CreateDate:  r.Now,
		UpdateDate:  r.Now,
	}
	a.Users[name] = u
	return map[string]any{"User": userJSON(u)}, nil
}

func getUser(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	return map[string]any{"User": userJSON(u)}, nil
}

func listUsers(_ *World, r *Request) (map[string]any, error) {
	p, err := readPage(r, 100)
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	names, next := p.window(sortedKeys(a.Users))
	items := make([]map[string]any, 0, len(names))
	for _, n := range names {
		items = append(items, userJSON(a.Users[n]))
	}
	return paged(map[string]any{"Users": wrapList(items, "User")}, next), nil
}

func updateUser(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if err := checkLengths(r, userUpdateLimits); err != nil {
		return nil, err
	}
	newName := r.Param("NewUserName")
	if newName != "" && newName != u.Name {
		if err := userNameRule.check("NewUserName", newName); err != nil {
			return nil, err
		}
		if r.Caller.Account.Users[newName] != nil {
			return nil, alreadyExists(kindUser)
		}
		renameUser(r.Caller.Account, u, newName)
	}

	setIfGiven(&u.DisplayName, r.Param("NewDisplayName"))
	setIfGiven(&u.Email, r.Param("NewEmail"))
	setIfGiven(&u.MobilePhone, r.Param("NewMobilePhone"))
	setIfGiven(&u.Comments, r.Param("NewComments"))
	u.UpdateDate = r.Now
	return map[string]any{"User": userJSON(u)}, nil
}

func setIfGiven(field *string, v string) {
	if v != "" {
		*field = v
	}
}

// renameUser moves a user to a new name, with its keys and memberships.
func renameUser(a *Account, u *User, name string) {
	old := u.Name
	delete(a.Users, old)
	u.Name = name
	a.Users[name] = u
	for _, k := range u.Keys {
		k.Owner = name
	}
	for _, gn := range u.Groups {
		if g := a.Groups[gn]; g != nil {
			g.Members[name] = g.Members[old]
			delete(g.Members, old)
		}
	}
}

func deleteUser(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	switch {
	case len(u.Keys) > 0:
		return nil, conflict("DeleteConflict.User.AccessKey",
			"The user can not be deleted while it has access keys.")
	case u.LoginProfile != nil:
		return nil, conflict("DeleteConflict.User.LoginProfile",
			"The user can not be deleted while it has a login profile.")
	case len(u.Groups) > 0:
		return nil, conflict("DeleteConflict.User.Group",
			"The user can not be deleted while it belongs to groups.")
	case len(u.Policies) > 0:
		return nil, conflict("DeleteConflict.User.Policy",
			"The user can not be deleted while it has attached policies.")
	}
	delete(r.Caller.Account.Users, u.Name)
	return map[string]any{}, nil
}

// Login profiles.

func errNoLoginProfile() *APIError {
	return Errorf(http.StatusNotFound, "EntityNotExist.User.LoginProfile",
		"The login profile of the user does not exist.")
}

// checkPassword applies the default password policy: 8 to 32 characters.
// The password never appears in a message.
func checkPassword(pw string) *APIError {
	if n := utf8.RuneCountInString(pw); n < 8 || n > 32 {
		return Errorf(http.StatusBadRequest, "InvalidParameter.Password",
			"The password does not satisfy the password policy: "+
				"it must be 8 to 32 characters long.")
	}
	return nil
}

func loginProfileJSON(u *User) map[string]any {
	lp := u.LoginProfile
	m := map[string]any{
		"UserName":              u.Name,
		"PasswordResetRequired": lp.PasswordResetRequired,
		"MFABindRequired":       lp.MFABindRequired,
	}
	putDate(m, "CreateDate", lp.CreateDate)
	return m
}

func createLoginProfile(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	pw, err := needParam(r, "Password")
	if err != nil {
		return nil, err
	}
	if err := checkPassword(pw); err != nil {
		return nil, err
	}
	reset, err := boolParam(r, "PasswordResetRequired", false)
	if err != nil {
		return nil, err
	}
	mfa, err := boolParam(r, "MFABindRequired", false)
	if err != nil {
		return nil, err
	}
	if u.LoginProfile != nil {
		return nil, conflict("EntityAlreadyExists.User.LoginProfile",
			"The login profile of the user does already EXIST.")
	}

	u.LoginProfile = &LoginProfile{
		PasswordResetRequired: reset,
		MFABindRequired:       mfa,
		CreateDate:            r.Now,
	}
	return map[string]any{"LoginProfile": loginProfileJSON(u)}, nil
}

func getLoginProfile(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, errNoLoginProfile()
	}
	return map[string]any{"LoginProfile": loginProfileJSON(u)}, nil
}

func updateLoginProfile(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, errNoLoginProfile()
	}
	if pw := r.Param("Password"); pw != "" {
		if err := checkPassword(pw); err != nil {
			return nil, err
		}
	}
	lp := *u.LoginProfile
	if lp.PasswordResetRequired, err = boolParam(r, "PasswordResetRequired",
		lp.PasswordResetRequired); err != nil {
		return nil, err
	}
	if lp.MFABindRequired, err = boolParam(r, "MFABindRequired",
		lp.MFABindRequired); err != nil {
		return nil, err
	}
	*u.LoginProfile = lp
	return map[string]any{}, nil
}

func deleteLoginProfile(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, errNoLoginProfile()
	}
	u.LoginProfile = nil
	return map[string]any{}, nil
}
