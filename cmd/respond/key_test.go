package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/sim"
)

func TestKeyFreshRunDisablesOnlyThatKey(t *testing.T) {
	w := newWorld(t)
	r := w.respond(w.keyArgs("inc-1", "--yes", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
	}
	doc := decode(t, r.stdout)
	if doc["status"] != "converged" || doc["exit_code"] != float64(0) {
		t.Fatalf("status %v exit %v", doc["status"], doc["exit_code"])
	}
	if got := stepStatuses(t, doc)["disable-key"]; got != "done" {
		t.Fatalf("disable-key %q, want done", got)
	}
	if owner := doc["owner"].(map[string]any); owner["user_name"] != "ci-deploy" {
		t.Fatalf("owner %v", owner)
	}

	if s := w.keyStatus(leakedKey); s != "Inactive" {
		t.Fatalf("leaked key %s, want Inactive", s)
	}
	for _, other := range []string{siblingKey, responderKey, ownSiblingKey, limitedKey, rootKey} {
		if s := w.keyStatus(other); s != "Active" {
			t.Errorf("key %s is %s: only the leaked key may change", other, s)
		}
	}
	writes := w.writes()
	if len(writes) != 1 || writes[0].Action != "UpdateAccessKey" {
		t.Fatalf("mutating calls %+v, want exactly one UpdateAccessKey", writes)
	}
}

func TestKeySecondRunChangesNothing(t *testing.T) {
	w := newWorld(t)
	if r := w.respond(w.keyArgs("inc-1", "--yes", leakedKey)...); r.code != exitOK {
		t.Fatalf("first run exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"inc-1", "inc-2"} { // same incident, then a new one
		w.inst.ClearCalls()
		r := w.respond(w.keyArgs(name, "--yes", leakedKey)...)
		if r.code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
		}
		if got := stepStatuses(t, decode(t, r.stdout))["disable-key"]; got != "already_done" {
			t.Fatalf("%s: disable-key %q, want already_done", name, got)
		}
		if n := len(w.writes()); n != 0 {
			t.Fatalf("%s: %d mutating calls on a second run: %+v", name, n, w.writes())
		}
	}
}

func TestKeyDryRunOnlyReads(t *testing.T) {
	w := newWorld(t)
	r := w.respond(w.keyArgs("inc-dry", "--dry-run", "--delete", leakedKey)...)
	if r.code != exitPending {
		t.Fatalf("exit %d, want %d (changes pending): %s", r.code, exitPending, r.stderr)
	}
	if n := len(w.writes()); n != 0 {
		t.Fatalf("dry run made %d mutating calls", n)
	}
	if w.keyStatus(leakedKey) != "Active" {
		t.Fatal("dry run changed the key")
	}
	for _, want := range []string{`"UpdateAccessKey"`, `"DeleteAccessKey"`, `"Inactive"`,
		"irreversible"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan does not show %s:\n%s", want, r.stdout)
		}
	}

	// Once contained, a dry run has nothing pending.
	if r := w.respond(w.keyArgs("inc-real", "--yes", leakedKey)...); r.code != exitOK {
		t.Fatalf("real run exit %d: %s", r.code, r.stderr)
	}
	if r := w.respond(w.keyArgs("inc-dry2", "--dry-run", leakedKey)...); r.code != exitOK {
		t.Fatalf("dry run after containment: exit %d, want 0: %s", r.code, r.stdout)
	}
}

func TestKeyDeleteAndRerun(t *testing.T) {
	w := newWorld(t)
	r := w.respond(w.keyArgs("inc-del", "--yes", "--delete", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	if s := w.keyStatus(leakedKey); s != "deleted" {
		t.Fatalf("key %s, want deleted", s)
	}
	prof, _ := decode(t, r.stdout)["owner_profile"].(map[string]any)
	if prof["key_last_used"] == nil || prof["unreadable"] != nil {
		t.Fatalf("the deleted key's last use was lost: %v", prof)
	}
	var actions []string
	for _, c := range w.writes() {
		actions = append(actions, c.Action)
	}
	if strings.Join(actions, ",") != "UpdateAccessKey,DeleteAccessKey" {
		t.Fatalf("mutating calls %v, want disable then delete", actions)
	}

	w.inst.ClearCalls()
	r = w.respond(w.keyArgs("inc-del", "--yes", "--delete", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("re-run on the same incident: exit %d: %s", r.code, r.stdout)
	}
	if n := len(w.writes()); n != 0 {
		t.Fatalf("re-run made %d mutating calls", n)
	}
}

func TestKeyWithoutTerminalNeedsYes(t *testing.T) {
	w := newWorld(t)
	r := w.respond(w.keyArgs("inc-noyes", leakedKey)...)
	if r.code != exitRefused {
		t.Fatalf("exit %d, want %d", r.code, exitRefused)
	}
	if !strings.Contains(r.stdout+r.stderr, "--yes") {
		t.Fatalf("refusal does not say to pass --yes:\n%s\n%s", r.stdout, r.stderr)
	}
	if n := len(w.writes()); n != 0 || w.keyStatus(leakedKey) != "Active" {
		t.Fatalf("unconfirmed run changed state (%d writes)", n)
	}
}

func TestKeyGuards(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		extra []string
		code  int
		guard string
	}{
		{"own key", responderKey, nil, exitRefused, "own-key"},
		{"own key even forced", responderKey, []string{"--force"}, exitRefused, "own-key"},
		{"own user", ownSiblingKey, nil, exitRefused, "own-user"},
		{"own user forced", ownSiblingKey, []string{"--force"}, exitOK, ""},
		{"own user under an assumed role", ownSiblingKey, []string{"--assume-role",
			"acs:ram::" + accountID + ":role/incident-responder"}, exitRefused, "own-user"},
		{"own key under an assumed role", responderKey, []string{"--assume-role",
			"acs:ram::" + accountID + ":role/incident-responder", "--force"}, exitRefused, "own-key"},
		{"root key", rootKey, nil, exitRefused, "root-key"},
		{"root key forced", rootKey, []string{"--force"}, exitRefused, "root-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			args := w.keyArgs("inc-guard", append([]string{"--yes"}, tt.extra...)...)
			r := w.respond(append(args, tt.key)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.guard == "" {
				return
			}
			refusal, _ := decode(t, r.stdout)["refusal"].(map[string]any)
			if refusal["guard"] != tt.guard {
				t.Fatalf("refusal %v, want guard %s", refusal, tt.guard)
			}
			if n := len(w.writes()); n != 0 || w.keyStatus(tt.key) != "Active" {
				t.Fatalf("refused run changed state (%d writes)", n)
			}
		})
	}
}

func TestKeyBadInput(t *testing.T) {
	secret := "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0"
	tests := []struct {
		name    string
		args    func(w *world) []string
		code    int
		says    string
		mustNot string
	}{
		{"no id", func(w *world) []string { return w.keyArgs("i") }, exitUsage, "no AccessKey id", ""},
		{"empty id", func(w *world) []string { return w.keyArgs("i", "") }, exitUsage, "empty", ""},
		{"bad characters", func(w *world) []string { return w.keyArgs("i", "LTAI5t$bad!chars0000") },
			exitUsage, "letters and digits", ""},
		{"too short", func(w *world) []string { return w.keyArgs("i", "LTAI5tShort") },
			exitUsage, "16 to 24", ""},
		{"whitespace", func(w *world) []string { return w.keyArgs("i", "LTAI5t Leaked CiDeployKey") },
			exitUsage, "white space", ""},
		{"pasted secret", func(w *world) []string { return w.keyArgs("i", secret) },
			exitUsage, "secret", secret},
		{"sts id", func(w *world) []string { return w.keyArgs("i", "STS.NUgYrLnoC37mZZCNnAbCd") },
			exitRefused, "role", ""},
		{"unknown id", func(w *world) []string { return w.keyArgs("i", "LTAI5tUnknownKeyId000000") },
			exitUsage, "not found", ""},
		{"unreadable file", func(w *world) []string {
			return w.keyArgs("i", "--from-file", filepath.Join(w.dir, "missing.txt"))
		}, exitUsage, "missing.txt", ""},
		{"bad region", func(w *world) []string { return append(w.keyArgs("i", leakedKey), "--region", "x y") },
			exitUsage, "region", ""},
		{"bad output", func(w *world) []string { return append(w.keyArgs("i", leakedKey), "--output", "yaml") },
			exitUsage, "--output", ""},
		{"incident id with a path", func(w *world) []string {
			return []string{"key", "--output", "json", "--incident-id", "../escape", leakedKey}
		}, exitUsage, "--incident-id", ""},
		{"remote http endpoint", func(w *world) []string {
			return append(w.keyArgs("i", leakedKey), "--endpoint", "http://203.0.113.9:80")
		}, exitUsage, "loopback", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			r := w.respond(tt.args(w)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, tt.says) {
				t.Fatalf("message does not say %q:\n%s\n%s", tt.says, r.stdout, r.stderr)
			}
			if tt.says == "--output" {
				// --output itself was wrong: there is no JSON to speak.
			} else if doc := decode(t, r.stdout); doc["exit_code"] != float64(tt.code) {
				t.Fatalf("JSON exit_code %v, want %d", doc["exit_code"], tt.code)
			}
			if tt.mustNot != "" && strings.Contains(r.stdout+r.stderr, tt.mustNot) {
				t.Fatal("the pasted secret was echoed")
			}
			if n := len(w.writes()); n != 0 || w.keyStatus(leakedKey) != "Active" {
				t.Fatalf("bad input changed state (%d writes)", n)
			}
		})
	}
}

func TestKeyOfAnotherAccountIsNotFound(t *testing.T) {
	const foreignKey = "LTAI5tOtherAccountKey001"
	w := newWorldWith(t, func(sc *sim.Scenario) {
		sc.Accounts = append(sc.Accounts, sim.ScenarioAccount{ID: "6543210987654321",
			Users: []sim.ScenarioUser{{Name: "ci-deploy",
				Keys: []sim.ScenarioKey{{ID: foreignKey}}}}})
	})
	r := w.respond(w.keyArgs("inc-foreign", "--yes", foreignKey)...)
	if r.code != exitUsage || !strings.Contains(r.stdout, "another Alibaba Cloud account") {
		t.Fatalf("exit %d, want %d naming the other-account case:\n%s", r.code, exitUsage, r.stdout)
	}
	if n := len(w.writes()); n != 0 || w.keyStatus(foreignKey) != "Active" {
		t.Fatalf("another account's key was touched (%d writes)", n)
	}
}

func TestKeyIDsFromStdin(t *testing.T) {
	w := newWorld(t)
	t.Chdir(w.dir)
	var out, errb strings.Builder
	code := run([]string{"key", "--yes", "--incident-id", "stdin", "--from-file", "-"},
		streams{in: strings.NewReader(leakedKey + "\n"), out: &out, err: &errb})
	if code != exitOK || w.keyStatus(leakedKey) != "Inactive" {
		t.Fatalf("exit %d, key %s:\n%s", code, w.keyStatus(leakedKey), errb.String())
	}
}

func TestKeyIncidentDirProblems(t *testing.T) {
	w := newWorld(t)

	// A directory that cannot be created.
	blocker := filepath.Join(w.dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.respond("key", "--yes", "--incident-id", "i1", "--incident-dir",
		filepath.Join(blocker, "inc"), leakedKey)
	if r.code != exitUsage || !strings.Contains(r.stderr+r.stdout, "incident directory") {
		t.Fatalf("unwritable dir: exit %d:\n%s", r.code, r.stderr+r.stdout)
	}

	// A journal that belongs to another key.
	if r := w.respond(w.keyArgs("inc-a", "--yes", "--force", ownSiblingKey)...); r.code != exitOK {
		t.Fatalf("setup run: exit %d: %s", r.code, r.stdout)
	}
	w.inst.ClearCalls()
	r = w.respond(w.keyArgs("inc-a", "--yes", leakedKey)...)
	if r.code != exitUsage {
		t.Fatalf("other key's incident: exit %d, want %d:\n%s", r.code, exitUsage, r.stdout)
	}

	// A journal corrupted in the middle.
	journal := filepath.Join(w.incident("inc-a"), "journal.jsonl")
	b, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[1] = "{not json\n"
	if err := os.WriteFile(journal, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	r = w.respond(w.keyArgs("inc-a", "--yes", "--force", ownSiblingKey)...)
	if r.code != exitUsage || !strings.Contains(r.stdout+r.stderr, "corrupt") {
		t.Fatalf("corrupt journal: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(w.writes()); n != 0 || w.keyStatus(leakedKey) != "Active" {
		t.Fatalf("bad incident dir changed state (%d writes)", n)
	}
}

func TestKeyManyKeysEachOwnIncident(t *testing.T) {
	w := newWorld(t)
	list := filepath.Join(w.dir, "leaked.txt")
	content := "# from the scanner\n" + leakedKey + "\n\n" + siblingKey + "\n" + rootKey + "\n"
	if err := os.WriteFile(list, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(w.dir)
	r := w.respond("key", "--yes", "--output", "json", "--incident-id", "batch",
		"--from-file", list)
	// The root key is refused; the others are contained all the same.
	if r.code != exitRefused {
		t.Fatalf("exit %d, want %d (one refusal):\n%s", r.code, exitRefused, r.stdout)
	}
	doc := decode(t, r.stdout)
	if results := doc["results"].([]any); len(results) != 3 {
		t.Fatalf("%d results, want 3", len(results))
	}
	for _, k := range []string{leakedKey, siblingKey} {
		if w.keyStatus(k) != "Inactive" {
			t.Errorf("%s not disabled", k)
		}
		meta := filepath.Join(w.dir, "incidents", "batch-"+k, "journal.jsonl")
		if _, err := os.Stat(meta); err != nil {
			t.Errorf("no incident of its own for %s: %v", k, err)
		}
	}
}

func TestPolicyCommandPrintsEveryAction(t *testing.T) {
	w := newWorld(t)
	r := w.respond("policy")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range playbook.KeyPermissions() {
		if !strings.Contains(r.stdout, `"`+p.Action+`"`) {
			t.Errorf("policy lacks %s", p.Action)
		}
	}
}

func TestKeyWithoutCredentials(t *testing.T) {
	w := newWorld(t)
	w.as("", "")
	t.Setenv("HOME", w.dir) // no CLI profile or credentials file either
	r := w.respond(w.keyArgs("inc-nocred", "--yes", leakedKey)...)
	if r.code != exitAuth || !strings.Contains(r.stderr, "ALIBABA_CLOUD_ACCESS_KEY_ID") {
		t.Fatalf("exit %d, want %d with a hint:\n%s", r.code, exitAuth, r.stderr)
	}
	if _, err := os.Stat(w.incident("inc-nocred")); !os.IsNotExist(err) {
		t.Fatalf("an incident directory was made without credentials: %v", err)
	}
}

// --profile picks a named profile of the Alibaba CLI's config file.
func TestKeyWithCLIProfile(t *testing.T) {
	w := newWorld(t)
	w.as("", "")
	t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "")
	t.Setenv("HOME", w.dir)
	config := `{"current": "default", "profiles": [
		{"name": "default", "mode": "AK", "access_key_id": "LTAI5tWrongDefaultKey001",
		 "access_key_secret": "wrong", "region_id": "cn-hangzhou"},
		{"name": "incident", "mode": "AK", "access_key_id": "` + responderKey + `",
		 "access_key_secret": "` + responderSecret + `", "region_id": "cn-hangzhou"}]}`
	if err := os.MkdirAll(filepath.Join(w.dir, ".aliyun"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, ".aliyun", "config.json"), []byte(config),
		0o600); err != nil {
		t.Fatal(err)
	}
	r := w.respond(w.keyArgs("inc-profile", "--yes", "--profile", "incident", leakedKey)...)
	if r.code != exitOK || w.keyStatus(leakedKey) != "Inactive" {
		t.Fatalf("with --profile incident: exit %d:\n%s", r.code, r.stderr)
	}
	if caller := decode(t, r.stdout)["caller"].(map[string]any); caller["user_name"] != "responder" {
		t.Fatalf("acted as %v, want the profile's user", caller)
	}
}

// A write whose answer is lost is retried; the retry finds the work done.
func TestKeyLostAnswersAreRetried(t *testing.T) {
	for _, api := range []string{"UpdateAccessKey", "DeleteAccessKey"} {
		t.Run(api, func(t *testing.T) {
			w := newWorld(t)
			if err := w.inst.World.Faults.SetRule(api, sim.FaultRule{DropNext: 1,
				DropAfter: true}); err != nil {
				t.Fatal(err)
			}
			r := w.respond(w.keyArgs("inc-lost", "--yes", "--delete", leakedKey)...)
			if r.code != exitOK || w.keyStatus(leakedKey) != "deleted" {
				t.Fatalf("exit %d, key %s:\n%s", r.code, w.keyStatus(leakedKey), r.stdout)
			}
			if !strings.Contains(r.stdout, "key already gone") && api == "DeleteAccessKey" {
				t.Fatalf("the retried delete's answer is not explained:\n%s", r.stdout)
			}
		})
	}
}

// Once the owner itself is deleted, the incident still converges.
func TestKeyOwnerDeletedAfterwards(t *testing.T) {
	w := newWorld(t)
	if r := w.respond(w.keyArgs("inc-gone", "--yes", "--delete", leakedKey)...); r.code != exitOK {
		t.Fatalf("first run: exit %d: %s", r.code, r.stdout)
	}
	ws := w.inst.World
	ws.Lock()
	acct := ws.Accounts[accountID]
	ws.RemoveKey(siblingKey)
	delete(acct.Users, "ci-deploy")
	ws.Unlock()

	r := w.respond(w.keyArgs("inc-gone", "--yes", "--delete", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("re-run after the owner was deleted: exit %d:\n%s", r.code, r.stdout)
	}
	if n := len(w.writes()); n != 2 {
		t.Fatalf("%d mutating calls in all, want the first run's two", n)
	}
}

// The cloud is eventually consistent: after the disable, listings show the
// key Active for a while, and the run waits for it to read Inactive.
func TestKeyVerifyWaitsForConsistency(t *testing.T) {
	w := newWorld(t)
	w.inst.World.Faults.SetConsistencyDelay(1500 * time.Millisecond)
	r := w.respond(w.keyArgs("inc-slow", "--yes", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	lists := 0
	for _, c := range w.inst.Calls() {
		if c.Action == "ListAccessKeys" {
			lists++
		}
	}
	// The plan's read, then Verify until the listing catches up.
	if lists < 3 {
		t.Fatalf("%d ListAccessKeys calls: Verify did not wait for the listing", lists)
	}
	doc := decode(t, r.stdout)
	after := doc["run"].(map[string]any)["steps"].([]any)[0].(map[string]any)["after"]
	if after.(map[string]any)["status"] != "Inactive" {
		t.Fatalf("after %v, want Inactive", after)
	}
}

// An account owner responding with a root key: allowed, and the root key
// itself is still the responder's own.
func TestKeyAsRootResponder(t *testing.T) {
	w := newWorld(t)
	w.as(rootKey, "RootSecretRootSecretRootSecret")
	r := w.respond(w.keyArgs("inc-root", "--yes", leakedKey)...)
	if r.code != exitOK || w.keyStatus(leakedKey) != "Inactive" {
		t.Fatalf("root responder: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if c := decode(t, r.stdout)["caller"].(map[string]any); c["type"] != "Account" {
		t.Fatalf("caller %v, want the account", c)
	}
	r = w.respond(w.keyArgs("inc-root-own", "--yes", "--force", rootKey)...)
	if r.code != exitRefused || !strings.Contains(r.stdout, "own-key") {
		t.Fatalf("root key as its own responder: exit %d:\n%s", r.code, r.stdout)
	}
}
