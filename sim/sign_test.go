package sim

import (
	"net/http"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
)

func TestSignV1Vectors(t *testing.T) {
	tests := []struct {
		name, method, secret string
		params               map[string]string
		wantSTS, wantSig     string
	}{
		{
			name: "A documentation example", method: "GET", secret: "testsecret",
			params: map[string]string{
				"AccessKeyId": "testid", "Action": "CreateUser", "Format": "JSON",
				"SignatureMethod":  "HMAC-SHA1",
				"SignatureNonce":   "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2",
				"SignatureVersion": "1.0", "Timestamp": "2015-08-18T03:15:45Z",
				"UserName": "test", "Version": "2015-05-01",
			},
			wantSTS: "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON" +
				"%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-" +
				"b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z" +
				"%26UserName%3Dtest%26Version%3D2015-05-01",
			wantSig: "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
		},
		{
			name: "B SDK style", method: "POST", secret: "secret",
			params: map[string]string{
				"AccessKeyId": "STS.AKID", "Action": "GetRole", "Format": "JSON",
				"RegionId": "cn-hangzhou", "RoleName": "a b*c~d+e/f", "SecurityToken": "TOKEN",
				"SignatureMethod": "HMAC-SHA1",
				"SignatureNonce":  "0123456789abcdef0123456789abcdef",
				"SignatureType":   "", "SignatureVersion": "1.0",
				"Timestamp": "2024-01-02T03:04:05Z", "Version": "2015-05-01",
				"Signature": "ignored",
			},
			wantSTS: "POST&%2F&AccessKeyId%3DSTS.AKID%26Action%3DGetRole%26Format%3DJSON" +
				"%26RegionId%3Dcn-hangzhou%26RoleName%3Da%2520b%252Ac~d%252Be%252Ff" +
				"%26SecurityToken%3DTOKEN%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce" +
				"%3D0123456789abcdef0123456789abcdef%26SignatureType%3D%26SignatureVersion" +
				"%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2015-05-01",
			wantSig: "c9fNNxwG0lBnpT/1MfqpKKnUd/A=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts := StringToSignV1(tt.method, tt.params)
			if sts != tt.wantSTS {
				t.Fatalf("string to sign\n got %s\nwant %s", sts, tt.wantSTS)
			}
			if sig := SignV1(tt.secret, sts); sig != tt.wantSig {
				t.Fatalf("signature = %s, want %s", sig, tt.wantSig)
			}
			p := copyParams(tt.params)
			p["Signature"] = tt.wantSig
			if err := verifyV1(tt.method, p, tt.secret); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := verifyV1(tt.method, p, tt.secret+"x"); err == nil ||
				err.Code != "SignatureDoesNotMatch" {
				t.Fatalf("wrong secret verified: %v", err)
			}
		})
	}
}

// The expected values below were computed with an independent script
// (Python hashlib/hmac) from the rules of reference §1.8.
func TestSignV3Vector(t *testing.T) {
	h := http.Header{}
	h.Set("x-acs-action", "GetRole")
	h.Set("x-acs-version", "2015-05-01")
	h.Set("x-acs-date", "2024-01-02T03:04:05Z")
	h.Set("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef")
	h.Set("x-acs-content-sha256", emptyPayloadHash)
	in := v3Input{
		Method: "POST", Path: "/", Host: "ram.aliyuncs.com", Header: h,
		Query: map[string]string{"RoleName": "a b*c~d+e/f", "MaxItems": "10"},
		Signed: []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
			"x-acs-signature-nonce", "x-acs-version"},
		PayloadHash: emptyPayloadHash,
	}
	sts := StringToSignV3(canonicalRequestV3(in))
	const wantSTS = "ACS3-HMAC-SHA256\n" +
		"b7f02086d741e2dd8ea63da02aba4feef9b53ae5d8cf85fd34f69b50517db6c7"
	if sts != wantSTS {
		t.Fatalf("string to sign = %q, want %q", sts, wantSTS)
	}
	const wantSig = "1c564b109ee933904e51ad00d6ece0bf6b712d24be7a80836fb182aa9845b08a"
	if sig := SignV3("secret", sts); sig != wantSig {
		t.Fatalf("signature = %s, want %s", sig, wantSig)
	}
	auth, err := parseV3Authorization("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=" +
		"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;" +
		"x-acs-version,Signature=" + wantSig)
	if err != nil {
		t.Fatalf("parse authorization: %v", err)
	}
	if e := verifyV3(in, auth, "secret"); e != nil {
		t.Fatalf("verify: %v", e)
	}
	if e := verifyV3(in, auth, "other"); e == nil {
		t.Fatal("wrong secret verified")
	}
}

func TestParseV3Authorization(t *testing.T) {
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"complete", "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ab", true},
		{"other algorithm", "ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=ab", false},
		{"no signature", "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host", false},
		{"no credential", "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=ab", false},
		{"garbage part", "ACS3-HMAC-SHA256 Credential=AK,junk,Signature=ab", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseV3Authorization(tt.header); (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b"},
		{"*", "%2A"},
		{"+/=", "%2B%2F%3D"},
		{"é", "%C3%A9"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := percentEncode(tt.in); got != tt.want {
				t.Fatalf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func copyParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// v3Call calls an action with the darabonba OpenAPI client, which signs
// with ACS3-HMAC-SHA256.
func v3Call(t *testing.T, inst *Instance, id, secret, token, action, version string,
	query, body map[string]string) (map[string]any, error) {
	t.Helper()
	cfg := &openapi.Config{
		AccessKeyId: dara.String(id), AccessKeySecret: dara.String(secret),
		Endpoint: dara.String(inst.Endpoint), Protocol: dara.String("HTTP"),
		RegionId: dara.String("cn-hangzhou"),
	}
	if token != "" {
		cfg.SecurityToken = dara.String(token)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("openapi client: %v", err)
	}
	params := &openapi.Params{
		Action: dara.String(action), Version: dara.String(version),
		Protocol: dara.String("HTTP"), Pathname: dara.String("/"),
		Method: dara.String("POST"), AuthType: dara.String("AK"),
		Style: dara.String("RPC"), ReqBodyType: dara.String("formData"),
		BodyType: dara.String("json"),
	}
	q := map[string]*string{}
	for k, v := range query {
		q[k] = dara.String(v)
	}
	req := &openapi.OpenApiRequest{Query: q}
	if body != nil {
		req.Body = dara.ToMap(body)
	}
	runtime := &dara.RuntimeOptions{}
	return c.CallApi(params, req, runtime)
}

func TestSignV3ThroughOpenAPIClient(t *testing.T) {
	inst := startSim(t, Options{})
	t.Run("caller identity", func(t *testing.T) {
		resp, err := v3Call(t, inst, ciKeyID, ciSecret, "", "GetCallerIdentity", VersionSTS,
			nil, nil)
		if err != nil {
			t.Fatalf("v3 call: %v", err)
		}
		body, _ := resp["body"].(map[string]any)
		if body["IdentityType"] != "RAMUser" {
			t.Errorf("answer = %v", resp)
		}
	})
	t.Run("query and form body, then STS credentials", func(t *testing.T) {
		resp, err := v3Call(t, inst, ciKeyID, ciSecret, "", "AssumeRole", VersionSTS,
			map[string]string{"RoleSessionName": "v3-session"},
			map[string]string{"RoleArn": "acs:ram::" + testAccount + ":role/deploy-role"})
		if err != nil {
			t.Fatalf("v3 assume role: %v", err)
		}
		creds := resp["body"].(map[string]any)["Credentials"].(map[string]any)
		resp, err = v3Call(t, inst, creds["AccessKeyId"].(string),
			creds["AccessKeySecret"].(string), creds["SecurityToken"].(string),
			"GetUser", VersionRAM, map[string]string{"UserName": "ci-deploy"}, nil)
		if err != nil {
			t.Fatalf("v3 call with STS credentials: %v", err)
		}
		if resp["body"].(map[string]any)["User"] == nil {
			t.Errorf("answer = %v", resp)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := v3Call(t, inst, ciKeyID, "nope", "", "GetCallerIdentity", VersionSTS,
			nil, nil)
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
		}
	})
}
