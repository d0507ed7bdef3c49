package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// Fixed identities of the test scenario.
const (
	testAccount   = "1234567890123456"
	otherAccount  = "6543210987654321"
	adminKeyID    = "LTAI5tAdminKey000000001"
	adminSecret   = "adminSecret0000000000000000001"
	ciKeyID       = "LTAI5tCiDeployKey000001"
	ciSecret      = "ciSecret000000000000000000001"
	nobodyKeyID   = "LTAI5tNobodyKey00000001"
	nobodySecret  = "nobodySecret00000000000000001"
	offKeyID      = "LTAI5tInactiveKey000001"
	offSecret     = "offSecret000000000000000000001"
	rootKeyID     = "LTAI5tRootKey0000000001"
	rootSecret    = "rootSecret00000000000000000001"
	outsiderKeyID = "LTAI5tOutsiderKey000001"
	outsiderSec   = "outsiderSecret000000000000001"
)

func testScenario() *Scenario {
	ciOnly := `{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
		`"Principal":{"RAM":["acs:ram::` + testAccount + `:user/ci-deploy"]}}]}`
	external := `{"Version":"1","Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",` +
		`"Principal":{"RAM":"acs:ram::` + testAccount + `:root"},` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}]}`
	return &Scenario{
		Accounts: []ScenarioAccount{{
			ID: testAccount, Alias: "acme",
			RootKeys: []ScenarioKey{{ID: rootKeyID, Secret: rootSecret}},
			Users: []ScenarioUser{
				{Name: "admin", Keys: []ScenarioKey{{ID: adminKeyID, Secret: adminSecret}},
					Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}},
				{Name: "ci-deploy", Keys: []ScenarioKey{{ID: ciKeyID, Secret: ciSecret}},
					Policies: []ScenarioAttachment{{Name: "AliyunSTSAssumeRoleAccess"}}},
				{Name: "nobody", Keys: []ScenarioKey{{ID: nobodyKeyID, Secret: nobodySecret}}},
				{Name: "off", Keys: []ScenarioKey{{ID: offKeyID, Secret: offSecret,
					Status: "Inactive"}}},
			},
			Roles: []ScenarioRole{
				{Name: "deploy-role", MaxSessionDuration: 7200,
					Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}},
				{Name: "ci-only", TrustPolicy: PolicyText(ciOnly),
					Policies: []ScenarioAttachment{{Name: "ReadOnlyAccess"}}},
				{Name: "ext-role", TrustPolicy: PolicyText(external)},
			},
		}, {
			ID: otherAccount, Alias: "other",
			Users: []ScenarioUser{{Name: "outsider",
				Keys:     []ScenarioKey{{ID: outsiderKeyID, Secret: outsiderSec}},
				Policies: []ScenarioAttachment{{Name: "AdministratorAccess"}}}},
		}},
		Admin: &ScenarioAdmin{User: "admin"},
	}
}

// startSim runs an emulator for one test.
func startSim(t *testing.T, o Options) *Instance {
	t.Helper()
	if o.Scenario == nil && o.ScenarioFile == "" {
		o.Scenario = testScenario()
	}
	inst, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("start sim: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Close(context.Background()); err != nil {
			t.Errorf("close sim: %v", err)
		}
	})
	return inst
}

func stsClient(t *testing.T, inst *Instance, id, secret, token string) *sts.Client {
	t.Helper()
	var c *sts.Client
	var err error
	if token != "" {
		c, err = sts.NewClientWithStsToken("cn-hangzhou", id, secret, token)
	} else {
		c, err = sts.NewClientWithAccessKey("cn-hangzhou", id, secret)
	}
	if err != nil {
		t.Fatalf("sts client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

func ramClient(t *testing.T, inst *Instance, id, secret, token string) *ram.Client {
	t.Helper()
	var c *ram.Client
	var err error
	if token != "" {
		c, err = ram.NewClientWithStsToken("cn-hangzhou", id, secret, token)
	} else {
		c, err = ram.NewClientWithAccessKey("cn-hangzhou", id, secret)
	}
	if err != nil {
		t.Fatalf("ram client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

func trailClient(t *testing.T, inst *Instance, region, id, secret, token string) *actiontrail.Client {
	t.Helper()
	var c *actiontrail.Client
	var err error
	if token != "" {
		c, err = actiontrail.NewClientWithStsToken(region, id, secret, token)
	} else {
		c, err = actiontrail.NewClientWithAccessKey(region, id, secret)
	}
	if err != nil {
		t.Fatalf("actiontrail client: %v", err)
	}
	c.Domain = inst.Endpoint
	return c
}

// serverError asserts that err is the SDK's ServerError with code and status.
func serverError(t *testing.T, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a ServerError %s", err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("error = %s (%d) %q, want %s (%d)", se.ErrorCode(), se.HttpStatus(),
			se.Message(), code, status)
	}
	if se.RequestId() == "" || se.HostId() == "" {
		t.Errorf("error body lacks RequestId or HostId: %v", se)
	}
	return se
}

// assume calls AssumeRole as ci-deploy and returns the credentials.
func assume(t *testing.T, inst *Instance, role string) sts.Credentials {
	t.Helper()
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn = "acs:ram::" + testAccount + ":role/" + role
	req.RoleSessionName = "test-session"
	resp, err := stsClient(t, inst, ciKeyID, ciSecret, "").AssumeRole(req)
	if err != nil {
		t.Fatalf("assume %s: %v", role, err)
	}
	return resp.Credentials
}

func TestStartReadyLine(t *testing.T) {
	inst := startSim(t, Options{})
	ready := inst.Ready()
	if ready.Endpoint == "" || ready.AccountID != testAccount ||
		ready.AccessKeyID != adminKeyID || ready.AccessKeySecret != adminSecret {
		t.Fatalf("ready line = %+v", ready)
	}
	b, err := json.Marshal(ready)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"endpoint", "account_id", "access_key_id", "access_key_secret"} {
		if _, ok := m[k]; !ok {
			t.Errorf("ready line lacks %s: %s", k, b)
		}
	}
	if _, ok := m["ca_file"]; ok {
		t.Errorf("ready line without TLS has ca_file: %s", b)
	}
}

func TestStartDefaultAdmin(t *testing.T) {
	inst := startSim(t, Options{Scenario: &Scenario{Accounts: []ScenarioAccount{{}}}})
	resp, err := stsClient(t, inst, inst.AccessKeyID, inst.AccessKeySecret, "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil {
		t.Fatalf("get caller identity: %v", err)
	}
	if resp.Arn != "acs:ram::"+inst.AccountID+":user/sim-admin" {
		t.Errorf("arn = %s, want the sim-admin user", resp.Arn)
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	inst := startSim(t, Options{TLS: true, StateFile: filepath.Join(dir, "state.json")})
	if inst.CAFile == "" || inst.Ready().CAFile != inst.CAFile {
		t.Fatalf("CAFile = %q", inst.CAFile)
	}
	pemData, err := os.ReadFile(inst.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("CA file holds no certificate")
	}

	c := stsClient(t, inst, adminKeyID, adminSecret, "")
	c.SetTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}})
	req := sts.CreateGetCallerIdentityRequest()
	req.Scheme = "HTTPS"
	if _, err := c.GetCallerIdentity(req); err != nil {
		t.Fatalf("over TLS with the CA: %v", err)
	}

	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("https://" + inst.Endpoint + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("TLS without the CA was trusted")
	}
}
