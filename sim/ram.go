package sim

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dateLayout is how RAM and IMS print dates: UTC, no fraction.
const dateLayout = "2006-01-02T15:04:05Z"

// Account quotas (reference §4.2, current values).
const (
	maxUsers          = 5000
	maxGroups         = 300
	maxRoles          = 1000
	maxCustomPolicies = 1500
	maxKeysPerUser    = 2
	maxGroupsPerUser  = 10
	maxSystemAttached = 20
	maxCustomAttached = 10
	maxPolicyVersions = 5
)

// ramEndpoints lists the RAM 2015-05-01 actions the emulator serves.
func ramEndpoints() []Endpoint {
	var eps []Endpoint
	for _, part := range [][]Endpoint{
		ramUserEndpoints(), ramKeyEndpoints(), ramGroupEndpoints(),
		ramPolicyEndpoints(), ramAttachEndpoints(), ramRoleEndpoints(),
	} {
		eps = append(eps, part...)
	}
	return eps
}

// ramAPI describes one RAM action.
func ramAPI(action, rw string, h Handler, res func(*World, *Request) string) Endpoint {
	return Endpoint{
		Product:  ProductRAM,
		Version:  VersionRAM,
		Action:   action,
		Handler:  h,
		RW:       rw,
		Resource: res,
	}
}

// RW values of Endpoint.
const (
	readAPI  = "Read"
	writeAPI = "Write"
)

// ramARN builds "acs:ram::<account>:<relative>".
func ramARN(acct, rel string) string { return "acs:ram::" + acct + ":" + rel }

// callerAccountID is the id of the account a request acts in.
func callerAccountID(r *Request) string {
	if r.Caller == nil || r.Caller.Account == nil {
		return ""
	}
	return r.Caller.Account.ID
}

// named returns a Resource function for "<kind>/<value of param>", with "*"
// standing for a missing name (list calls pass param "").
func named(kind, param string) func(*World, *Request) string {
	return func(_ *World, r *Request) string {
		name := "*"
		if param != "" && r.Param(param) != "" {
			name = r.Param(param)
		}
		return ramARN(callerAccountID(r), kind+"/"+name)
	}
}

// selfOrUser is the Resource of calls on a user's own credentials: the user
// named by UserName, else the caller itself.
func selfOrUser(_ *World, r *Request) string {
	if name := r.Param("UserName"); name != "" {
		return ramARN(callerAccountID(r), "user/"+name)
	}
	return selfARN(r)
}

// selfARN is the ARN of the calling identity as a resource.
func selfARN(r *Request) string {
	acct := callerAccountID(r)
	c := r.Caller
	switch {
	case c == nil:
		return "*"
	case c.Kind == CallerRoot:
		return ramARN(acct, "root")
	case c.Kind == CallerUser && c.User != nil:
		return ramARN(acct, "user/"+c.User.Name)
	}
	return ramARN(acct, "user/*")
}

// date prints a time the way the API does; "" for the zero time.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

// putDate sets key to the printed date unless t is zero.
func putDate(m map[string]any, key string, t time.Time) {
	if !t.IsZero() {
		m[key] = date(t)
	}
}

// wrapList renders a list the way RAM does: {"Users":{"User":[...]}}.
func wrapList(items []map[string]any, inner string) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{inner: items}
}

// needParam returns a mandatory parameter.
func needParam(r *Request, name string) (string, *APIError) {
	v := r.Param(name)
	if v == "" {
		return "", errMissing(name)
	}
	return v, nil
}

// checkLength rejects a parameter longer than max characters.
func checkLength(r *Request, param string, max int) *APIError {
	if utf8.RuneCountInString(r.Param(param)) > max {
		return Errorf(http.StatusBadRequest, "InvalidParameter."+param+".Length",
			"The parameter %s must be at most %d characters long.", param, max)
	}
	return nil
}

// checkLengths applies checkLength to several parameters.
func checkLengths(r *Request, limits map[string]int) *APIError {
	for param, max := range limits {
		if err := checkLength(r, param, max); err != nil {
			return err
		}
	}
	return nil
}

// nameRule is the syntax of a user, group, role or policy name.
type nameRule struct {
	field string // UserName, GroupName, …: used in error codes
	max   int
	extra string // punctuation allowed besides letters and digits
}

var (
	userNameRule   = nameRule{"UserName", 64, "._-"}
	groupNameRule  = nameRule{"GroupName", 64, "._-"}
	roleNameRule   = nameRule{"RoleName", 64, ".-"}
	policyNameRule = nameRule{"PolicyName", 128, "-"}
)

// check validates the value of param (which may differ from the rule's
// field, as NewUserName does).
func (n nameRule) check(param, v string) *APIError {
	if v == "" {
		return errMissing(param)
	}
	if utf8.RuneCountInString(v) > n.max {
		return Errorf(http.StatusBadRequest, "InvalidParameter."+n.field+".Length",
			"The parameter %s must be 1 to %d characters long.", param, n.max)
	}
	for _, c := range v {
		if !isASCIIAlnum(c) && !strings.ContainsRune(n.extra, c) {
			return Errorf(http.StatusBadRequest,
				"InvalidParameter."+n.field+".InvalidChars",
				"The parameter %s may contain only letters, digits and %q.",
				param, n.extra)
		}
	}
	return nil
}

func isASCIIAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// boolParam reads an optional true/false parameter.
func boolParam(r *Request, name string, def bool) (bool, *APIError) {
	s := r.Param(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return false, Errorf(http.StatusBadRequest, "InvalidParameter."+name,
			"The parameter %s must be true or false.", name)
	}
	return b, nil
}

// intParam reads an optional integer parameter within [min, max].
func intParam(r *Request, name string, def, min, max int64) (int64, *APIError) {
	s := r.Param(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, Errorf(http.StatusBadRequest, "InvalidParameter."+name,
			"The parameter %s must be an integer from %d to %d.", name, min, max)
	}
	return n, nil
}

// page is one Marker/MaxItems window over a list sorted by key.
type page struct {
	from string // first key to return; "" for the start
	max  int
}

// readPage reads Marker and MaxItems (1–1000).
func readPage(r *Request, def int) (page, *APIError) {
	n, err := intParam(r, "MaxItems", int64(def), 1, 1000)
	if err != nil {
		return page{}, err
	}
	p := page{max: int(n)}
	if m := r.Param("Marker"); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil || len(b) == 0 {
			return page{}, Errorf(http.StatusBadRequest, "InvalidParameter.Marker",
				"The specified Marker is not valid.")
		}
		p.from = string(b)
	}
	return p, nil
}

// window returns the keys of this page (keys must be sorted) and the Marker
// of the next page, "" when this page is the last.
func (p page) window(keys []string) ([]string, string) {
	start := sort.SearchStrings(keys, p.from)
	end := min(start+p.max, len(keys))
	if end == len(keys) {
		return keys[start:end], ""
	}
	return keys[start:end], base64.RawURLEncoding.EncodeToString([]byte(keys[end]))
}

// paged adds IsTruncated, and Marker when truncated, to a list body.
func paged(body map[string]any, next string) map[string]any {
	body["IsTruncated"] = next != ""
	if next != "" {
		body["Marker"] = next
	}
	return body
}

// sortedKeys returns the keys of m in sorted order.
func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lookups answering the service's not-found errors.

func errNoUser() *APIError {
	return notFound(kindUser)
}

func findUser(r *Request, param string) (*User, *APIError) {
	name, err := needParam(r, param)
	if err != nil {
		return nil, err
	}
	if u := r.Caller.Account.Users[name]; u != nil {
		return u, nil
	}
	return nil, errNoUser()
}

func findGroup(r *Request, param string) (*Group, *APIError) {
	name, err := needParam(r, param)
	if err != nil {
		return nil, err
	}
	if g := r.Caller.Account.Groups[name]; g != nil {
		return g, nil
	}
	return nil, notFound(kindGroup)
}

func findRole(r *Request, param string) (*Role, *APIError) {
	name, err := needParam(r, param)
	if err != nil {
		return nil, err
	}
	if role := r.Caller.Account.Roles[name]; role != nil {
		return role, nil
	}
	return nil, notFound(kindRole)
}

// notFound is EntityNotExist.<kind> (404).
func notFound(kind string) *APIError {
	return Errorf(http.StatusNotFound, "EntityNotExist."+kind,
		"The %s does not exist.", strings.ToLower(kind))
}

// alreadyExists is EntityAlreadyExists.<kind> (409), worded as the
// service words it.
func alreadyExists(kind string) *APIError {
	return conflict("EntityAlreadyExists."+kind,
		"The %s does already EXIST.", strings.ToLower(kind))
}

// conflict builds a 409 answer.
func conflict(code, format string, args ...any) *APIError {
	return Errorf(http.StatusConflict, code, format, args...)
}
