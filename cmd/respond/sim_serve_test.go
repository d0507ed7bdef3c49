package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

type readyLine struct {
	Endpoint        string `json:"endpoint"`
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	CAFile          string `json:"ca_file"`
}

// startServe runs `respond sim serve` over plain http.
func startServe(t *testing.T, args ...string) (readyLine, *exec.Cmd) {
	t.Helper()
	r, cmd := startServeArgs(t, args...)
	if !strings.HasPrefix(r.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %q is not a loopback http URL", r.Endpoint)
	}
	return r, cmd
}

// startServeArgs runs `respond sim serve` as a child process and returns
// its ready line, parsed, and the process.
func startServeArgs(t *testing.T, args ...string) (readyLine, *exec.Cmd) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"sim", "serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "RESPOND_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v", err)
	}
	var r readyLine
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("ready line %q is not JSON: %v", line, err)
	}
	if r.Endpoint == "" || r.AccessKeyID == "" || r.AccessKeySecret == "" ||
		r.AccountID == "" {
		t.Fatalf("ready line incomplete: %q", line)
	}
	return r, cmd
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sim serve did not exit 0 on SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("sim serve did not stop on SIGTERM")
	}
}

func TestSimServeReadyLineAndState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	r, cmd := startServe(t, "--scenario", "../../testdata/scenarios/basic.json",
		"--state", state)

	host := strings.TrimPrefix(r.Endpoint, "http://")
	stsc, err := sts.NewClientWithAccessKey("cn-hangzhou", r.AccessKeyID, r.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	stsc.Domain = host
	id, err := stsc.GetCallerIdentity(sts.CreateGetCallerIdentityRequest())
	if err != nil {
		t.Fatalf("GetCallerIdentity with the ready line's key: %v", err)
	}
	if id.AccountId != r.AccountID || id.IdentityType != "RAMUser" {
		t.Fatalf("caller %+v, want a RAM user of account %s", id, r.AccountID)
	}

	ramc, err := ram.NewClientWithAccessKey("cn-hangzhou", r.AccessKeyID, r.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	ramc.Domain = host
	req := ram.CreateCreateUserRequest()
	req.UserName = "made-before-restart"
	if _, err := ramc.CreateUser(req); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file after stop: %v %v", fi, err)
	}

	// The world comes back from the state file, with the same credentials.
	r2, cmd2 := startServe(t, "--state", state)
	if r2.AccessKeyID != r.AccessKeyID || r2.AccountID != r.AccountID {
		t.Fatalf("restart changed the admin: %+v vs %+v", r2, r)
	}
	ramc.Domain = strings.TrimPrefix(r2.Endpoint, "http://")
	get := ram.CreateGetUserRequest()
	get.UserName = "made-before-restart"
	if _, err := ramc.GetUser(get); err != nil {
		t.Fatalf("user made before the restart is gone: %v", err)
	}
	stop(t, cmd2)
}

func TestSimServeTLS(t *testing.T) {
	dir := t.TempDir()
	r, cmd := startServeTLS(t, filepath.Join(dir, "state.json"))
	if r.CAFile == "" {
		t.Fatal("no ca_file in the ready line")
	}
	w := &world{t: t, dir: dir}
	w.t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", r.AccessKeyID)
	w.t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", r.AccessKeySecret)
	w.t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	w.t.Setenv("RESPOND_ENDPOINT", r.Endpoint)
	res := w.respond("key", "--dry-run", "--ca-file", r.CAFile, "--incident-dir",
		filepath.Join(dir, "inc"), "LTAI5tUnknownKeyId000000")
	// Unknown key: the call chain went through TLS and the cloud said no.
	if res.code != exitUsage || !strings.Contains(res.stderr, "not found") {
		t.Fatalf("over TLS: exit %d:\n%s", res.code, res.stderr)
	}
	res = w.respond("key", "--dry-run", "--incident-dir", filepath.Join(dir, "inc2"),
		"LTAI5tUnknownKeyId000000")
	if res.code == exitUsage || !strings.Contains(res.stderr, "certificate") {
		t.Fatalf("without the CA the TLS check must fail: exit %d:\n%s", res.code, res.stderr)
	}
	stop(t, cmd)
}

func startServeTLS(t *testing.T, state string) (readyLine, *exec.Cmd) {
	t.Helper()
	r, cmd := startServeArgs(t, "--tls", "--state", state)
	if !strings.HasPrefix(r.Endpoint, "https://") {
		t.Fatalf("--tls endpoint %s is not https", r.Endpoint)
	}
	return r, cmd
}
