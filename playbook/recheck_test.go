package playbook

import (
	"context"
	"testing"
)

// countingStep counts the reads a setStep is asked for.
type countingStep struct {
	*setStep
	checks int
}

func (s *countingStep) Check(ctx context.Context) (Check, error) {
	s.checks++
	return s.setStep.Check(ctx)
}

// The plan's read is reused only while nothing can have changed the world
// since: no call applied and no person asked.
func TestRecheckOnlyWhenStale(t *testing.T) {
	tests := []struct {
		name       string
		confirm    bool
		wantChecks [2]int
	}{
		{"unattended", false, [2]int{1, 2}},
		{"confirmed by a person", true, [2]int{2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld("key", "Active", "role", "old")
			a := &countingStep{setStep: &setStep{w: w, name: "disable", key: "key", want: "Inactive"}}
			b := &countingStep{setStep: &setStep{w: w, name: "revoke", key: "role", want: "new"}}
			o := RunOptions{}
			if tt.confirm {
				o.Confirm = func(context.Context, Plan) (bool, error) { return true, nil }
			}
			res, err := openTest(t, t.TempDir()).Run(t.Context(), []Step{a, b}, o)
			if err != nil || res.Status != RunConverged {
				t.Fatalf("run: %v, %+v", err, res)
			}
			if got := [2]int{a.checks, b.checks}; got != tt.wantChecks {
				t.Fatalf("checks %v, want %v", got, tt.wantChecks)
			}
		})
	}
}
