package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestFreshRunConverges(t *testing.T) {
	dir := t.TempDir()
	w := newWorld("key", "Active", "role", "old")
	inc := openTest(t, dir)
	owner := map[string]string{"user": "ci"}
	if err := inc.Record(t.Context(), "key_owner", owner); err != nil {
		t.Fatal(err)
	}

	res, err := inc.Run(t.Context(), twoSteps(w), RunOptions{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.Status != RunConverged {
		t.Errorf("status = %s, want converged", res.Status)
	}
	wantSteps(t, res, "disable=done", "revoke=done")
	if w.get("key") != "Inactive" || w.applyCount() != 2 {
		t.Errorf("world = %v after %d applies", w.vals, w.applyCount())
	}
	c := res.Steps[0].Calls
	if len(c) != 1 || c[0].RequestID == "" || c[0].CallID != "disable#1" {
		t.Errorf("calls of disable = %+v, want one with a request id", c)
	}
	if res.Steps[0].After != "Inactive" || res.Steps[0].Before != "Active" {
		t.Errorf("before/after = %v/%v", res.Steps[0].Before, res.Steps[0].After)
	}
	if len(res.Findings) != 1 || res.Findings[0].Name != "key_owner" {
		t.Errorf("findings = %+v", res.Findings)
	}

	want := []string{KindFinding, KindRunStarted, KindPlan, KindPlan,
		KindIntent, KindOutcome, KindVerified, KindStepStatus,
		KindIntent, KindOutcome, KindVerified, KindStepStatus, KindRunFinished}
	if got := kinds(t, inc.JournalPath()); !slices.Equal(got, want) {
		t.Errorf("journal kinds =\n%v\nwant\n%v", got, want)
	}
	if err := VerifyJournal(inc.JournalPath()); err != nil {
		t.Errorf("verify journal: %v", err)
	}
}

func TestSecondRunIsAlreadyDone(t *testing.T) {
	dir := t.TempDir()
	w := newWorld("key", "Active")
	first, err := runOnce(t, dir, twoSteps(w), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := w.applyCount()

	confirmed := false
	res, err := runOnce(t, dir, twoSteps(w), RunOptions{
		Confirm: func(context.Context, Plan) (bool, error) {
			confirmed = true
			return true, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.applyCount() != before {
		t.Errorf("second run made %d calls, want none", w.applyCount()-before)
	}
	if confirmed {
		t.Error("nothing was pending, yet confirmation was asked")
	}
	for _, s := range res.Steps {
		want := "verified in run " + first.RunID
		if s.Status != StepAlreadyDone || s.Reason != want {
			t.Errorf("step %s = %s (%s), want already_done (%s)", s.Name, s.Status,
				s.Reason, want)
		}
	}
	if res.Status != RunConverged {
		t.Errorf("status = %s", res.Status)
	}
}

func TestWorldChangedAfterVerifiedRun(t *testing.T) {
	dir := t.TempDir()
	w := newWorld("key", "Active")
	if _, err := runOnce(t, dir, twoSteps(w), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	w.set("key", "Active") // someone turned it back on

	res, err := runOnce(t, dir, twoSteps(w), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantSteps(t, res, "disable=done", "revoke=already_done")
	if w.get("key") != "Inactive" {
		t.Error("the key was not disabled again")
	}
}

func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	w := newWorld("key", "Active", "role", "recreated")

	res, err := runOnce(t, dir, twoSteps(w), RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.applyCount() != 0 {
		t.Fatalf("dry run made %d calls", w.applyCount())
	}
	if res.Status != RunPending || !res.DryRun {
		t.Errorf("status = %s dry_run=%v, want pending dry run", res.Status, res.DryRun)
	}
	wantSteps(t, res, "disable=pending", "revoke=already_done")
	if c := res.Steps[0].Calls; len(c) != 1 || c[0].Call.Action != "Set" {
		t.Errorf("planned calls = %+v", c)
	}
	path := filepath.Join(dir, JournalFile)
	want := []string{KindRunStarted, KindPlan, KindPlan, KindRunFinished}
	if got := kinds(t, path); !slices.Equal(got, want) {
		t.Errorf("dry run journaled %v, want %v", got, want)
	}

	// The dry run must not pass for work done.
	res, err = runOnce(t, dir, twoSteps(w), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps[0].Status != StepDone || w.applyCount() != 1 {
		t.Errorf("real run after dry run: %v, %d calls", statuses(res), w.applyCount())
	}
}

func TestFailureStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	w := newWorld()
	fail := &cloudErr{code: "EntityNotExist.Role", req: "req-cloud-9"}
	steps := []Step{
		&setStep{w: w, name: "disable", key: "key", want: "Inactive"},
		&setStep{w: w, name: "delete-role", key: "role", want: "gone", fail: fail},
		&setStep{w: w, name: "recreate-role", key: "role2", want: "new"},
	}

	res, err := runOnce(t, dir, steps, RunOptions{})
	var ce CloudError
	if !errors.As(err, &ce) || ce.RequestID() != "req-cloud-9" {
		t.Fatalf("error = %v, want the cloud error", err)
	}
	if res.Status != RunPartial {
		t.Errorf("status = %s, want partial", res.Status)
	}
	wantSteps(t, res, "disable=done", "delete-role=failed", "recreate-role=skipped")
	if w.get("role2") != "" {
		t.Error("the step after the failed one was applied")
	}
	e := res.Steps[1].Error
	if e == nil || e.Code != "EntityNotExist.Role" || e.RequestID != "req-cloud-9" {
		t.Errorf("step error = %+v", e)
	}

	recs, _ := ReadJournal(filepath.Join(dir, JournalFile))
	i := slices.IndexFunc(recs, func(r Record) bool {
		return r.Kind == KindOutcome && r.Step == "delete-role"
	})
	if i < 0 || recs[i].Error == nil || recs[i].Error.RequestID != "req-cloud-9" {
		t.Errorf("outcome record of the failed call lacks its request id")
	}
	if s := Summarize(recs); s.Steps[2].Status != StepSkipped {
		t.Errorf("summary = %+v", s)
	}
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name    string
		answer  bool
		err     error
		status  string
		wantErr error
	}{
		{"refused", false, nil, RunRefused, ErrNotConfirmed},
		{"confirm fails", false, errBoom, RunFailed, errBoom},
		{"accepted", true, nil, RunConverged, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld("key", "Active")
			var shown Plan
			res, err := runOnce(t, t.TempDir(), twoSteps(w), RunOptions{
				Confirm: func(_ context.Context, p Plan) (bool, error) {
					shown = p
					return tt.answer, tt.err
				},
			})
			if !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if res.Status != tt.status {
				t.Errorf("status = %s, want %s", res.Status, tt.status)
			}
			if !shown.Pending() || len(shown.Steps) != 2 || shown.RunID != res.RunID {
				t.Errorf("plan shown = %+v", shown)
			}
			if applied := w.applyCount() > 0; applied != tt.answer {
				t.Errorf("applied = %v with answer %v", applied, tt.answer)
			}
		})
	}
}

func TestPlanDrift(t *testing.T) {
	dir := t.TempDir()
	w := newWorld("key", "Active")
	res, err := runOnce(t, dir, twoSteps(w), RunOptions{
		Confirm: func(context.Context, Plan) (bool, error) {
			w.set("key", "Suspended") // the world moves while a person reads
			return true, nil
		},
	})
	if !errors.Is(err, ErrPlanDrift) {
		t.Fatalf("error = %v, want plan drift", err)
	}
	if w.applyCount() != 0 {
		t.Errorf("%d calls made despite the drift", w.applyCount())
	}
	wantSteps(t, res, "disable=failed", "revoke=skipped")
	if res.Status != RunPartial {
		t.Errorf("status = %s, want partial", res.Status)
	}
	if e := res.Steps[0].Error; e == nil || e.Code != "plan_drift" {
		t.Errorf("step error = %+v, want code plan_drift", e)
	}
}

func TestFewerCallsThanPlannedIsNoDrift(t *testing.T) {
	w := newWorld("key", "Active")
	res, err := runOnce(t, t.TempDir(), twoSteps(w), RunOptions{
		Confirm: func(context.Context, Plan) (bool, error) {
			w.set("role", "recreated") // someone else did that part
			return true, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSteps(t, res, "disable=done", "revoke=already_done")
}

func TestPlanningFailureAppliesNothing(t *testing.T) {
	w := newWorld("key", "Active")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	inc := openTest(t, t.TempDir())
	res, err := inc.Run(ctx, twoSteps(w), RunOptions{})
	if !errors.Is(err, context.Canceled) || res.Status != RunFailed {
		t.Fatalf("%s, %v: want failed, canceled", res.Status, err)
	}
	wantSteps(t, res, "disable=failed", "revoke=skipped")
	if res.Error == nil || res.Error.Code != "canceled" {
		t.Errorf("result error = %+v", res.Error)
	}
}

func TestVerifyRetries(t *testing.T) {
	other := errors.New("read failed")
	tests := []struct {
		name      string
		lag       int
		verifyErr error
		status    string
		verifies  int
	}{
		{"converges on the third try", 2, nil, StepDone, 3},
		// Waits of 1, 2, 4 and the last 3 s: five tries, the last at the deadline.
		{"never converges", 1000, nil, StepFailed, 5},
		{"other errors fail at once", 0, other, StepFailed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld("key", "Active")
			s := &setStep{w: w, name: "disable", key: "key", want: "Inactive", lag: tt.lag,
				verifyErr: tt.verifyErr}
			res, err := runOnce(t, t.TempDir(), []Step{s}, RunOptions{
				VerifyTimeout: 10 * time.Second, VerifyBackoff: time.Second,
				VerifyMaxBackoff: 4 * time.Second})
			if res.Steps[0].Status != tt.status {
				t.Errorf("status = %s (%v), want %s", res.Steps[0].Status, err, tt.status)
			}
			if s.verifies != tt.verifies {
				t.Errorf("verify called %d times, want %d", s.verifies, tt.verifies)
			}
			if tt.lag == 1000 && !errors.Is(err, ErrNotConverged) {
				t.Errorf("error = %v, want not converged", err)
			}
		})
	}
}

func TestResultJSONIsStable(t *testing.T) {
	w := newWorld("key", "Active")
	res, err := runOnce(t, t.TempDir(), twoSteps(w)[:1], RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"incident_id":"inc-test"`, `"run_id":"run-`,
		`"status":"converged"`, `"steps":[{"name":"disable","status":"done"`,
		`"call_id":"disable#1"`, `"request_id":"req-1"`, `"journal_head":"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("result JSON lacks %s:\n%s", field, b)
		}
	}
}

// TestLogsCarryNoPayload plants a canary in what a step reads and in its
// call's parameters: the journal keeps them, the log at debug level must not.
func TestLogsCarryNoPayload(t *testing.T) {
	const canary = "CANARY-7f3c9e"
	var logs strings.Builder
	dir := t.TempDir()
	inc, err := Open(t.Context(), OpenOptions{Dir: dir, Subject: testSubject,
		Logger: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()

	w := newWorld("key", canary)
	steps := []Step{&setStep{w: w, name: "disable", key: "key", want: "Inactive", lag: 1}}
	o := RunOptions{VerifyBackoff: time.Millisecond}
	if _, err := inc.Run(t.Context(), steps, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"call_id":"disable#1"`) {
		t.Fatalf("debug log lacks the call:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("log holds the step's payload:\n%s", logs.String())
	}
}
