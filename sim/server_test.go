package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// rpcCall is a hand-signed v1 request, for what the SDK will not send.
type rpcCall struct {
	method    string
	host      string            // Host header; the listener address when ""
	params    map[string]string // in the query, with the common ones
	form      map[string]string // in a form body
	keyID     string
	secret    string
	token     string
	timestamp time.Time
	nonce     string
	omit      []string // common parameters to leave out
	badSig    bool
}

var nonceSeq int

func (c rpcCall) build(inst *Instance) (*http.Request, error) {
	if c.keyID == "" {
		c.keyID, c.secret = adminKeyID, adminSecret
	}
	if c.timestamp.IsZero() {
		c.timestamp = time.Now()
	}
	if c.nonce == "" {
		nonceSeq++
		c.nonce = fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), nonceSeq)
	}
	q := map[string]string{
		"Format": "JSON", "AccessKeyId": c.keyID, "SignatureMethod": "HMAC-SHA1",
		"SignatureVersion": "1.0", "SignatureNonce": c.nonce, "SignatureType": "",
		"Timestamp": c.timestamp.UTC().Format(timestampLayout),
	}
	if c.token != "" {
		q["SecurityToken"] = c.token
	}
	for k, v := range c.params {
		q[k] = v
	}
	for _, k := range c.omit {
		delete(q, k)
	}
	all := copyParams(q)
	for k, v := range c.form {
		all[k] = v
	}
	method := firstNonEmpty(c.method, "POST")
	q["Signature"] = SignV1(c.secret, StringToSignV1(method, all))
	if c.badSig {
		q["Signature"] = "AAAA" + q["Signature"]
	}
	if inList(c.omit, "Signature") {
		delete(q, "Signature")
	}
	return c.request(inst, method, q)
}

func (c rpcCall) request(inst *Instance, method string, q map[string]string) (*http.Request, error) {
	vals := url.Values{}
	for k, v := range q {
		vals.Set(k, v)
	}
	form := url.Values{}
	for k, v := range c.form {
		form.Set(k, v)
	}
	req, err := http.NewRequest(method, inst.URL()+"/?"+vals.Encode(),
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.host != "" {
		req.Host = c.host
	}
	return req, nil
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// send does one raw HTTP request and decodes the JSON answer.
func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("answer is not a JSON object: %q", data)
	}
	return resp.StatusCode, body
}

func (c rpcCall) do(t *testing.T, inst *Instance) (int, map[string]any) {
	t.Helper()
	req, err := c.build(inst)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, req)
}

// checkEnvelope asserts the gateway's error shape: string fields only.
func checkEnvelope(t *testing.T, body map[string]any, code, host string) {
	t.Helper()
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if _, ok := body[k].(string); !ok {
			t.Errorf("%s is %T, want a string: %v", k, body[k], body)
		}
	}
	if body["Code"] != code {
		t.Errorf("Code = %v, want %s (message %v)", body["Code"], code, body["Message"])
	}
	if host != "" && body["HostId"] != host {
		t.Errorf("HostId = %v, want %s", body["HostId"], host)
	}
}

func stsParams(action string) map[string]string {
	return map[string]string{"Action": action, "Version": VersionSTS, "RegionId": "cn-hangzhou"}
}

func TestFrontErrors(t *testing.T) {
	inst := startSim(t, Options{})
	now := time.Now()
	tests := []struct {
		name   string
		call   rpcCall
		status int
		code   string
		host   string
	}{
		{"missing action", rpcCall{params: map[string]string{"Version": VersionSTS}},
			400, "MissingParameter", "sts.aliyuncs.com"},
		{"missing version", rpcCall{params: map[string]string{"Action": "GetCallerIdentity"}},
			400, "MissingParameter", ""},
		{"unknown version", rpcCall{params: map[string]string{"Action": "GetUser",
			"Version": "1999-01-01"}}, 400, "InvalidVersion", ""},
		{"unknown action", rpcCall{params: map[string]string{"Action": "DeleteEverything",
			"Version": VersionRAM}}, 404, "InvalidAction.NotFound", "ram.aliyuncs.com"},
		{"unknown actiontrail region", rpcCall{params: map[string]string{
			"Action": "LookupEvents", "Version": VersionActionTrail, "RegionId": "mars-1"}},
			400, "InvalidRegionId", ""},
		{"unknown key", rpcCall{params: stsParams("GetCallerIdentity"),
			keyID: "LTAI5tUnknown0000000001", secret: "x"},
			404, "InvalidAccessKeyId.NotFound", "sts.aliyuncs.com"},
		{"inactive key", rpcCall{params: stsParams("GetCallerIdentity"),
			keyID: offKeyID, secret: offSecret}, 400, "InvalidAccessKeyId.Inactive", ""},
		{"bad signature", rpcCall{params: stsParams("GetCallerIdentity"), badSig: true},
			400, "SignatureDoesNotMatch", ""},
		{"no signature", rpcCall{params: stsParams("GetCallerIdentity"),
			omit: []string{"Signature"}}, 400, "IncompleteSignature", ""},
		{"no access key id", rpcCall{params: stsParams("GetCallerIdentity"),
			omit: []string{"AccessKeyId"}}, 400, "MissingParameter", ""},
		{"no nonce", rpcCall{params: stsParams("GetCallerIdentity"),
			omit: []string{"SignatureNonce"}}, 400, "MissingParameter", ""},
		{"no timestamp", rpcCall{params: stsParams("GetCallerIdentity"),
			omit: []string{"Timestamp"}}, 400, "MissingParameter", ""},
		{"other signature method", rpcCall{params: map[string]string{
			"Action": "GetCallerIdentity", "Version": VersionSTS,
			"SignatureMethod": "HMAC-SHA256"}}, 400, "IncompleteSignature", ""},
		{"timestamp 16 minutes old", rpcCall{params: stsParams("GetCallerIdentity"),
			timestamp: now.Add(-16 * time.Minute)}, 400, "InvalidTimeStamp.Expired", ""},
		{"timestamp 16 minutes ahead", rpcCall{params: stsParams("GetCallerIdentity"),
			timestamp: now.Add(16 * time.Minute)}, 400, "InvalidTimeStamp.Expired", ""},
		{"timestamp not UTC layout", rpcCall{params: map[string]string{
			"Action": "GetCallerIdentity", "Version": VersionSTS,
			"Timestamp": "2024-01-02 03:04:05"}}, 400, "InvalidTimeStamp.Format", ""},
		{"oversized value", rpcCall{params: map[string]string{"Action": "GetUser",
			"Version": VersionRAM, "UserName": strings.Repeat("a", maxValueBytes+1)}},
			400, "InvalidParameter", "ram.aliyuncs.com"},
		{"action in query and body", rpcCall{params: map[string]string{
			"Action": "GetUser", "Version": VersionRAM}, form: map[string]string{
			"Action": "ListUsers"}}, 400, "InvalidParameter", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tt.call.do(t, inst)
			if status != tt.status {
				t.Errorf("status = %d, want %d: %v", status, tt.status, body)
			}
			checkEnvelope(t, body, tt.code, tt.host)
		})
	}
}

func TestFrontAcceptsSkewWithinWindow(t *testing.T) {
	inst := startSim(t, Options{})
	for _, d := range []time.Duration{-14 * time.Minute, 14 * time.Minute} {
		c := rpcCall{params: stsParams("GetCallerIdentity"), timestamp: time.Now().Add(d)}
		if status, body := c.do(t, inst); status != 200 {
			t.Errorf("skew %s: status %d: %v", d, status, body)
		}
	}
}

func TestFrontMalformedRequests(t *testing.T) {
	inst := startSim(t, Options{})
	tests := []struct {
		name, method, rawQuery, body string
		status                       int
		code                         string
	}{
		{"bad escape", "GET", "Action=GetUser&Version=2015-05-01&x=%zz", "", 400,
			"InvalidParameter"},
		{"repeated parameter", "GET", "Action=GetUser&Action=GetUser&Version=2015-05-01", "",
			400, "InvalidParameter"},
		{"unsupported method", "PUT", "Action=GetUser&Version=2015-05-01", "", 405,
			"UnsupportedHTTPMethod"},
		{"body too large", "POST", "Action=GetUser&Version=2015-05-01",
			"a=" + strings.Repeat("b", maxBodyBytes+10), 400, "InvalidParameter"},
		{"too many parameters", "POST", "Action=GetUser&Version=2015-05-01",
			manyParams(maxParams + 1), 400, "InvalidParameter"},
		{"empty request", "GET", "", "", 400, "MissingParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, inst.URL()+"/?"+tt.rawQuery,
				strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			status, body := send(t, req)
			if status != tt.status {
				t.Errorf("status = %d, want %d: %v", status, tt.status, body)
			}
			checkEnvelope(t, body, tt.code, "")
		})
	}
}

func manyParams(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("p%d=v", i)
	}
	return strings.Join(parts, "&")
}

func TestFrontNonceReplay(t *testing.T) {
	inst := startSim(t, Options{})
	c := rpcCall{params: stsParams("GetCallerIdentity"), nonce: "fixed-nonce-1"}
	if status, body := c.do(t, inst); status != 200 {
		t.Fatalf("first call: %d %v", status, body)
	}
	status, body := c.do(t, inst)
	if status != 400 {
		t.Errorf("replay status = %d", status)
	}
	checkEnvelope(t, body, "SignatureNonceUsed", "")

	other := rpcCall{params: stsParams("GetCallerIdentity"), nonce: "fixed-nonce-1",
		keyID: ciKeyID, secret: ciSecret}
	if status, body := other.do(t, inst); status != 200 {
		t.Errorf("same nonce with another key: %d %v", status, body)
	}
}

func TestFrontSignatureMismatchThroughSDK(t *testing.T) {
	inst := startSim(t, Options{})
	_, err := stsClient(t, inst, adminKeyID, "wrong-secret", "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	se := serverError(t, err, "SignatureDoesNotMatch", 400)
	if !strings.Contains(se.Recommend(), "InvalidAccessKeySecret") {
		t.Errorf("the SDK did not recognise its own string to sign: %q", se.Recommend())
	}
	if !strings.Contains(se.Message(), "server string to sign is:POST&%2F&") {
		t.Errorf("message = %q", se.Message())
	}
}

func TestFrontFormBodyAndRegion(t *testing.T) {
	inst := startSim(t, Options{})
	tests := []struct {
		name       string
		call       rpcCall
		wantRegion string
	}{
		{"default region", rpcCall{params: map[string]string{
			"Action": "GetCallerIdentity", "Version": VersionSTS}}, "cn-hangzhou"},
		{"regional host", rpcCall{host: "sts.cn-shanghai.aliyuncs.com",
			params: map[string]string{"Action": "GetCallerIdentity", "Version": VersionSTS}},
			"cn-shanghai"},
		{"RegionId wins over host", rpcCall{host: "sts.cn-shanghai.aliyuncs.com",
			params: map[string]string{"Action": "GetCallerIdentity", "Version": VersionSTS,
				"RegionId": "eu-central-1"}}, "eu-central-1"},
		{"params in form body", rpcCall{keyID: ciKeyID, secret: ciSecret,
			params: map[string]string{"Action": "AssumeRole", "Version": VersionSTS},
			form: map[string]string{"RoleArn": "acs:ram::" + testAccount + ":role/deploy-role",
				"RoleSessionName": "form-body", "DurationSeconds": "900"}}, "cn-hangzhou"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst.ClearCalls()
			status, body := tt.call.do(t, inst)
			if status != 200 {
				t.Fatalf("status %d: %v", status, body)
			}
			calls := inst.Calls()
			if len(calls) != 1 || calls[0].Region != tt.wantRegion {
				t.Errorf("calls = %+v, want one in %s", calls, tt.wantRegion)
			}
		})
	}
}

func TestFrontRecordsKeyLastUse(t *testing.T) {
	inst := startSim(t, Options{})
	c := rpcCall{params: stsParams("GetCallerIdentity"), keyID: ciKeyID, secret: ciSecret}
	if status, body := c.do(t, inst); status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	inst.World.Lock()
	k := inst.World.Key(ciKeyID)
	used, service := k.LastUsed, k.LastUsedService
	inst.World.Unlock()
	if used.IsZero() || service != "sts" {
		t.Errorf("last use = %v %q, want now and sts", used, service)
	}

	bad := rpcCall{params: stsParams("GetCallerIdentity"), keyID: nobodyKeyID,
		secret: nobodySecret, badSig: true}
	bad.do(t, inst)
	inst.World.Lock()
	defer inst.World.Unlock()
	if !inst.World.Key(nobodyKeyID).LastUsed.IsZero() {
		t.Error("a call with a bad signature counted as a use of the key")
	}
}

func TestAdminUnreachableFromRPC(t *testing.T) {
	inst := startSim(t, Options{})

	// An RPC call whose parameters name admin paths is just an RPC call.
	c := rpcCall{params: map[string]string{"Action": "_sim/state", "Version": VersionRAM}}
	status, body := c.do(t, inst)
	if status != 404 || body["Code"] != "InvalidAction.NotFound" {
		t.Errorf("status %d: %v", status, body)
	}

	// A signed action sent to an admin path never runs.
	req, err := rpcCall{params: stsParams("AssumeRole")}.build(inst)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Path = "/_sim/calls"
	inst.ClearCalls()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(inst.Calls()) != 0 || resp.StatusCode != 404 {
		t.Errorf("admin path ran an action: status %d, calls %+v", resp.StatusCode, inst.Calls())
	}
}
