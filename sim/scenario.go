package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Scenario is a JSON description of a world to start from: accounts with
// their identities and keys, historical events, and the administrator
// whose key the ready line carries.
type Scenario struct {
	Accounts []ScenarioAccount `json:"accounts"`
	Events   []Event           `json:"events,omitempty"`
	Admin    *ScenarioAdmin    `json:"admin,omitempty"`
}

// ScenarioAdmin names the administrator: a user of Account (the first
// account when ""), and the key among the user's keys (its first active
// key when ""; a key is created when the user has none). Without an admin
// a user sim-admin with AdministratorAccess and a fresh key is created in
// the first account.
type ScenarioAdmin struct {
	Account string `json:"account,omitempty"`
	User    string `json:"user"`
	Key     string `json:"key,omitempty"`
}

// ScenarioAccount is one account. ID is generated when "".
type ScenarioAccount struct {
	ID       string           `json:"id,omitempty"`
	Alias    string           `json:"alias,omitempty"`
	RootKeys []ScenarioKey    `json:"root_keys,omitempty"`
	Users    []ScenarioUser   `json:"users,omitempty"`
	Groups   []ScenarioGroup  `json:"groups,omitempty"`
	Roles    []ScenarioRole   `json:"roles,omitempty"`
	Policies []ScenarioPolicy `json:"policies,omitempty"`
}

// ScenarioKey is an AccessKey pair; id and secret are generated when "",
// status defaults to Active and the create date to now.
type ScenarioKey struct {
	ID         string    `json:"id,omitempty"`
	Secret     string    `json:"secret,omitempty"`
	Status     string    `json:"status,omitempty"`
	CreateDate time.Time `json:"create_date,omitzero"`
	LastUsed   time.Time `json:"last_used,omitzero"`
}

// ScenarioUser is a RAM user.
type ScenarioUser struct {
	Name         string                `json:"name"`
	ID           string                `json:"id,omitempty"`
	DisplayName  string                `json:"display_name,omitempty"`
	Email        string                `json:"email,omitempty"`
	Comments     string                `json:"comments,omitempty"`
	CreateDate   time.Time             `json:"create_date,omitzero"`
	LastLogin    time.Time             `json:"last_login,omitzero"`
	Keys         []ScenarioKey         `json:"keys,omitempty"`
	LoginProfile *ScenarioLoginProfile `json:"login_profile,omitempty"`
	Groups       []string              `json:"groups,omitempty"`
	Policies     []ScenarioAttachment  `json:"policies,omitempty"`
}

// ScenarioLoginProfile gives a user console access (no password is kept).
type ScenarioLoginProfile struct {
	PasswordResetRequired bool `json:"password_reset_required,omitempty"`
	MFABindRequired       bool `json:"mfa_bind_required,omitempty"`
}

// ScenarioGroup is a RAM group; members are set on the users.
type ScenarioGroup struct {
	Name     string               `json:"name"`
	Comments string               `json:"comments,omitempty"`
	Policies []ScenarioAttachment `json:"policies,omitempty"`
}

// ScenarioRole is a RAM role. An empty trust policy trusts the account.
type ScenarioRole struct {
	Name               string               `json:"name"`
	ID                 string               `json:"id,omitempty"`
	Description        string               `json:"description,omitempty"`
	TrustPolicy        PolicyText           `json:"trust_policy,omitempty"`
	MaxSessionDuration int64                `json:"max_session_duration,omitempty"`
	Policies           []ScenarioAttachment `json:"policies,omitempty"`
}

// ScenarioPolicy is a custom policy with one version.
type ScenarioPolicy struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Document    PolicyText `json:"document"`
}

// ScenarioAttachment attaches a policy. Type is "System" or "Custom"; when
// "" it is Custom if the account defines the policy, else System.
type ScenarioAttachment struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// PolicyText is a policy document given in JSON either as a string or as
// the document object itself.
type PolicyText string

// UnmarshalJSON accepts a string or an object.
func (p *PolicyText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*p = PolicyText(s)
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return fmt.Errorf("policy document: %w", err)
	}
	*p = PolicyText(buf.String())
	return nil
}

// LoadScenario reads and validates a JSON scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario decodes and validates a JSON scenario. Unknown fields are
// errors, so that a misspelt key does not silently seed nothing.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// Validate checks names, references, key quotas and documents.
func (sc *Scenario) Validate() error {
	if len(sc.Accounts) == 0 {
		return errors.New("no accounts")
	}
	ids, keys := map[string]bool{}, map[string]bool{}
	for i := range sc.Accounts {
		a := &sc.Accounts[i]
		if a.ID != "" && ids[a.ID] {
			return fmt.Errorf("account %s: defined twice", a.ID)
		}
		ids[a.ID] = true
		if err := a.validate(keys); err != nil {
			return fmt.Errorf("account %s: %w", firstNonEmpty(a.ID, fmt.Sprint("#", i+1)), err)
		}
	}
	return sc.validateAdmin()
}

func (sc *Scenario) validateAdmin() error {
	if sc.Admin == nil {
		return nil
	}
	a := sc.adminAccount()
	if a == nil {
		return fmt.Errorf("admin: no account %s", sc.Admin.Account)
	}
	u := a.user(sc.Admin.User)
	if u == nil {
		return fmt.Errorf("admin: no user %q in account %s", sc.Admin.User, a.ID)
	}
	if sc.Admin.Key == "" {
		return nil
	}
	for _, k := range u.Keys {
		if k.ID == sc.Admin.Key {
			return nil
		}
	}
	return fmt.Errorf("admin: user %s has no key %s", u.Name, sc.Admin.Key)
}

func (sc *Scenario) adminAccount() *ScenarioAccount {
	if sc.Admin.Account == "" {
		return &sc.Accounts[0]
	}
	for i := range sc.Accounts {
		if sc.Accounts[i].ID == sc.Admin.Account {
			return &sc.Accounts[i]
		}
	}
	return nil
}

func (a *ScenarioAccount) user(name string) *ScenarioUser {
	for i := range a.Users {
		if a.Users[i].Name == name {
			return &a.Users[i]
		}
	}
	return nil
}

func (a *ScenarioAccount) validate(keys map[string]bool) error {
	if err := a.validatePolicies(); err != nil {
		return err
	}
	if err := validateKeys("root", a.RootKeys, keys); err != nil {
		return err
	}
	groups := map[string]bool{}
	for _, g := range a.Groups {
		if err := uniqueName("group", g.Name, groups); err != nil {
			return err
		}
		if err := a.validateAttachments("group "+g.Name, g.Policies); err != nil {
			return err
		}
	}
	if err := a.validateUsers(groups, keys); err != nil {
		return err
	}
	return a.validateRoles()
}

func (a *ScenarioAccount) validatePolicies() error {
	seen := map[string]bool{}
	for _, p := range a.Policies {
		if err := uniqueName("policy", p.Name, seen); err != nil {
			return err
		}
		if e := ValidatePolicyDocument(string(p.Document)); e != nil {
			return fmt.Errorf("policy %s: %s", p.Name, e.Message)
		}
	}
	return nil
}

func (a *ScenarioAccount) validateUsers(groups, keys map[string]bool) error {
	users := map[string]bool{}
	for _, u := range a.Users {
		if err := uniqueName("user", u.Name, users); err != nil {
			return err
		}
		if len(u.Keys) > 2 {
			return fmt.Errorf("user %s: %d keys, at most 2 allowed", u.Name, len(u.Keys))
		}
		if err := validateKeys("user "+u.Name, u.Keys, keys); err != nil {
			return err
		}
		for _, g := range u.Groups {
			if !groups[g] {
				return fmt.Errorf("user %s: no group %q", u.Name, g)
			}
		}
		if err := a.validateAttachments("user "+u.Name, u.Policies); err != nil {
			return err
		}
	}
	return nil
}

func (a *ScenarioAccount) validateRoles() error {
	roles := map[string]bool{}
	for _, r := range a.Roles {
		if err := uniqueName("role", r.Name, roles); err != nil {
			return err
		}
		if d := r.MaxSessionDuration; d != 0 && (d < 3600 || d > 43200) {
			return fmt.Errorf("role %s: max_session_duration %d not in 3600..43200", r.Name, d)
		}
		if r.TrustPolicy != "" {
			if e := validateTrustPolicy("trust_policy", string(r.TrustPolicy)); e != nil {
				return fmt.Errorf("role %s: trust policy: %s", r.Name, e.Message)
			}
		}
		if err := a.validateAttachments("role "+r.Name, r.Policies); err != nil {
			return err
		}
	}
	return nil
}

func (a *ScenarioAccount) validateAttachments(owner string, ats []ScenarioAttachment) error {
	for _, at := range ats {
		if _, err := a.resolveAttachment(at); err != nil {
			return fmt.Errorf("%s: %w", owner, err)
		}
	}
	return nil
}

// resolveAttachment settles the policy type of an attachment.
func (a *ScenarioAccount) resolveAttachment(at ScenarioAttachment) (string, error) {
	custom := false
	for _, p := range a.Policies {
		custom = custom || p.Name == at.Name
	}
	switch {
	case at.Type == "Custom" && custom, at.Type == "" && custom:
		return "Custom", nil
	case (at.Type == "System" || at.Type == "") && SystemPolicy(at.Name) != nil:
		return "System", nil
	}
	return "", fmt.Errorf("no %s policy %q", firstNonEmpty(at.Type, "system or custom"), at.Name)
}

func validateKeys(owner string, ks []ScenarioKey, seen map[string]bool) error {
	for _, k := range ks {
		switch k.Status {
		case "", "Active", "Inactive":
		default:
			return fmt.Errorf("%s: key %s: status %q, want Active or Inactive",
				owner, k.ID, k.Status)
		}
		if k.ID == "" {
			continue
		}
		if seen[k.ID] {
			return fmt.Errorf("%s: key %s defined twice", owner, k.ID)
		}
		seen[k.ID] = true
	}
	return nil
}

func uniqueName(kind, name string, seen map[string]bool) error {
	if name == "" {
		return fmt.Errorf("a %s has no name", kind)
	}
	if seen[name] {
		return fmt.Errorf("%s %q defined twice", kind, name)
	}
	seen[name] = true
	return nil
}

// Apply validates the scenario and builds it into w, which should be
// empty. It returns the administrator's key.
func (sc *Scenario) Apply(w *World) (*AccessKey, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	now := w.Clock().UTC().Truncate(time.Second)
	w.mu.Lock()
	built := make([]*Account, len(sc.Accounts))
	for i := range sc.Accounts {
		built[i] = sc.Accounts[i].build(w, now)
	}
	adm, err := sc.adminKey(w, built, now)
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := w.AppendEvents(sc.Events); err != nil {
		return nil, fmt.Errorf("scenario events: %w", err)
	}
	return adm, nil
}

func (a *ScenarioAccount) build(w *World, now time.Time) *Account {
	acct := w.NewAccount(a.ID, a.Alias)
	for _, k := range a.RootKeys {
		w.AddKey(acct, nil, k.build(w, now))
	}
	for _, p := range a.Policies {
		acct.Policies[p.Name] = &Policy{
			Name: p.Name, Type: "Custom", Description: p.Description,
			DefaultVersion: "v1", CreateDate: now, UpdateDate: now,
			Versions: []PolicyVersion{{ID: "v1", Document: string(p.Document), CreateDate: now}},
		}
	}
	for _, g := range a.Groups {
		acct.Groups[g.Name] = &Group{
			ID: "g-" + w.Alnum(16), Name: g.Name, Comments: g.Comments,
			CreateDate: now, UpdateDate: now, Members: map[string]time.Time{},
			Policies: a.attachments(g.Policies, now),
		}
	}
	for _, u := range a.Users {
		a.buildUser(w, acct, u, now)
	}
	for _, r := range a.Roles {
		acct.Roles[r.Name] = a.buildRole(w, acct, r, now)
	}
	return acct
}

func (a *ScenarioAccount) buildUser(w *World, acct *Account, su ScenarioUser, now time.Time) {
	created := orNow(su.CreateDate, now)
	u := &User{
		ID: firstNonEmpty(su.ID, w.NewID(16)), Name: su.Name, DisplayName: su.DisplayName,
		Email: su.Email, Comments: su.Comments, CreateDate: created, UpdateDate: created,
		LastLogin: su.LastLogin, Groups: append([]string(nil), su.Groups...),
		Policies: a.attachments(su.Policies, created),
	}
	if lp := su.LoginProfile; lp != nil {
		u.LoginProfile = &LoginProfile{PasswordResetRequired: lp.PasswordResetRequired,
			MFABindRequired: lp.MFABindRequired, CreateDate: created}
	}
	acct.Users[u.Name] = u
	for _, g := range su.Groups {
		acct.Groups[g].Members[u.Name] = created
	}
	for _, k := range su.Keys {
		w.AddKey(acct, u, k.build(w, created))
	}
}

func (a *ScenarioAccount) buildRole(w *World, acct *Account, sr ScenarioRole,
	now time.Time) *Role {
	trust := string(sr.TrustPolicy)
	if trust == "" {
		trust = accountTrustPolicy(acct.ID)
	}
	maxSession := sr.MaxSessionDuration
	if maxSession == 0 {
		maxSession = defaultSessionSeconds
	}
	return &Role{
		ID: firstNonEmpty(sr.ID, w.NewID(19)), Name: sr.Name, Description: sr.Description,
		TrustPolicy: trust, MaxSessionDuration: maxSession, CreateDate: now, UpdateDate: now,
		Policies: a.attachments(sr.Policies, now),
	}
}

// accountTrustPolicy trusts every identity of an account.
func accountTrustPolicy(account string) string {
	return `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
		`"Principal":{"RAM":["acs:ram::` + account + `:root"]}}],"Version":"1"}`
}

func (a *ScenarioAccount) attachments(ats []ScenarioAttachment, when time.Time) []Attachment {
	out := make([]Attachment, 0, len(ats))
	for _, at := range ats {
		typ, _ := a.resolveAttachment(at) // validated before
		out = append(out, Attachment{PolicyName: at.Name, PolicyType: typ, AttachDate: when})
	}
	return out
}

func (k ScenarioKey) build(w *World, now time.Time) *AccessKey {
	key := w.NewKey(orNow(k.CreateDate, now))
	if k.ID != "" {
		key.ID = k.ID
	}
	if k.Secret != "" {
		key.Secret = k.Secret
	}
	if k.Status != "" {
		key.Status = k.Status
	}
	key.LastUsed = k.LastUsed
	return key
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// adminKey finds or creates the administrator's key. The world lock is
// held.
func (sc *Scenario) adminKey(w *World, built []*Account, now time.Time) (*AccessKey, error) {
	if sc.Admin == nil {
		return createAdmin(w, built[0], now), nil
	}
	acct := built[0]
	if sc.Admin.Account != "" {
		acct = w.Accounts[sc.Admin.Account]
	}
	u := acct.Users[sc.Admin.User]
	for _, k := range u.Keys {
		if k.ID == sc.Admin.Key || (sc.Admin.Key == "" && k.Status == "Active") {
			return k, nil
		}
	}
	if len(u.Keys) >= 2 {
		return nil, fmt.Errorf("admin %s: no active key and no room for one", u.Name)
	}
	k := w.NewKey(now)
	w.AddKey(acct, u, k)
	return k, nil
}

// createAdmin adds user sim-admin with AdministratorAccess and a key.
func createAdmin(w *World, acct *Account, now time.Time) *AccessKey {
	u := acct.Users["sim-admin"]
	if u != nil && len(u.Keys) > 0 {
		return u.Keys[0]
	}
	if u == nil {
		u = &User{ID: w.NewID(16), Name: "sim-admin", DisplayName: "sim-admin",
			CreateDate: now, UpdateDate: now}
		acct.Users[u.Name] = u
	}
	u.Policies = append(u.Policies, Attachment{PolicyName: "AdministratorAccess",
		PolicyType: "System", AttachDate: now})
	k := w.NewKey(now)
	w.AddKey(acct, u, k)
	return k
}
