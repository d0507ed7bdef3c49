package sim

import (
	"sync"
	"time"
)

// World is the whole emulated cloud. One mutex guards every field of every
// account: requests are short, and a single lock keeps each API call atomic
// (as the real service appears to callers) and the race detector quiet.
// Handlers run with mu held; nothing below World takes another lock except
// the trail store, which has its own so that event lookups do not block
// writes to identity state for long.
type World struct {
	mu sync.Mutex

	// DefaultAccount is the account that requests signed with unknown
	// account context fall back to; scenarios usually hold one account.
	DefaultAccount string
	Accounts       map[string]*Account // by account id

	// keys indexes every long-term AccessKey of every account (root and RAM
	// users) by AccessKeyId; tokens indexes STS credentials by their
	// STS.… AccessKeyId.
	keys   map[string]*AccessKey
	tokens map[string]*Token

	// nonces remembers SignatureNonce values inside the freshness window,
	// keyed by AccessKeyId + nonce.
	nonces map[string]time.Time

	Trail  *TrailStore
	Faults *FaultSet
	Clock  func() time.Time

	seq uint64 // source of ids; see nextID
}

// Account is one Alibaba Cloud account (a root identity with its RAM).
type Account struct {
	ID    string // 16 decimal digits
	Alias string // used in UserPrincipalName: <user>@<alias>.onaliyun.com

	RootKeys []*AccessKey

	Users    map[string]*User   // by user name
	Groups   map[string]*Group  // by group name
	Roles    map[string]*Role   // by role name
	Policies map[string]*Policy // custom policies, by name
}

// AccessKey is a long-term key pair. Owner is "" for a root key.
type AccessKey struct {
	ID         string
	Secret     string
	Status     string // "Active" or "Inactive"
	AccountID  string
	Owner      string // RAM user name, "" for the account's root key
	CreateDate time.Time
	UpdateDate time.Time

	LastUsed        time.Time // zero when never used
	LastUsedService string

	// StaleStatus is what reads report until StaleUntil: a status change
	// takes FaultSet.ConsistencyDelay to show in ListAccessKeys.
	// Authentication always uses Status.
	StaleStatus string    `json:",omitempty"`
	StaleUntil  time.Time `json:",omitzero"`
}

// ReadStatus is the status a read at now reports.
func (k *AccessKey) ReadStatus(now time.Time) string {
	if k.StaleStatus != "" && now.Before(k.StaleUntil) {
		return k.StaleStatus
	}
	return k.Status
}

// User is a RAM user.
type User struct {
	ID          string
	Name        string
	DisplayName string
	Email       string
	MobilePhone string
	Comments    string
	CreateDate  time.Time
	UpdateDate  time.Time
	LastLogin   time.Time

	Keys         []*AccessKey // at most 2
	LoginProfile *LoginProfile
	Groups       []string // group names, in join order
	Policies     []Attachment
}

// LoginProfile is a user's console password setting. The password itself
// is never stored.
type LoginProfile struct {
	PasswordResetRequired bool
	MFABindRequired       bool
	CreateDate            time.Time
}

// Group is a RAM user group.
type Group struct {
	ID         string // g-…
	Name       string
	Comments   string
	CreateDate time.Time
	UpdateDate time.Time
	Members    map[string]time.Time // user name → join date
	Policies   []Attachment
}

// Role is a RAM role.
type Role struct {
	ID                 string // decimal, new on every CreateRole
	Name               string
	Description        string
	TrustPolicy        string // AssumeRolePolicyDocument as given
	MaxSessionDuration int64
	CreateDate         time.Time
	UpdateDate         time.Time
	Policies           []Attachment

	// DetachedAt is when the last policy was detached; DeleteRole answers
	// DeleteConflict.Role.Policy until the consistency delay has passed
	// since then (see FaultSet.Consistency).
	DetachedAt time.Time
}

// Attachment links a policy to a user, group or role.
type Attachment struct {
	PolicyName string
	PolicyType string // "System" or "Custom"
	AttachDate time.Time
}

// Policy is a custom policy, or a system policy in the shared catalogue.
type Policy struct {
	Name           string
	Type           string // "System" or "Custom"
	Description    string
	DefaultVersion string // "v1", "v2", …
	Versions       []PolicyVersion
	CreateDate     time.Time
	UpdateDate     time.Time
}

// PolicyVersion is one version of a policy document.
type PolicyVersion struct {
	ID         string // "v1"
	Document   string
	CreateDate time.Time
}

// Token is a set of STS credentials minted by AssumeRole. It is bound to the
// RoleId it was minted for: once that role is deleted the token is void,
// even if a role of the same name exists again.
type Token struct {
	AccessKeyID   string // STS.…
	Secret        string
	SecurityToken string
	AccountID     string
	RoleID        string
	RoleName      string
	SessionName   string
	Created       time.Time
	Expiration    time.Time
	Policy        string // session policy, "" for none

	// MintedBy is the AccessKeyId that called AssumeRole (a long-term key
	// or another STS key, for role chaining).
	MintedBy string
}
