package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// adminDo calls the admin API and returns the status and raw body.
func adminDo(t *testing.T, inst *Instance, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, inst.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func TestAdminState(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "deploy-role")
	secrets := []string{adminSecret, ciSecret, creds.AccessKeySecret, creds.SecurityToken}

	status, body := adminDo(t, inst, "GET", "/_sim/state", "")
	if status != 200 || !strings.Contains(body, ciKeyID) || !strings.Contains(body, creds.AccessKeyId) {
		t.Fatalf("state: %d %.200s", status, body)
	}
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Fatal("state dump without ?secrets=1 holds a secret")
		}
	}
	_, body = adminDo(t, inst, "GET", "/_sim/state?secrets=1", "")
	for _, s := range secrets {
		if !strings.Contains(body, s) {
			t.Fatal("state dump with ?secrets=1 lacks a secret")
		}
	}
}

func TestAdminCalls(t *testing.T) {
	inst := startSim(t, Options{})
	if _, err := stsClient(t, inst, ciKeyID, ciSecret, "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
		t.Fatal(err)
	}
	_, _ = stsClient(t, inst, ciKeyID, "bad", "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())

	status, body := adminDo(t, inst, "GET", "/_sim/calls", "")
	var got struct{ Calls []CallRecord }
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != 200 {
		t.Fatalf("calls: %d %v %s", status, err, body)
	}
	want := []CallRecord{
		{Product: "Sts", Action: "GetCallerIdentity", Version: VersionSTS, AccessKeyID: ciKeyID,
			Caller: "acs:ram::" + testAccount + ":user/ci-deploy", Region: "cn-hangzhou",
			Status: 200, RW: "Read"},
		{Product: "Sts", Action: "GetCallerIdentity", Version: VersionSTS, AccessKeyID: ciKeyID,
			Caller: "acs:ram::" + testAccount + ":user/ci-deploy", Region: "cn-hangzhou",
			Status: 400, ErrorCode: "SignatureDoesNotMatch", RW: "Read"},
	}
	if len(got.Calls) != len(want) {
		t.Fatalf("%d calls, want %d", len(got.Calls), len(want))
	}
	for i, c := range got.Calls {
		if c.RequestID == "" || c.Time.IsZero() {
			t.Errorf("call %d lacks request id or time", i)
		}
		c.RequestID, c.Time = "", time.Time{}
		if c != want[i] {
			t.Errorf("call %d = %+v\nwant %+v", i, c, want[i])
		}
	}
	if status, _ := adminDo(t, inst, "DELETE", "/_sim/calls", ""); status != 204 {
		t.Errorf("delete calls: %d", status)
	}
	if n := len(inst.Calls()); n != 0 {
		t.Errorf("%d calls after delete", n)
	}
}

func TestAdminEvents(t *testing.T) {
	inst := startSim(t, Options{})
	when := inst.Now().Add(-time.Hour).UTC().Format(timestampLayout)
	ev := `{"eventTime":"` + when + `","eventName":"Planted","acsRegion":"cn-shenzhen",` +
		`"isGlobal":false,"userIdentity":{"type":"ram-user","userName":"x"}}`
	tests := []struct {
		name, body string
		status     int
	}{
		{"array", "[" + ev + "]", 200},
		{"wrapped", `{"events":[` + ev + `]}`, 200},
		{"not json", `{`, 400},
		{"no time", `[{"eventName":"x"}]`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := adminDo(t, inst, "POST", "/_sim/events", tt.body); status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
		})
	}
	req := actiontrail.CreateLookupEventsRequest()
	req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
		{Key: "EventName", Value: "Planted"}}
	resp, err := trailClient(t, inst, "cn-shenzhen", adminKeyID, adminSecret, "").LookupEvents(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 2 {
		t.Fatalf("%d planted events, want 2", len(resp.Events))
	}
	ev0 := resp.Events[0]
	if ev0["eventId"] == "" || ev0["requestId"] == "" || ev0["recipientAccountId"] != testAccount {
		t.Errorf("generated fields missing: %v", ev0)
	}
}

func TestAdminFaults(t *testing.T) {
	inst := startSim(t, Options{})
	tests := []struct {
		name, method, body string
		status             int
	}{
		{"set", "PUT", `{"throttling":true,"apis":{"GetUser":{"error_rate":0.25}}}`, 200},
		{"unknown field", "PUT", `{"throttle":true}`, 400},
		{"bad rate", "PUT", `{"apis":{"*":{"drop_rate":2}}}`, 400},
		{"bad duration", "PUT", `{"consistency_delay":"soon"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := adminDo(t, inst, tt.method, "/_sim/faults", tt.body); status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
		})
	}
	_, body := adminDo(t, inst, "GET", "/_sim/faults", "")
	var cfg FaultConfig
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Throttling || cfg.APIs["GetUser"].ErrorRate != 0.25 {
		t.Errorf("faults = %+v", cfg)
	}
	if status, _ := adminDo(t, inst, "DELETE", "/_sim/faults", ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if c := inst.World.Faults.Config(); c.Throttling || len(c.APIs) != 0 {
		t.Errorf("faults after delete = %+v", c)
	}
}

func TestAdminClock(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "deploy-role")
	before := inst.Now()
	status, body := adminDo(t, inst, "POST", "/_sim/clock", `{"advance":"1h"}`)
	if status != 200 {
		t.Fatalf("advance: %d %s", status, body)
	}
	if d := inst.Now().Sub(before); d < time.Hour {
		t.Errorf("clock moved %s", d)
	}
	_, err := stsClient(t, inst, creds.AccessKeyId, creds.AccessKeySecret, creds.SecurityToken).
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	serverError(t, err, "InvalidSecurityToken.Expired", 400)

	for _, bad := range []string{`{"advance":"-1h"}`, `{"advance":"later"}`, `[`} {
		if status, _ := adminDo(t, inst, "POST", "/_sim/clock", bad); status != 400 {
			t.Errorf("%s: status %d", bad, status)
		}
	}
	if status, _ := adminDo(t, inst, "GET", "/_sim/nothing", ""); status != 404 {
		t.Errorf("unknown admin path: %d", status)
	}
	var m map[string]any
	_, body = adminDo(t, inst, "GET", "/_sim/clock", "")
	if err := json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&m); err != nil || m["now"] == nil {
		t.Errorf("clock: %s", body)
	}
}
