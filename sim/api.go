package sim

import (
	"fmt"
	"net/http"
	"time"
)

// Product names as they appear in events (serviceName) and on the wire.
const (
	ProductRAM         = "Ram"
	ProductIMS         = "Ims"
	ProductSTS         = "Sts"
	ProductActionTrail = "Actiontrail"
)

// API versions served.
const (
	VersionRAM         = "2015-05-01"
	VersionIMS         = "2019-08-15"
	VersionSTS         = "2015-04-01"
	VersionActionTrail = "2020-07-06"
)

// CallerKind says what kind of principal signed a request.
type CallerKind int

const (
	CallerRoot CallerKind = iota + 1
	CallerUser
	CallerRole
)

// Caller is the authenticated principal of a request.
type Caller struct {
	Kind        CallerKind
	Account     *Account
	AccessKeyID string
	User        *User  // CallerUser
	Role        *Role  // CallerRole: the role as it is now
	Token       *Token // CallerRole
}

// Request is one authenticated API call as a handler sees it.
type Request struct {
	Product   string
	Version   string
	Action    string
	Region    string            // from RegionId, the host name, or the default
	Params    map[string]string // query and form body merged, common params included
	Caller    *Caller
	RequestID string
	SourceIP  string
	UserAgent string
	Host      string
	Now       time.Time
}

// Param returns a request parameter, "" when absent.
func (r *Request) Param(name string) string { return r.Params[name] }

// Handler serves one action. It runs with the world lock held and returns a
// response body without RequestId (the front adds it), or an *APIError.
// A handler that changes nothing on error must check everything before it
// mutates.
type Handler func(w *World, r *Request) (map[string]any, error)

// Endpoint describes one served action.
type Endpoint struct {
	Product string
	Version string
	Action  string
	Handler Handler

	// RW is "Read" or "Write", as recorded in the event's eventRW.
	RW string

	// Resource returns the ARN the call acts on, for policy evaluation; nil
	// means "*". The authorised action is <product code>:<Action>, with the
	// product code lower case (ram, ims, sts, actiontrail).
	Resource func(w *World, r *Request) string

	// Unauthorized skips the RAM policy check (GetCallerIdentity can be
	// called by anyone who can sign).
	Unauthorized bool
}

// APIError is an error the emulator answers with: an HTTP status, a code and
// a message, in the gateway's JSON envelope.
type APIError struct {
	Status  int
	Code    string
	Message string

	// AccessDenied, when set, is rendered as the AccessDeniedDetail object.
	AccessDenied map[string]string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

// Errorf builds an APIError.
func Errorf(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common errors shared by the products.
func errMissing(name string) *APIError {
	return Errorf(http.StatusBadRequest, "MissingParameter",
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}
