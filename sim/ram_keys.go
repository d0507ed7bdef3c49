package sim

import (
	"net/http"
	"time"
)

// Key states.
const (
	keyActive   = "Active"
	keyInactive = "Inactive"
)

func ramKeyEndpoints() []Endpoint {
	return []Endpoint{
		ramAPI("CreateAccessKey", writeAPI, createAccessKey, selfOrUser),
		ramAPI("ListAccessKeys", readAPI, ramListAccessKeys, selfOrUser),
		ramAPI("UpdateAccessKey", writeAPI, ramUpdateAccessKey, selfOrUser),
		ramAPI("DeleteAccessKey", writeAPI, ramDeleteAccessKey, selfOrUser),
		ramAPI("GetAccessKeyLastUsed", readAPI, ramKeyLastUsed, selfOrUser),
	}
}

// keyHolder is the identity whose long-term keys a call manages: a RAM
// user, or the account root when user is nil.
type keyHolder struct {
	acct *Account
	user *User
}

func (h keyHolder) keys() []*AccessKey {
	if h.user == nil {
		return h.acct.RootKeys
	}
	return h.user.Keys
}

// key finds one of the holder's keys; a key of anyone else is reported as
// missing, as the service does.
func (h keyHolder) key(id string) (*AccessKey, *APIError) {
	for _, k := range h.keys() {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, Errorf(http.StatusNotFound, "EntityNotExist.User.AccessKey",
		"The user access key does not exist.")
}

// ramKeyHolder resolves UserName, or the caller when it is omitted.
func ramKeyHolder(r *Request) (keyHolder, *APIError) {
	if r.Param("UserName") == "" {
		return selfHolder(r)
	}
	u, err := findUser(r, "UserName")
	if err != nil {
		return keyHolder{}, err
	}
	return keyHolder{r.Caller.Account, u}, nil
}

// selfHolder is the caller's own identity. A role session has no long-term
// keys, so it must name a user.
func selfHolder(r *Request) (keyHolder, *APIError) {
	c := r.Caller
	switch {
	case c.Kind == CallerRoot:
		return keyHolder{c.Account, nil}, nil
	case c.Kind == CallerUser && c.User != nil:
		return keyHolder{c.Account, c.User}, nil
	}
	return keyHolder{}, errMissing("UserName")
}

// keyStatusParam reads the mandatory Status (Active or Inactive).
func keyStatusParam(r *Request) (string, *APIError) {
	s, err := needParam(r, "Status")
	if err != nil {
		return "", err
	}
	if s != keyActive && s != keyInactive {
		return "", Errorf(http.StatusBadRequest, "InvalidParameter.Status",
			"The parameter Status must be Active or Inactive.")
	}
	return s, nil
}

func createAccessKey(w *World, r *Request) (map[string]any, error) {
	h, err := ramKeyHolder(r)
	if err != nil {
		return nil, err
	}
	if len(h.keys()) >= maxKeysPerUser {
		return nil, conflict("LimitExceeded.User.AccessKey",
			"The count of access keys of the user exceeds the limit of %d.",
			maxKeysPerUser)
	}

	k := w.NewKey(r.Now)
	w.AddKey(h.acct, h.user, k)
	ak := map[string]any{
		"AccessKeyId":     k.ID,
		"AccessKeySecret": k.Secret,
		"Status":          k.Status,
		"CreateDate":      date(k.CreateDate),
	}
	return map[string]any{"AccessKey": ak}, nil
}

func ramListAccessKeys(_ *World, r *Request) (map[string]any, error) {
	h, err := ramKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return listKeys(h, r.Now, false), nil
}

// listKeys renders the holder's keys; IMS adds UpdateDate. Secrets are
// never listed.
func listKeys(h keyHolder, now time.Time, withUpdate bool) map[string]any {
	items := make([]map[string]any, 0, 2)
	for _, k := range h.keys() {
		m := map[string]any{"AccessKeyId": k.ID, "Status": k.ReadStatus(now)}
		putDate(m, "CreateDate", k.CreateDate)
		if withUpdate {
			putDate(m, "UpdateDate", k.UpdateDate)
		}
		items = append(items, m)
	}
	return map[string]any{"AccessKeys": wrapList(items, "AccessKey")}
}

func ramUpdateAccessKey(w *World, r *Request) (map[string]any, error) {
	h, err := ramKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return updateKey(w, h, r)
}

// updateKey sets the Status of one of the holder's keys. Reads keep
// showing the old status for the consistency delay.
func updateKey(w *World, h keyHolder, r *Request) (map[string]any, error) {
	id, err := needParam(r, "UserAccessKeyId")
	if err != nil {
		return nil, err
	}
	status, err := keyStatusParam(r)
	if err != nil {
		return nil, err
	}
	k, err := h.key(id)
	if err != nil {
		return nil, err
	}
	if d := w.Faults.ConsistencyDelay(); d > 0 && status != k.Status {
		k.StaleStatus, k.StaleUntil = k.ReadStatus(r.Now), r.Now.Add(d)
	}
	k.Status = status
	k.UpdateDate = r.Now
	return map[string]any{}, nil
}

func ramDeleteAccessKey(w *World, r *Request) (map[string]any, error) {
	h, err := ramKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return deleteKey(w, h, r)
}

// deleteKey deletes one of the holder's keys, which must be Inactive.
func deleteKey(w *World, h keyHolder, r *Request) (map[string]any, error) {
	id, err := needParam(r, "UserAccessKeyId")
	if err != nil {
		return nil, err
	}
	k, err := h.key(id)
	if err != nil {
		return nil, err
	}
	if k.Status == keyActive {
		return nil, Errorf(http.StatusForbidden, "Forbidden.AccessKey.Active",
			"The access key is active; disable it before deleting it.")
	}
	w.RemoveKey(k.ID)
	return map[string]any{}, nil
}

func ramKeyLastUsed(_ *World, r *Request) (map[string]any, error) {
	h, err := ramKeyHolder(r)
	if err != nil {
		return nil, err
	}
	return keyLastUsed(h, r, false)
}

// keyLastUsed reports when a key was last used; the date is left out for a
// key never used. IMS also names the service.
func keyLastUsed(h keyHolder, r *Request, withService bool) (map[string]any, error) {
	id, err := needParam(r, "UserAccessKeyId")
	if err != nil {
		return nil, err
	}
	k, err := h.key(id)
	if err != nil {
		return nil, err
	}
	used := map[string]any{}
	putDate(used, "LastUsedDate", k.LastUsed)
	if withService && !k.LastUsed.IsZero() {
		used["ServiceName"] = k.LastUsedService
	}
	return map[string]any{"AccessKeyLastUsed": used}, nil
}
