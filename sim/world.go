package sim

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"
)

// NewWorld returns an empty world whose clock is clock (time.Now when nil).
func NewWorld(clock func() time.Time) *World {
	if clock == nil {
		clock = time.Now
	}
	return &World{
		Accounts: map[string]*Account{},
		keys:     map[string]*AccessKey{},
		tokens:   map[string]*Token{},
		nonces:   map[string]time.Time{},
		Trail:    NewTrailStore(),
		Faults:   NewFaultSet(),
		Clock:    clock,
	}
}

// Lock and Unlock expose the world lock to the admin API and to tests that
// inspect state directly.
func (w *World) Lock()   { w.mu.Lock() }
func (w *World) Unlock() { w.mu.Unlock() }

// NewAccount adds an account with the given id (generated when "").
func (w *World) NewAccount(id, alias string) *Account {
	if id == "" {
		id = w.digits(16)
	}
	if alias == "" {
		alias = "acct" + id[len(id)-6:]
	}
	a := &Account{
		ID:       id,
		Alias:    alias,
		Users:    map[string]*User{},
		Groups:   map[string]*Group{},
		Roles:    map[string]*Role{},
		Policies: map[string]*Policy{},
	}
	w.Accounts[id] = a
	if w.DefaultAccount == "" {
		w.DefaultAccount = id
	}
	return a
}

// AddKey indexes a new key and attaches it to its owner (a RAM user, or the
// account root when owner is nil). The caller checks quotas.
func (w *World) AddKey(a *Account, owner *User, k *AccessKey) {
	k.AccountID = a.ID
	if owner == nil {
		k.Owner = ""
		a.RootKeys = append(a.RootKeys, k)
	} else {
		k.Owner = owner.Name
		owner.Keys = append(owner.Keys, k)
	}
	w.keys[k.ID] = k
}

// NewKey makes a fresh Active key pair with generated id and secret.
func (w *World) NewKey(now time.Time) *AccessKey {
	return &AccessKey{
		ID:         "LTAI" + w.alnum(20),
		Secret:     w.alnum(30),
		Status:     "Active",
		CreateDate: now,
		UpdateDate: now,
	}
}

// RemoveKey deletes a key from the index and from its owner.
func (w *World) RemoveKey(id string) {
	k, ok := w.keys[id]
	if !ok {
		return
	}
	delete(w.keys, id)
	a := w.Accounts[k.AccountID]
	if a == nil {
		return
	}
	if k.Owner == "" {
		a.RootKeys = dropKey(a.RootKeys, id)
		return
	}
	if u := a.Users[k.Owner]; u != nil {
		u.Keys = dropKey(u.Keys, id)
	}
}

func dropKey(ks []*AccessKey, id string) []*AccessKey {
	out := ks[:0]
	for _, k := range ks {
		if k.ID != id {
			out = append(out, k)
		}
	}
	return out
}

// Key looks a long-term key up by id.
func (w *World) Key(id string) *AccessKey { return w.keys[id] }

// AddToken indexes minted STS credentials.
func (w *World) AddToken(t *Token) { w.tokens[t.AccessKeyID] = t }

// TokenByID looks STS credentials up by their STS.… AccessKeyId.
func (w *World) TokenByID(id string) *Token { return w.tokens[id] }

// NewID returns a fresh decimal id of n digits (user and role ids).
func (w *World) NewID(n int) string { return w.digits(n) }

// NewRequestID returns an id in the upper-case UUID form the service uses.
func (w *World) NewRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Alnum returns n random characters from [A-Za-z0-9].
func (w *World) Alnum(n int) string { return w.alnum(n) }

const alnumChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (w *World) alnum(n int) string { return randomFrom(alnumChars, n) }

func (w *World) digits(n int) string {
	s := randomFrom("0123456789", n)
	if s[0] == '0' {
		s = "1" + s[1:]
	}
	return s
}

func randomFrom(chars string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("sim: crypto/rand failed: " + err.Error())
		}
		b[i] = chars[v.Int64()]
	}
	return string(b)
}
