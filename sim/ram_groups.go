package sim

import (
	"net/http"
	"slices"
	"time"
)

func ramGroupEndpoints() []Endpoint {
	group := named("group", "GroupName")
	return []Endpoint{
		ramAPI("CreateGroup", writeAPI, createGroup, group),
		ramAPI("GetGroup", readAPI, getGroup, group),
		ramAPI("UpdateGroup", writeAPI, updateGroup, group),
		ramAPI("DeleteGroup", writeAPI, deleteGroup, group),
		ramAPI("ListGroups", readAPI, listGroups, named("group", "")),
		ramAPI("AddUserToGroup", writeAPI, addUserToGroup, group),
		ramAPI("RemoveUserFromGroup", writeAPI, removeUserFromGroup, group),
		ramAPI("ListGroupsForUser", readAPI, ramListGroupsForUser,
			named("user", "UserName")),
		ramAPI("ListUsersForGroup", readAPI, listUsersForGroup, group),
	}
}

func groupJSON(g *Group) map[string]any {
	m := map[string]any{
		"GroupId":   g.ID,
		"GroupName": g.Name,
		"Comments":  g.Comments,
	}
	putDate(m, "CreateDate", g.CreateDate)
	putDate(m, "UpdateDate", g.UpdateDate)
	return m
}

func createGroup(w *World, r *Request) (map[string]any, error) {
	a := r.Caller.Account
	name := r.Param("GroupName")
	if err := groupNameRule.check("GroupName", name); err != nil {
		return nil, err
	}
	if err := checkLength(r, "Comments", 128); err != nil {
		return nil, err
	}
	if a.Groups[name] != nil {
		return nil, alreadyExists(kindGroup)
	}
	if len(a.Groups) >= maxGroups {
		return nil, conflict("LimitExceeded.Group",
			"The count of groups exceeds the limit of %d.", maxGroups)
	}

	g := &Group{
		ID:         "g-" + w.Alnum(16),
		Name:       name,
		Comments:   r.Param("Comments"),
		CreateDate: r.Now,
		UpdateDate: r.Now,
		Members:    map[string]time.Time{},
	}
	a.Groups[name] = g
	return map[string]any{"Group": groupJSON(g)}, nil
}

func getGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": groupJSON(g)}, nil
}

func listGroups(_ *World, r *Request) (map[string]any, error) {
	p, err := readPage(r, 100)
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	names, next := p.window(sortedKeys(a.Groups))
	items := make([]map[string]any, 0, len(names))
	for _, n := range names {
		items = append(items, groupJSON(a.Groups[n]))
	}
	return paged(map[string]any{"Groups": wrapList(items, "Group")}, next), nil
}

func updateGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	if err := checkLength(r, "NewComments", 128); err != nil {
		return nil, err
	}
	a := r.Caller.Account
	newName := r.Param("NewGroupName")
	if newName != "" && newName != g.Name {
		if err := groupNameRule.check("NewGroupName", newName); err != nil {
			return nil, err
		}
		if a.Groups[newName] != nil {
			return nil, alreadyExists(kindGroup)
		}
		renameGroup(a, g, newName)
	}
	setIfGiven(&g.Comments, r.Param("NewComments"))
	g.UpdateDate = r.Now
	return map[string]any{"Group": groupJSON(g)}, nil
}

// renameGroup moves a group to a new name and updates its members.
func renameGroup(a *Account, g *Group, name string) {
	old := g.Name
	delete(a.Groups, old)
	g.Name = name
	a.Groups[name] = g
	for member := range g.Members {
		if u := a.Users[member]; u != nil {
			i := slices.Index(u.Groups, old)
			if i >= 0 {
				u.Groups[i] = name
			}
		}
	}
}

func deleteGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	if len(g.Members) > 0 {
		return nil, conflict("DeleteConflict.Group.User",
			"The group can not be deleted while it has members.")
	}
	if len(g.Policies) > 0 {
		return nil, conflict("DeleteConflict.Group.Policy",
			"The group can not be deleted while it has attached policies.")
	}
	delete(r.Caller.Account.Groups, g.Name)
	return map[string]any{}, nil
}

func addUserToGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if _, ok := g.Members[u.Name]; ok {
		return nil, conflict("EntityAlreadyExists.User.Group",
			"The user is already a member of the group.")
	}
	if len(u.Groups) >= maxGroupsPerUser {
		return nil, conflict("LimitExceeded.User.Group",
			"The user already belongs to %d groups, the limit.", maxGroupsPerUser)
	}
	g.Members[u.Name] = r.Now
	u.Groups = append(u.Groups, g.Name)
	return map[string]any{}, nil
}

func removeUserFromGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	if _, ok := g.Members[u.Name]; !ok {
		return nil, Errorf(http.StatusNotFound, "EntityNotExist.User.Group",
			"The user is not a member of the group.")
	}
	delete(g.Members, u.Name)
	u.Groups = slices.DeleteFunc(u.Groups, func(n string) bool { return n == g.Name })
	return map[string]any{}, nil
}

func ramListGroupsForUser(_ *World, r *Request) (map[string]any, error) {
	u, err := findUser(r, "UserName")
	if err != nil {
		return nil, err
	}
	return groupsOfUser(r.Caller.Account, u, false), nil
}

// groupsOfUser lists a user's groups in join order; IMS adds DisplayName.
func groupsOfUser(a *Account, u *User, ims bool) map[string]any {
	items := make([]map[string]any, 0, len(u.Groups))
	for _, name := range u.Groups {
		g := a.Groups[name]
		if g == nil {
			continue
		}
		m := map[string]any{"GroupId": g.ID, "GroupName": g.Name, "Comments": g.Comments}
		putDate(m, "JoinDate", g.Members[u.Name])
		if ims {
			m["DisplayName"] = g.Name
		}
		items = append(items, m)
	}
	return map[string]any{"Groups": wrapList(items, "Group")}
}

func listUsersForGroup(_ *World, r *Request) (map[string]any, error) {
	g, err := findGroup(r, "GroupName")
	if err != nil {
		return nil, err
	}
	p, err := readPage(r, 100)
	if err != nil {
		return nil, err
	}
	a := r.Caller.Account
	names, next := p.window(sortedKeys(g.Members))
	items := make([]map[string]any, 0, len(names))
	for _, n := range names {
		m := map[string]any{"UserName": n}
		if u := a.Users[n]; u != nil {
			m["UserId"] = u.ID
			m["DisplayName"] = u.DisplayName
		}
		putDate(m, "JoinDate", g.Members[n])
		items = append(items, m)
	}
	return paged(map[string]any{"Users": wrapList(items, "User")}, next), nil
}
