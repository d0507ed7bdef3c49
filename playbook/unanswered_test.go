package playbook

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// lostAnswer makes the change, then reports that no answer came, as a
// connection that fails on the way back does.
type lostAnswer struct {
	*setStep
	err error
}

type noAnswerErr struct{}

func (noAnswerErr) Error() string  { return "connection reset: no answer" }
func (noAnswerErr) NoAnswer() bool { return true }

func (s lostAnswer) Apply(ctx context.Context, c Call) (Applied, error) {
	s.w.apply(c.Params["key"], c.Params["to"], nil)
	return Applied{}, s.err
}

// A call that got no answer, or was interrupted, is journaled as unknown
// and stays in doubt: the next run's check decides, and the incident
// summarises like one that ran through.
func TestUnansweredCallStaysInDoubt(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"no answer", noAnswerErr{}},
		{"interrupted", fmt.Errorf("call UpdateAccessKey: %w", context.Canceled)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld("key", "Active", "role", "old")
			ref := newWorld("key", "Active", "role", "old")
			refInc := openTest(t, t.TempDir())
			if _, err := refInc.Run(t.Context(), twoSteps(ref), RunOptions{}); err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			inc := openTest(t, dir)
			first := twoSteps(w)
			first[0] = lostAnswer{first[0].(*setStep), tt.err}
			res, err := inc.Run(t.Context(), first, RunOptions{})
			if err == nil || res.Status != RunPartial {
				t.Fatalf("first run: %v, %+v", err, res)
			}
			if got := outcomeStatuses(t, inc.JournalPath()); !reflect.DeepEqual(got,
				[]string{outcomeUnknown}) {
				t.Fatalf("outcome statuses %v, want [unknown]", got)
			}

			res, err = inc.Run(t.Context(), twoSteps(w), RunOptions{})
			if err != nil || res.Status != RunConverged {
				t.Fatalf("second run: %v, %+v", err, res)
			}
			if w.applyCount() != 2 {
				t.Fatalf("%d applies, want the lost one and revoke's", w.applyCount())
			}
			got := summarizeFile(t, inc.JournalPath())
			want := summarizeFile(t, refInc.JournalPath())
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("summary %+v\nwant %+v", got, want)
			}
		})
	}
}

func outcomeStatuses(t *testing.T, path string) []string {
	t.Helper()
	recs, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Kind == KindOutcome {
			out = append(out, r.Status)
		}
	}
	return out
}

func summarizeFile(t *testing.T, path string) Summary {
	t.Helper()
	recs, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	return Summarize(recs)
}
