package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/respond-sec/respond/sim"
)

// Two processes on one incident: the second is refused at once without
// --lock-wait, and with it waits, then finds the work done.
func TestKeySecondProcessOnSameIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	w := newWorld(t)
	if err := w.inst.World.Faults.SetRule("*", sim.FaultRule{
		Latency: sim.Duration(300 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	args := w.keyArgs("inc-lock", "--yes", leakedKey)
	first := child(t, args...)
	journal := filepath.Join(w.incident("inc-lock"), "journal.jsonl")
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(journal); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the first run never opened its incident")
		}
	}

	refused := w.respond(args...)
	if refused.code != exitRefused || !bytes.Contains([]byte(refused.stdout), []byte("lock")) {
		t.Fatalf("second run without --lock-wait: exit %d:\n%s", refused.code, refused.stdout)
	}

	waited := w.respond(append(args, "--lock-wait", "30s")...)
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if waited.code != exitOK {
		t.Fatalf("second run with --lock-wait: exit %d:\n%s", waited.code, waited.stdout)
	}
	if got := stepStatuses(t, decode(t, waited.stdout))["disable-key"]; got != "already_done" {
		t.Fatalf("disable-key %q after waiting, want already_done", got)
	}
	if n := len(w.writes()); n != 1 {
		t.Fatalf("%d mutating calls in all, want the first run's one", n)
	}
}

// child starts the CLI as a separate process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "RESPOND_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}
