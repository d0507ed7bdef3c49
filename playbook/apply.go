package playbook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// applyAll converges the steps in order and stops at the first failure.
func (r *run) applyAll(ctx context.Context, steps []Step) error {
	for i, s := range steps {
		err := r.converge(ctx, i, s)
		if err != nil {
			r.fail(i, err)
			r.skipAfter(i)
		}
		if serr := r.settle(i); serr != nil || err != nil {
			return errors.Join(err, serr)
		}
		r.log.Info().Str("step", s.Name()).Str("status", r.res.Steps[i].Status).
			Msg("step settled")
	}
	return nil
}

// converge re-checks a step, makes the calls the check asks for (each one
// part of the confirmed plan), and verifies the result.
func (r *run) converge(ctx context.Context, i int, s Step) error {
	name, sr := s.Name(), &r.res.Steps[i]
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("step %s: %w", name, err)
	}
	chk, err := r.recheck(ctx, i, s)
	if err != nil {
		return fmt.Errorf("check step %s: %w", name, err)
	}
	sr.Before, sr.Calls = chk.Before, nil
	if err := r.plan.Steps[i].allows(chk.Calls); err != nil {
		return fmt.Errorf("step %s: %w", name, err)
	}
	note, err := r.resolveDoubts(name, chk.Calls)
	if err != nil {
		return err
	}

	if len(chk.Calls) == 0 {
		sr.Status, sr.Reason = StepAlreadyDone, joinNotes(r.doneReason(name), note)
		return nil
	}
	sr.Reason = note
	for n, c := range chk.Calls {
		if err := r.call(ctx, s, sr, n, c); err != nil {
			return err
		}
	}

	after, err := r.verify(ctx, s)
	sr.After = after
	if err != nil {
		return fmt.Errorf("verify step %s: %w", name, err)
	}
	_, err = r.write(Record{Kind: KindVerified, Step: name}, verifiedData{After: after})
	if err == nil {
		sr.Status = StepDone
	}
	return err
}

// recheck reads a step's state right before it is applied, unless the
// plan's check of it is still fresh.
func (r *run) recheck(ctx context.Context, i int, s Step) (Check, error) {
	if r.fresh {
		ps := r.plan.Steps[i]
		return Check{Before: ps.Before, Calls: ps.Calls}, nil
	}
	return s.Check(ctx)
}

func joinNotes(notes ...string) string {
	return strings.Join(slices.DeleteFunc(notes, func(s string) bool { return s == "" }),
		"; ")
}

// resolveAll settles the doubts of a run that has nothing to apply: every
// step's check found its desired state, so no call in doubt is needed.
func (r *run) resolveAll() error {
	if r.o.DryRun {
		return nil
	}
	for i := range r.res.Steps {
		sr := &r.res.Steps[i]
		note, err := r.resolveDoubts(sr.Name, nil)
		if err != nil {
			return err
		}
		if note != "" {
			sr.Reason = joinNotes(r.doneReason(sr.Name), note)
		}
	}
	return nil
}

// resolveDoubts journals, for each call an earlier run left in doubt, what
// the fresh check decided: make it again, or not needed any more.
func (r *run) resolveDoubts(step string, calls []Call) (string, error) {
	var notes []string
	for _, d := range r.inc.doubtsOf(step, r.id) {
		res, note := resolveNotNeeded, "a fresh check found it no longer needed"
		if slices.ContainsFunc(calls, d.Call.same) {
			res, note = resolveRetry, "it is made again"
		}
		rec := Record{Kind: KindResumed, Step: step, CallID: d.CallID, Call: &d.Call}
		if _, err := r.write(rec, resumedData{doubt: d, Resolution: res}); err != nil {
			return "", err
		}
		r.log.Warn().Str("step", step).Str("call_id", d.CallID).Str("in_doubt_run", d.Run).
			Str("resolution", res).Msg("call left in doubt by an interrupted run")
		notes = append(notes, fmt.Sprintf("call %s of run %s was interrupted; %s",
			d.CallID, d.Run, note))
	}
	return strings.Join(notes, "; "), nil
}

// outcomeData is the data of an outcome record.
type outcomeData struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Detail   any       `json:"detail,omitempty"`
}

// verifiedData is the data of a verified record.
type verifiedData struct {
	After any `json:"after,omitempty"`
}

// call makes one call between an intent and an outcome record, both on disk
// before the engine goes on: a run killed in between leaves an intent
// without an outcome, which the next run resolves.
func (r *run) call(ctx context.Context, s Step, sr *StepResult, n int, c Call) error {
	name := s.Name()
	cr := CallResult{Call: c, CallID: callID(name, n)}
	intent := Record{Kind: KindIntent, Step: name, CallID: cr.CallID, Call: &c}
	if _, err := r.write(intent, nil); err != nil {
		return err
	}

	r.log.Debug().Str("step", name).Str("call_id", cr.CallID).Str("service", c.Service).
		Str("action", c.Action).Msg("call")
	cr.Started = r.inc.clock.Now().UTC()
	r.fresh = false
	ap, err := s.Apply(ctx, c)
	cr.Finished = r.inc.clock.Now().UTC()
	cr.RequestID, cr.Detail, cr.Error = ap.RequestID, ap.Detail, errorInfo(err)
	cr.unanswered = err != nil && unanswered(err)
	if cr.RequestID == "" && cr.Error != nil {
		cr.RequestID = cr.Error.RequestID
	}
	sr.Calls = append(sr.Calls, cr)

	if werr := r.writeOutcome(name, cr); werr != nil {
		return errors.Join(err, werr)
	}
	if err != nil {
		return fmt.Errorf("step %s: call %s: %w", name, cr.CallID, err)
	}
	r.log.Info().Str("step", name).Str("call_id", cr.CallID).Str("action", c.Action).
		Str("request_id", cr.RequestID).Msg("call applied")
	return nil
}

func (r *run) writeOutcome(step string, cr CallResult) error {
	rec := Record{Kind: KindOutcome, Step: step, CallID: cr.CallID, Call: &cr.Call,
		RequestID: cr.RequestID, Status: outcomeOK, Error: cr.Error}
	switch {
	case cr.unanswered:
		rec.Status = outcomeUnknown
	case cr.Error != nil:
		rec.Status = outcomeError
	}
	_, err := r.write(rec, outcomeData{Started: cr.Started, Finished: cr.Finished,
		Detail: cr.Detail})
	return err
}

// Outcome statuses. Unknown is a call that got no answer (a dropped
// connection, a timeout, an interrupt): it may or may not have taken
// effect, so it stays in doubt like an intent without an outcome, and the
// next run's check decides.
const (
	outcomeOK      = "ok"
	outcomeError   = "error"
	outcomeUnknown = "unknown"
)

// noAnswer is implemented by errors of calls that never got an answer.
type noAnswer interface{ NoAnswer() bool }

// unanswered reports whether err leaves a call's effect unknown.
func unanswered(err error) bool {
	var na noAnswer
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &na) && na.NoAnswer()
}

// verify calls Verify until the desired state holds, backing off between
// tries, for at most VerifyTimeout. Any error but ErrNotConverged ends it.
func (r *run) verify(ctx context.Context, s Step) (any, error) {
	clock := r.inc.clock
	deadline := clock.Now().Add(r.o.VerifyTimeout)
	wait := r.o.VerifyBackoff
	for {
		after, err := s.Verify(ctx)
		if !errors.Is(err, ErrNotConverged) {
			return after, err
		}
		left := deadline.Sub(clock.Now())
		if left <= 0 {
			return after, fmt.Errorf("still not converged after %s: %w",
				r.o.VerifyTimeout, err)
		}
		r.log.Debug().Str("step", s.Name()).Dur("wait", min(wait, left)).
			Msg("not converged yet")
		if err := clock.Sleep(ctx, min(wait, left)); err != nil {
			return after, err
		}
		wait = min(2*wait, r.o.VerifyMaxBackoff)
	}
}
