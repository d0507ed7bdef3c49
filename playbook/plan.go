package playbook

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// planData is the data of a plan record.
type planData struct {
	Reason string `json:"reason,omitempty"`
	Before any    `json:"before,omitempty"`
	Calls  []Call `json:"calls,omitempty"`
}

// planAll checks every step from the current state. A step that cannot be
// checked fails the run before anything is applied.
func (r *run) planAll(ctx context.Context, steps []Step) error {
	for i, s := range steps {
		if err := r.planStep(ctx, i, s); err != nil {
			r.fail(i, err)
			r.skipAfter(i)
			return err
		}
	}
	return nil
}

func (r *run) planStep(ctx context.Context, i int, s Step) error {
	name := s.Name()
	chk, err := s.Check(ctx)
	if err != nil {
		return fmt.Errorf("check step %s: %w", name, err)
	}

	ps := PlanStep{Name: name, Status: StepPending, Before: chk.Before, Calls: chk.Calls,
		Reason: r.doubtNote(name)}
	if len(chk.Calls) == 0 {
		ps.Status, ps.Reason = StepAlreadyDone, joinNotes(r.doneReason(name), ps.Reason)
	}
	r.plan.Steps = append(r.plan.Steps, ps)

	sr := &r.res.Steps[i]
	sr.Status, sr.Reason, sr.Before = ps.Status, ps.Reason, ps.Before
	for n, c := range chk.Calls {
		sr.Calls = append(sr.Calls, CallResult{Call: c, CallID: callID(name, n)})
	}

	_, err = r.write(Record{Kind: KindPlan, Step: name, Status: ps.Status},
		planData{Reason: ps.Reason, Before: ps.Before, Calls: ps.Calls})
	return err
}

func callID(step string, n int) string { return fmt.Sprintf("%s#%d", step, n+1) }

// doneReason says why a step needs nothing.
func (r *run) doneReason(step string) string {
	if run := r.inc.verifiedIn(step); run != "" && run != r.id {
		return "verified in run " + run
	}
	return "desired state already holds"
}

// doubtNote tells the person confirming the plan about calls an earlier
// run left in doubt.
func (r *run) doubtNote(step string) string {
	var notes []string
	for _, d := range r.inc.doubtsOf(step, r.id) {
		notes = append(notes, fmt.Sprintf("call %s of run %s was interrupted; "+
			"a fresh check decides whether it is made again", d.CallID, d.Run))
	}
	return strings.Join(notes, "; ")
}

// allows reports ErrPlanDrift unless every call is one the plan holds for
// the step. Fewer calls are fine: part of the work may be done already.
func (ps PlanStep) allows(calls []Call) error {
	left := slices.Clone(ps.Calls)
	for _, c := range calls {
		i := slices.IndexFunc(left, c.same)
		if i < 0 {
			return fmt.Errorf("%w: %s %s was not confirmed", ErrPlanDrift, c.Service,
				c.Action)
		}
		left = slices.Delete(left, i, i+1)
	}
	return nil
}

func (r *run) fail(i int, err error) {
	sr := &r.res.Steps[i]
	sr.Status, sr.Error = StepFailed, errorInfo(err)
	r.log.Warn().Str("step", sr.Name).Err(err).Msg("step failed")
}

// skipAfter marks the steps after i skipped: containment steps build on
// each other, so none runs after one failed.
func (r *run) skipAfter(i int) {
	for j := i + 1; j < len(r.res.Steps); j++ {
		sr := &r.res.Steps[j]
		sr.Status, sr.Reason = StepSkipped, "step "+r.res.Steps[i].Name+" failed"
		sr.Calls = nil
	}
}
