package playbook

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// childEnv switches the test binary into the process that gets killed.
const childEnv = "PLAYBOOK_TEST_KILLED_CHILD_DIR"

// hangingStep announces its call on stdout and never returns from it.
type hangingStep struct{ setStep }

func (s *hangingStep) Apply(context.Context, Call) (Applied, error) {
	fmt.Println("applying")
	time.Sleep(time.Hour) // until the parent kills the process
	return Applied{}, nil
}

// TestKilledChild is the child of TestSIGKILLReleasesLockAndKeepsJournal.
func TestKilledChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as a child process")
	}
	inc, err := Open(context.Background(), OpenOptions{Dir: dir, IncidentID: "inc-test",
		Subject: testSubject, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	step := &hangingStep{setStep{w: newWorld("key", "Active"), name: "disable",
		key: "key", want: "Inactive"}}
	_, _ = inc.Run(context.Background(), []Step{step}, RunOptions{})
}

func TestSIGKILLReleasesLockAndKeepsJournal(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Block until the child is inside its call, holding the lock.
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "applying\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	_, err = Open(t.Context(), OpenOptions{Dir: dir})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("open while the child runs = %v, want locked by pid %d", err,
			cmd.Process.Pid)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	path := filepath.Join(dir, JournalFile)
	if err := VerifyJournal(path); err != nil {
		t.Fatalf("journal after the kill: %v", err)
	}
	w := newWorld("key", "Active")
	res, err := runOnce(t, dir, twoSteps(w)[:1], RunOptions{})
	if err != nil || res.Status != RunConverged {
		t.Fatalf("resumed run: %s, %v", res.Status, err)
	}
	checkResumed(t, path, resolveRetry, false)
}
