package sim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Freshness window of signed requests: a timestamp further than this from
// the wall clock is refused, and nonces are remembered for twice as long.
const maxSkew = 15 * time.Minute

const timestampLayout = "2006-01-02T15:04:05Z"

// identity is who a request claims to be, known as soon as its AccessKeyId
// resolves. Events of failed calls carry it too.
type identity struct {
	kind        CallerKind
	accountID   string
	principalID string
	userName    string
	accessKeyID string
	token       *Token // assumed role
}

// signedCall is what a request's signature is made of, whichever version.
type signedCall struct {
	keyID     string
	nonce     string
	timestamp string
	token     string // SecurityToken or x-acs-security-token
	verify    func(secret string) *APIError
}

// credential is what an AccessKeyId resolves to.
type credential struct {
	secret string
	key    *AccessKey // long-term key
	token  *Token     // STS credentials
	ident  *identity
}

// authenticate checks signature, freshness and credential state, and sets
// r.Caller. The identity is returned whenever the key id resolved, so that
// failed calls still become events.
func (s *server) authenticate(rc *rawCall, r *Request) (*identity, *APIError) {
	sc, err := readSignature(rc)
	if err != nil {
		return nil, err
	}
	cred, err := s.lookupCredential(sc.keyID)
	if err != nil {
		return nil, err
	}
	if err := s.checkTimestamp(sc.timestamp); err != nil {
		return cred.ident, err
	}
	if err := sc.verify(cred.secret); err != nil {
		return cred.ident, err
	}
	if err := s.useNonce(sc.keyID, sc.nonce); err != nil {
		return cred.ident, err
	}
	if err := s.checkState(cred, sc.token, r.Now); err != nil {
		return cred.ident, err
	}
	c, err := s.buildCaller(cred)
	if err != nil {
		return cred.ident, err
	}
	r.Caller = c
	if cred.key != nil {
		cred.key.LastUsed = r.Now
		cred.key.LastUsedService = productCode(r.Product)
	}
	return cred.ident, nil
}

// readSignature picks the v3 Authorization header when present, else the
// v1 signature parameters.
func readSignature(rc *rawCall) (*signedCall, *APIError) {
	if h := rc.header.Get("Authorization"); strings.HasPrefix(h, "ACS3-") {
		return readV3(rc, h)
	}
	return readV1(rc)
}

func readV1(rc *rawCall) (*signedCall, *APIError) {
	p := rc.params
	if p["Signature"] == "" {
		return nil, errIncompleteSignature()
	}
	for _, name := range []string{"AccessKeyId", "SignatureMethod", "SignatureVersion",
		"SignatureNonce", "Timestamp"} {
		if p[name] == "" {
			return nil, errMissing(name)
		}
	}
	if p["SignatureMethod"] != "HMAC-SHA1" || p["SignatureVersion"] != "1.0" {
		return nil, errIncompleteSignature()
	}
	method := rc.method
	return &signedCall{
		keyID:     p["AccessKeyId"],
		nonce:     p["SignatureNonce"],
		timestamp: p["Timestamp"],
		token:     p["SecurityToken"],
		verify: func(secret string) *APIError {
			return verifyV1(method, p, secret)
		},
	}, nil
}

// v3Required are the headers a v3 signature must cover: without them a
// signed request could be replayed or redirected.
var v3Required = []string{"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce"}

func readV3(rc *rawCall, header string) (*signedCall, *APIError) {
	a, perr := parseV3Authorization(header)
	if perr != nil {
		return nil, errIncompleteSignature()
	}
	for _, name := range v3Required {
		if !slices.Contains(a.SignedHeaders, name) || headerValue(rc, name) == "" {
			return nil, errIncompleteSignature()
		}
	}
	payload := rc.header.Get("x-acs-content-sha256")
	if payload == "" {
		payload = rc.bodyHash
	}
	in := v3Input{
		Method: rc.method, Path: rc.path, Query: rc.query, Host: rc.host,
		Header: rc.header, Signed: a.SignedHeaders, PayloadHash: payload,
	}
	bodyHash := rc.bodyHash
	return &signedCall{
		keyID:     a.KeyID,
		nonce:     rc.header.Get("x-acs-signature-nonce"),
		timestamp: rc.header.Get("x-acs-date"),
		token:     rc.header.Get("x-acs-security-token"),
		verify: func(secret string) *APIError {
			if err := verifyV3(in, a, secret); err != nil {
				return err
			}
			if payload != bodyHash {
				return errSignature("x-acs-content-sha256 does not match the body")
			}
			return nil
		},
	}, nil
}

func headerValue(rc *rawCall, name string) string {
	if name == "host" {
		return rc.host
	}
	return rc.header.Get(name)
}

// lookupCredential resolves a key id to its secret and owner.
func (s *server) lookupCredential(keyID string) (*credential, *APIError) {
	w := s.world
	if t := w.TokenByID(keyID); t != nil {
		return &credential{secret: t.Secret, token: t, ident: tokenIdentity(t)}, nil
	}
	k := w.Key(keyID)
	if k == nil {
		return nil, Errorf(http.StatusNotFound, "InvalidAccessKeyId.NotFound",
			"Specified access key is not found.")
	}
	id := &identity{kind: CallerRoot, accountID: k.AccountID, principalID: k.AccountID,
		userName: "root", accessKeyID: k.ID}
	if k.Owner != "" {
		id.kind, id.userName = CallerUser, k.Owner
		if a := w.Accounts[k.AccountID]; a != nil && a.Users[k.Owner] != nil {
			id.principalID = a.Users[k.Owner].ID
		}
	}
	return &credential{secret: k.Secret, key: k, ident: id}, nil
}

func tokenIdentity(t *Token) *identity {
	return &identity{
		kind:        CallerRole,
		accountID:   t.AccountID,
		principalID: t.RoleID + ":" + t.SessionName,
		userName:    t.RoleName + ":" + t.SessionName,
		accessKeyID: t.AccessKeyID,
		token:       t,
	}
}

func (s *server) checkTimestamp(ts string) *APIError {
	t, err := time.Parse(timestampLayout, ts)
	if err != nil {
		return Errorf(http.StatusBadRequest, "InvalidTimeStamp.Format",
			"Specified time stamp or date value is not well formatted.")
	}
	if d := s.wall().Sub(t); d > maxSkew || d < -maxSkew {
		return Errorf(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired.")
	}
	return nil
}

// useNonce refuses a nonce seen inside the freshness window and
// remembers it. The world lock is held.
func (s *server) useNonce(keyID, nonce string) *APIError {
	now := s.wall()
	s.pruneNonces(now)
	key := keyID + "\x00" + nonce
	if _, seen := s.world.nonces[key]; seen {
		return Errorf(http.StatusBadRequest, "SignatureNonceUsed",
			"Specified signature nonce was used already.")
	}
	s.world.nonces[key] = now
	return nil
}

func (s *server) pruneNonces(now time.Time) {
	if now.Sub(s.lastPrune) < time.Minute {
		return
	}
	s.lastPrune = now
	for k, t := range s.world.nonces {
		if now.Sub(t) > 2*maxSkew {
			delete(s.world.nonces, k)
		}
	}
}

// checkState checks that the key is active, or that STS credentials come
// with their own token, are not expired and belong to a role that still
// exists with the same RoleId.
func (s *server) checkState(cred *credential, token string, now time.Time) *APIError {
	if cred.key != nil {
		if cred.key.Status != "Active" {
			return Errorf(http.StatusBadRequest, "InvalidAccessKeyId.Inactive",
				"Specified access key is disabled.")
		}
		return nil
	}
	t := cred.token
	switch {
	case token == "":
		return Errorf(http.StatusBadRequest, "MissingSecurityToken",
			"SecurityToken is mandatory for this action.")
	case !equalSignature(token, t.SecurityToken) && s.tokenExists(token):
		return Errorf(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
			"Specified SecurityToken mismatch with the AccessKey.")
	case !equalSignature(token, t.SecurityToken):
		return Errorf(http.StatusBadRequest, "InvalidSecurityToken.Malformed",
			"Specified SecurityToken is malformed.")
	case !now.Before(t.Expiration), !s.roleAlive(t):
		return errTokenExpired()
	}
	return nil
}

func errTokenExpired() *APIError {
	return Errorf(http.StatusBadRequest, "InvalidSecurityToken.Expired",
		"Specified SecurityToken is expired.")
}

func (s *server) tokenExists(securityToken string) bool {
	for _, t := range s.world.tokens {
		if t.SecurityToken == securityToken {
			return true
		}
	}
	return false
}

// roleAlive reports whether the role a token was minted for still exists
// under the same RoleId: deleting and recreating a role voids its tokens.
func (s *server) roleAlive(t *Token) bool {
	role := s.findRole(t.AccountID, t.RoleName)
	return role != nil && role.ID == t.RoleID
}

func (s *server) findRole(accountID, name string) *Role {
	a := s.world.Accounts[accountID]
	if a == nil {
		return nil
	}
	return roleNamed(a, name)
}

// roleNamed finds a role by name; role names are case-insensitive.
func roleNamed(a *Account, name string) *Role {
	if r := a.Roles[name]; r != nil {
		return r
	}
	for n, r := range a.Roles {
		if strings.EqualFold(n, name) {
			return r
		}
	}
	return nil
}

// buildCaller turns a checked credential into the request's Caller.
func (s *server) buildCaller(cred *credential) (*Caller, *APIError) {
	notFound := Errorf(http.StatusNotFound, "InvalidAccessKeyId.NotFound",
		"Specified access key is not found.")
	a := s.world.Accounts[cred.ident.accountID]
	if a == nil {
		return nil, notFound
	}
	c := &Caller{Kind: cred.ident.kind, Account: a, AccessKeyID: cred.ident.accessKeyID}
	switch c.Kind {
	case CallerUser:
		if c.User = a.Users[cred.key.Owner]; c.User == nil {
			return nil, notFound
		}
	case CallerRole:
		c.Token = cred.token
		if c.Role = roleNamed(a, cred.token.RoleName); c.Role == nil {
			return nil, errTokenExpired()
		}
	}
	return c, nil
}

// productCode is the lower-case code a product's actions are authorised
// under; IMS is RAM's identity service and shares its code.
func productCode(product string) string {
	switch product {
	case ProductIMS:
		return "ram"
	case ProductActionTrail:
		return "actiontrail"
	}
	return strings.ToLower(product)
}
