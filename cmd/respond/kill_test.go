package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/sim"
)

// killPoint says when to SIGKILL a run: as soon as the journal holds a
// matching record.
type killPoint struct {
	name string
	kind string // journal record kind
	step string
}

// The points around both mutating calls of `respond key --delete`: before
// the call (its intent not yet written), with the call in flight (intent
// written, answer not), and after it (outcome written, verify in flight).
var killPoints = []killPoint{
	{"before disable", playbook.KindPlan, ""},
	{"disable in flight", playbook.KindIntent, "disable-key"},
	{"after disable", playbook.KindOutcome, "disable-key"},
	{"before delete", playbook.KindVerified, "disable-key"},
	{"delete in flight", playbook.KindIntent, "delete-key"},
	{"after delete", playbook.KindOutcome, "delete-key"},
}

func TestKeySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	want := uninterruptedSummary(t)

	for _, kp := range killPoints {
		t.Run(kp.name, func(t *testing.T) {
			w := newWorld(t)
			// Every call takes a while, so the kill lands inside the window
			// the journal shows.
			if err := w.inst.World.Faults.SetRule("*", sim.FaultRule{
				Latency: sim.Duration(150 * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
			args := w.keyArgs("inc-kill", "--yes", "--delete", leakedKey)
			journal := filepath.Join(w.incident("inc-kill"), "journal.jsonl")
			killed := runAndKill(t, args, journal, kp)
			if !killed {
				t.Fatalf("the run finished before reaching %q", kp.name)
			}

			w.inst.World.Faults.Reset()
			r := w.respond(args...)
			if r.code != exitOK {
				t.Fatalf("resume: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if s := w.keyStatus(leakedKey); s != "deleted" {
				t.Fatalf("key %s after resume, want deleted", s)
			}
			if s := w.keyStatus(siblingKey); s != "Active" {
				t.Fatalf("sibling key %s, want Active", s)
			}
			recs, err := playbook.ReadJournal(journal)
			if err != nil {
				t.Fatal(err)
			}
			if got := playbook.Summarize(recs); !reflect.DeepEqual(got, want) {
				t.Fatalf("journal summary after kill and resume:\n%+v\nwant (uninterrupted):\n%+v",
					got, want)
			}
			if err := playbook.VerifyJournal(journal); err != nil {
				t.Fatalf("journal chain broken: %v", err)
			}
		})
	}
}

func uninterruptedSummary(t *testing.T) playbook.Summary {
	t.Helper()
	w := newWorld(t)
	r := w.respond(w.keyArgs("inc-ref", "--yes", "--delete", leakedKey)...)
	if r.code != exitOK {
		t.Fatalf("reference run: exit %d: %s", r.code, r.stderr)
	}
	recs, err := playbook.ReadJournal(filepath.Join(w.incident("inc-ref"), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return playbook.Summarize(recs)
}

// runAndKill starts the CLI as a child process and SIGKILLs it when the
// journal's last record matches kp. It reports whether it killed.
func runAndKill(t *testing.T, args []string, journal string, kp killPoint) bool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "RESPOND_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	deadline := time.After(30 * time.Second)
	for {
		select {
		case <-done:
			t.Logf("child stderr:\n%s", stderr.String())
			return false
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("kill point %q never reached", kp.name)
		case <-time.After(2 * time.Millisecond):
		}
		if kp.reached(journal) {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return true
		}
	}
}

func (kp killPoint) matches(r playbook.Record) bool {
	// Each key step makes one call, so the step names the call.
	return r.Kind == kp.kind && (kp.step == "" || r.Step == kp.step)
}

// reached reports whether the journal holds a record matching kp. Every
// call takes the emulator's latency, so the run is still inside the window
// after that record when the poll sees it.
func (kp killPoint) reached(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r playbook.Record
		if json.Unmarshal(sc.Bytes(), &r) == nil && kp.matches(r) {
			return true
		}
	}
	return false
}
