package sim

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strings"
)

// v3Algorithm names the only v3 signature algorithm served.
const v3Algorithm = "ACS3-HMAC-SHA256"

// emptyPayloadHash is the SHA-256 of an empty body, as v3 clients send it.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// percentEncode applies RFC 3986 encoding: unreserved characters stay,
// every other byte becomes %XY with upper-case hex.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '_' || c == '.' || c == '~'
}

// canonicalQuery sorts params byte-wise by name and joins the encoded
// pairs with &, leaving out the parameter named skip.
func canonicalQuery(params map[string]string, skip string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != skip {
			names = append(names, k)
		}
	}
	sort.Strings(names)

	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		b.WriteString(percentEncode(params[k]))
	}
	return b.String()
}

// StringToSignV1 is the v1 (HMAC-SHA1) string to sign over all parameters
// of a request except Signature.
func StringToSignV1(method string, params map[string]string) string {
	return method + "&%2F&" + percentEncode(canonicalQuery(params, "Signature"))
}

// SignV1 returns the base64 HMAC-SHA1 of stringToSign keyed with secret+"&".
func SignV1(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// v3Auth is a parsed ACS3 Authorization header.
type v3Auth struct {
	KeyID         string
	SignedHeaders []string
	Signature     string
}

var errBadAuthorization = errors.New("malformed authorization header")

// parseV3Authorization reads
// "ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>".
func parseV3Authorization(h string) (v3Auth, error) {
	rest, ok := strings.CutPrefix(h, v3Algorithm+" ")
	if !ok {
		return v3Auth{}, errBadAuthorization
	}
	var a v3Auth
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return v3Auth{}, errBadAuthorization
		}
		switch k {
		case "Credential":
			a.KeyID = v
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.KeyID == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
		return v3Auth{}, errBadAuthorization
	}
	return a, nil
}

// v3Input is what a v3 canonical request is built from.
type v3Input struct {
	Method      string
	Path        string // escaped path, "/" for RPC
	Query       map[string]string
	Host        string
	Header      http.Header
	Signed      []string // lower-case header names, as the client listed them
	PayloadHash string
}

// canonicalRequestV3 builds the v3 canonical request from the headers the
// client says it signed. A signed header the request lacks canonicalises
// with an empty value, so the signature simply fails to match.
func canonicalRequestV3(in v3Input) string {
	path := in.Path
	if path == "" {
		path = "/"
	}
	var headers strings.Builder
	for _, name := range in.Signed {
		headers.WriteString(name)
		headers.WriteByte(':')
		headers.WriteString(canonicalHeaderValue(in, name))
		headers.WriteByte('\n')
	}
	return strings.Join([]string{
		in.Method,
		path,
		canonicalQuery(in.Query, ""),
		headers.String(),
		strings.Join(in.Signed, ";"),
		in.PayloadHash,
	}, "\n")
}

func canonicalHeaderValue(in v3Input, name string) string {
	if name == "host" {
		return strings.TrimSpace(in.Host)
	}
	vals := in.Header.Values(name)
	trimmed := make([]string, len(vals))
	for i, v := range vals {
		trimmed[i] = strings.TrimSpace(v)
	}
	sort.Strings(trimmed)
	return strings.Join(trimmed, ",")
}

// StringToSignV3 hashes a canonical request into the v3 string to sign.
func StringToSignV3(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return v3Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// SignV3 returns the lower-case hex HMAC-SHA256 of stringToSign keyed with
// the secret as is.
func SignV3(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// equalSignature compares signatures in constant time.
func equalSignature(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// verifyV1 checks a v1 signature and answers SignatureDoesNotMatch with
// the server's string to sign, which the classic SDK compares with its own.
func verifyV1(method string, params map[string]string, secret string) *APIError {
	sts := StringToSignV1(method, params)
	if equalSignature(SignV1(secret, sts), params["Signature"]) {
		return nil
	}
	return errSignature(sts)
}

// verifyV3 checks a v3 signature over the canonical request.
func verifyV3(in v3Input, a v3Auth, secret string) *APIError {
	sts := StringToSignV3(canonicalRequestV3(in))
	if equalSignature(SignV3(secret, sts), strings.ToLower(a.Signature)) {
		return nil
	}
	return errSignature(sts)
}

func errSignature(stringToSign string) *APIError {
	return Errorf(http.StatusBadRequest, "SignatureDoesNotMatch",
		"Specified signature is not matched with our calculation. "+
			"server string to sign is:%s", stringToSign)
}

func errIncompleteSignature() *APIError {
	return Errorf(http.StatusBadRequest, "IncompleteSignature",
		"The request signature does not conform to Alibaba Cloud standards.")
}
