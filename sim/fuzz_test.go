package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fuzzServer is a front over the test world, without a listener.
func fuzzServer(f *testing.F) *server {
	w := NewWorld(nil)
	if _, err := testScenario().Apply(w); err != nil {
		f.Fatal(err)
	}
	return newServer(w, &simClock{base: time.Now}, zerolog.Nop(), allEndpoints())
}

// signedQuery is a valid v1 query for seeds.
func signedQuery(action, version string, extra map[string]string) string {
	p := map[string]string{
		"Action": action, "Version": version, "Format": "JSON", "AccessKeyId": adminKeyID,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureType": "",
		"SignatureNonce": "seed-nonce", "Timestamp": time.Now().UTC().Format(timestampLayout),
	}
	for k, v := range extra {
		p[k] = v
	}
	p["Signature"] = SignV1(adminSecret, StringToSignV1("POST", p))
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v.Encode()
}

// FuzzParseRequest sends arbitrary requests through the whole front: it
// must answer every one with a JSON object whose envelope fields are
// strings, and never panic.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", signedQuery("GetCallerIdentity", VersionSTS, nil), "", "", "")
	f.Add("POST", signedQuery("GetUser", VersionRAM, map[string]string{"UserName": "a b*"}),
		"", "", "")
	f.Add("POST", "Action=AssumeRole&Version=2015-04-01", "RoleArn=acs%3Aram%3A%3A1%3Arole%2Fx",
		"application/x-www-form-urlencoded", "")
	f.Add("GET", "Action=LookupEvents&Version=2020-07-06&LookupAttribute.1.Key=x", "", "",
		"actiontrail.cn-shanghai.aliyuncs.com")
	f.Add("POST", "", "", "", "")
	f.Add("POST", "%zz=%", "a=%zz", "application/x-www-form-urlencoded; charset=utf-8", "")
	f.Add("PUT", "Action=GetUser", "", "", "")
	f.Add("POST", "a=1&a=2", "", "", "sts.aliyuncs.com")
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, method, rawQuery, body, contentType, host string) {
		if !validMethod(method) {
			return
		}
		req := &http.Request{
			Method: method, URL: &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{}, Host: host, RemoteAddr: "192.0.2.1:1234",
			Body: io.NopCloser(strings.NewReader(body)),
		}
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not a JSON object: %q", rec.Body.String())
		}
		if rec.Code != http.StatusOK {
			for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
				if _, ok := out[k].(string); !ok {
					t.Fatalf("%s is %T in %v", k, out[k], out)
				}
			}
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// FuzzVerifySignature checks that verification never panics and accepts
// exactly the signatures SignV1 and SignV3 produce.
func FuzzVerifySignature(f *testing.F) {
	f.Add("GET", "AccessKeyId=testid&Action=CreateUser&Format=JSON", "testsecret",
		"kRA2cnpJVacIhDMzXnoNZG9tDCI=", "")
	f.Add("POST", "RoleName=a%20b%2Ac~d%2Be%2Ff&SignatureType=", "secret", "", "")
	f.Add("POST", "MaxItems=10", "secret",
		"1c564b109ee933904e51ad00d6ece0bf6b712d24be7a80836fb182aa9845b08a",
		"ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=00")
	f.Add("POST", "%", "", "", "ACS3-HMAC-SHA256 ,,,=")
	f.Fuzz(func(t *testing.T, method, rawQuery, secret, signature, authorization string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		params := map[string]string{}
		for k, v := range q {
			params[k] = v[0]
		}
		params["Signature"] = signature
		good := SignV1(secret, StringToSignV1(method, params))
		if e := verifyV1(method, params, secret); (e == nil) != (signature == good) {
			t.Fatalf("v1 verify = %v for signature %q, computed %q", e, signature, good)
		}
		params["Signature"] = good
		if e := verifyV1(method, params, secret); e != nil {
			t.Fatalf("v1 rejects its own signature: %v", e)
		}

		a, err := parseV3Authorization(authorization)
		if err != nil {
			return
		}
		in := v3Input{Method: method, Path: "/", Query: params, Host: "h",
			Header: http.Header{"X-Acs-Date": {rawQuery}}, Signed: a.SignedHeaders,
			PayloadHash: emptyPayloadHash}
		want := SignV3(secret, StringToSignV3(canonicalRequestV3(in)))
		if e := verifyV3(in, a, secret); (e == nil) != (strings.ToLower(a.Signature) == want) {
			t.Fatalf("v3 verify = %v for signature %q, computed %q", e, a.Signature, want)
		}
	})
}

// BenchmarkFront measures one signed call through parsing, signature
// check, authorisation, handler and event recording.
func BenchmarkFront(b *testing.B) {
	w := NewWorld(nil)
	if _, err := testScenario().Apply(w); err != nil {
		b.Fatal(err)
	}
	s := newServer(w, &simClock{base: time.Now}, zerolog.Nop(), allEndpoints())
	ts := time.Now().UTC().Format(timestampLayout)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := map[string]string{
			"Action": "GetCallerIdentity", "Version": VersionSTS, "Format": "JSON",
			"AccessKeyId": ciKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
			"SignatureNonce": strconv.Itoa(i), "Timestamp": ts,
		}
		p["Signature"] = SignV1(ciSecret, StringToSignV1("POST", p))
		v := url.Values{}
		for k, x := range p {
			v.Set(k, x)
		}
		req := httptest.NewRequest("POST", "/?"+v.Encode(), nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
