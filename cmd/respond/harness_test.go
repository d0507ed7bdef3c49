package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/sim"
)

// Keys of the test world. The responder's secret is a canary: no output,
// log line or incident file may ever contain it.
const (
	responderKey    = "LTAI5tResponderKey000001"
	responderSecret = "CANARYresponderSECRETvalue0001"
	leakedKey       = "LTAI5tLeakedCiDeployKey1"
	siblingKey      = "LTAI5tSiblingCiDeployKy2"
	ownSiblingKey   = "LTAI5tResponderSibling02"
	rootKey         = "LTAI5tRootAccountKey0001"
	limitedKey      = "LTAI5tLimitedResponder01"
	limitedSecret   = "CANARYlimitedSECRETvalue000001"
	accountID       = "1234567890123456"
)

// world is one emulator with the test scenario, and helpers to run the
// CLI against it in-process.
type world struct {
	t    *testing.T
	inst *sim.Instance
	dir  string
}

func testScenario() *sim.Scenario {
	created := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	return &sim.Scenario{
		Accounts: []sim.ScenarioAccount{{
			ID:       accountID,
			Alias:    "acme",
			RootKeys: []sim.ScenarioKey{{ID: rootKey, Secret: "RootSecretRootSecretRootSecret"}},
			Groups: []sim.ScenarioGroup{{Name: "ci",
				Policies: []sim.ScenarioAttachment{{Name: "AliyunOSSFullAccess", Type: "System"}}}},
			Users: []sim.ScenarioUser{
				{Name: "responder", Keys: []sim.ScenarioKey{
					{ID: responderKey, Secret: responderSecret, CreateDate: created},
					{ID: ownSiblingKey, CreateDate: created}},
					Policies: []sim.ScenarioAttachment{{Name: "AdministratorAccess", Type: "System"}}},
				{Name: "ci-deploy", DisplayName: "CI deploy bot",
					Keys: []sim.ScenarioKey{
						{ID: leakedKey, CreateDate: created, LastUsed: created.AddDate(0, 2, 0)},
						{ID: siblingKey, CreateDate: created}},
					LoginProfile: &sim.ScenarioLoginProfile{},
					Groups:       []string{"ci"},
					Policies:     []sim.ScenarioAttachment{{Name: "AliyunECSFullAccess", Type: "System"}}},
				{Name: "limited", Keys: []sim.ScenarioKey{
					{ID: limitedKey, Secret: limitedSecret, CreateDate: created}}},
			},
			Roles: []sim.ScenarioRole{{Name: "incident-responder",
				Policies: []sim.ScenarioAttachment{{Name: "AdministratorAccess", Type: "System"}}}},
		}},
		Admin: &sim.ScenarioAdmin{User: "responder", Key: responderKey},
	}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, nil)
}

// newWorldWith starts an emulator on the test scenario as changed by edit.
func newWorldWith(t *testing.T, edit func(*sim.Scenario)) *world {
	t.Helper()
	sc := testScenario()
	if edit != nil {
		edit(sc)
	}
	inst, err := sim.Start(context.Background(), sim.Options{Addr: "127.0.0.1:0",
		Scenario: sc, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = inst.Close(context.Background()) })
	w := &world{t: t, inst: inst, dir: t.TempDir()}
	w.as(responderKey, responderSecret)
	return w
}

// as makes the next runs sign with this key. The environment is the
// credential chain's first link, as for a real responder.
func (w *world) as(id, secret string) {
	w.t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", id)
	w.t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
	w.t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "")
	w.t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	w.t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	w.t.Setenv("RESPOND_ENDPOINT", w.inst.URL())
}

type result struct {
	stdout, stderr string
	code           int
}

// respond runs the CLI in-process, with no terminal on stdin.
func (w *world) respond(args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	code := run(args, streams{in: strings.NewReader(""), out: &out, err: &errb})
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// incident is a fresh incident directory for this test.
func (w *world) incident(name string) string {
	return filepath.Join(w.dir, name)
}

// keyArgs are the usual flags of a key run on incident name.
func (w *world) keyArgs(name string, extra ...string) []string {
	args := []string{"key", "--output", "json", "--incident-id", name,
		"--incident-dir", w.incident(name)}
	return append(args, extra...)
}

// writes returns the mutating calls the emulator answered since the last
// reset. The responder's own AssumeRole (--assume-role) is an event of
// kind Write but changes nothing in the account, so it is left out.
func (w *world) writes() []sim.CallRecord {
	var out []sim.CallRecord
	for _, c := range w.inst.Calls() {
		if c.RW == "Write" && c.Action != "AssumeRole" {
			out = append(out, c)
		}
	}
	return out
}

// keyStatus reads the emulator's ground truth: "Active", "Inactive" or
// "deleted".
func (w *world) keyStatus(id string) string {
	ws := w.inst.World
	ws.Lock()
	defer ws.Unlock()
	k := ws.Key(id)
	if k == nil {
		return "deleted"
	}
	return k.Status
}

func decode(t *testing.T, stdout string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	return doc
}

// stepStatuses maps step name to status in a key document.
func stepStatuses(t *testing.T, doc map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	runDoc, _ := doc["run"].(map[string]any)
	steps, _ := runDoc["steps"].([]any)
	for _, s := range steps {
		m := s.(map[string]any)
		out[m["name"].(string)] = m["status"].(string)
	}
	return out
}

// filesUnder returns the content of every file below dir.
func filesUnder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}
