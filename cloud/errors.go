package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
)

// Error is an error answered by the cloud, kept with everything an auditor
// or a retry decision needs: the code, the HTTP status and the RequestId.
type Error struct {
	Service   string
	Action    string
	Status    int
	ErrCode   string
	Message   string
	Request   string // RequestId
	DeniedFor string // the action RAM refused, from AccessDeniedDetail
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %s (http %d", e.Service, e.Action, e.ErrCode, e.Status)
	if e.Request != "" {
		msg += ", request id " + e.Request
	}
	msg += ")"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Code returns the cloud's error code, such as EntityNotExist.User.
func (e *Error) Code() string { return e.ErrCode }

// RequestID returns the RequestId the cloud gave the failed call.
func (e *Error) RequestID() string { return e.Request }

// Sentinel classes of cloud errors; test with errors.Is.
var (
	ErrNotFound    = errors.New("not found")
	ErrDenied      = errors.New("permission denied")
	ErrAuth        = errors.New("credentials rejected")
	ErrThrottled   = errors.New("throttled")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("service unavailable")

	// ErrNoCredentials says the responder found no credentials of its own.
	ErrNoCredentials = errors.New("no responder credentials")
)

// Is lets errors.Is classify by code without anyone matching text.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return strings.HasPrefix(e.ErrCode, "EntityNotExist") ||
			e.Status == http.StatusNotFound && !isAuthCode(e.ErrCode)
	case ErrDenied:
		// Forbidden.AccessKey.Active and the like refuse a state, not a
		// principal; only these codes are about permissions.
		return e.ErrCode == "NoPermission" || e.ErrCode == "Forbidden" ||
			strings.HasPrefix(e.ErrCode, "Forbidden.RAM")
	case ErrAuth:
		return isAuthCode(e.ErrCode)
	case ErrThrottled:
		return strings.HasPrefix(e.ErrCode, "Throttling") ||
			e.ErrCode == "Rejected.Throttling"
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrUnavailable:
		return e.Status >= 500
	}
	return false
}

func isAuthCode(code string) bool {
	for _, p := range []string{"InvalidAccessKeyId", "SignatureDoesNotMatch",
		"IncompleteSignature", "InvalidSecurityToken", "MissingSecurityToken",
		"InvalidTimeStamp", "SignatureNonceUsed"} {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// signedEcho is where a signature-mismatch message starts quoting the
// request it received, which can include a security token.
const signedEcho = "server string to sign is:"

// fromSDK turns an SDK error into *Error when the cloud answered, and wraps
// it otherwise. Whatever the SDK put in the message is cut at the echo of
// the signed request.
func fromSDK(service, action string, err error) error {
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		return &TransportError{Service: service, Action: action, cause: scrub(err)}
	}
	msg := se.Message()
	if i := strings.Index(msg, signedEcho); i >= 0 {
		msg = strings.TrimSpace(msg[:i]) + " (signed request not shown)"
	}
	e := &Error{
		Service: service,
		Action:  action,
		Status:  se.HttpStatus(),
		ErrCode: se.ErrorCode(),
		Message: msg,
		Request: se.RequestId(),
	}
	if d := se.AccessDeniedDetail(); d != nil {
		if a, ok := d["AuthAction"].(string); ok {
			e.DeniedFor = a
		}
	}
	return e
}

// TransportError is a call that got no answer from the cloud: a refused or
// dropped connection, a timeout, a TLS failure.
type TransportError struct {
	Service string
	Action  string
	cause   error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: no answer: %v", e.Service, e.Action, e.cause)
}

func (e *TransportError) Unwrap() error { return e.cause }

// NoAnswer says the call's effect is unknown: it may have reached the
// cloud before the connection failed.
func (e *TransportError) NoAnswer() bool { return true }

// scrub drops what a transport error says about the request. Go's HTTP
// client quotes the whole URL, and the classic SDK puts every parameter in
// it: the signature and any security token. What is left names the host
// and the failure, and still unwraps to the net and TLS errors beneath.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ""
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Scheme + "://" + u.Host
		}
		return &url.Error{Op: ue.Op, URL: host, Err: scrub(ue.Err)}
	}
	if strings.Contains(err.Error(), "?") {
		// An SDK error that quotes a URL in its text: keep none of it.
		return errors.New(strings.SplitN(err.Error(), "?", 2)[0] + " (request not shown)")
	}
	return err
}
