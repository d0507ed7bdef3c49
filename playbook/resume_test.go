package playbook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// tornLine is the start of a record, as a write cut short leaves it.
const tornLine = `{"v":1,"seq":99,"time":"2026-03-01T12:00:00Z","run":"run-x","ki`

func appendRaw(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func summaryOf(t *testing.T, dir string) Summary {
	t.Helper()
	recs, err := ReadJournal(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	return Summarize(recs)
}

func TestResumeAfterCrashMatchesUninterruptedRun(t *testing.T) {
	tests := []struct {
		name       string
		step       int // the step whose call dies in flight
		crash      crash
		torn       bool // the killed process also left half a line
		resolution string
	}{
		{"first call never reached the cloud", 0, crashBefore, false, resolveRetry},
		{"second call never reached the cloud", 1, crashBefore, false, resolveRetry},
		{"second call took effect", 1, crashAfter, false, resolveNotNeeded},
		{"first call took effect, torn tail", 0, crashAfter, true, resolveNotNeeded},
		{"second call lost, torn tail", 1, crashBefore, true, resolveRetry},
	}
	ref := t.TempDir()
	if _, err := runOnce(t, ref, twoSteps(newWorld("key", "Active")), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	want := summaryOf(t, ref)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, w := t.TempDir(), newWorld("key", "Active")
			steps := twoSteps(w)
			steps[tt.step].(*setStep).crash = tt.crash
			runCrashing(t, dir, steps)
			path := filepath.Join(dir, JournalFile)
			if tt.torn {
				appendRaw(t, path, tornLine)
			}

			res, err := runOnce(t, dir, twoSteps(w), RunOptions{})
			if err != nil || res.Status != RunConverged {
				t.Fatalf("resumed run: %s, %v", res.Status, err)
			}
			if w.applyCount() != 2 {
				t.Errorf("the cloud saw %d calls, want each of 2 once", w.applyCount())
			}
			if got := summaryOf(t, dir); !reflect.DeepEqual(got, want) {
				t.Errorf("summary =\n%+v\nwant\n%+v", got, want)
			}
			if r := res.Steps[tt.step].Reason; !strings.Contains(r, "interrupted") {
				t.Errorf("reason of the step in doubt = %q", r)
			}
			checkResumed(t, path, tt.resolution, tt.torn)
		})
	}
}

// checkResumed finds the journal's account of the resume.
func checkResumed(t *testing.T, path, want string, torn bool) {
	t.Helper()
	if err := VerifyJournal(path); err != nil {
		t.Fatalf("verify journal: %v", err)
	}
	recs, _ := ReadJournal(path)
	ks := make([]string, len(recs))
	for i, r := range recs {
		ks[i] = r.Kind
	}
	if got := slices.Contains(ks, KindJournalRepaired); got != torn {
		t.Errorf("journal_repaired present = %v, want %v", got, torn)
	}

	i := slices.Index(ks, KindResumed)
	if i < 0 || resolution(recs[i]) != want {
		t.Fatalf("resumed record missing or not %s: %v", want, ks)
	}
	var started runStartedData
	for _, r := range slices.Backward(recs) {
		if r.Kind == KindRunStarted {
			_ = json.Unmarshal(r.Data, &started)
			break
		}
	}
	if started.ResumedRun == "" || started.ResumedRun != recs[0].Run || started.InDoubtCalls != 1 {
		t.Errorf("run_started of the resumed run = %+v", started)
	}
}
