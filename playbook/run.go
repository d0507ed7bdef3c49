package playbook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"
)

// RunOptions tune one run.
type RunOptions struct {
	DryRun bool
	// Confirm is shown the plan when it makes calls; false refuses the run.
	// nil means no confirmation is needed.
	Confirm func(ctx context.Context, p Plan) (bool, error)
	// Verify is retried while it reports ErrNotConverged, since the cloud
	// is eventually consistent: first after VerifyBackoff (default 1s), the
	// wait doubling up to VerifyMaxBackoff (default 10s), until
	// VerifyTimeout (default 1m) has passed.
	VerifyTimeout    time.Duration
	VerifyBackoff    time.Duration
	VerifyMaxBackoff time.Duration
}

func (o RunOptions) withDefaults() RunOptions {
	if o.VerifyTimeout <= 0 {
		o.VerifyTimeout = time.Minute
	}
	if o.VerifyBackoff <= 0 {
		o.VerifyBackoff = time.Second
	}
	if o.VerifyMaxBackoff <= 0 {
		o.VerifyMaxBackoff = 10 * time.Second
	}
	return o
}

// run is one Run call in progress.
type run struct {
	inc     *Incident
	id      string
	o       RunOptions
	log     zerolog.Logger
	res     *Result
	plan    Plan
	settled []bool // step i has its step_status record

	// fresh says the plan's checks still describe the world: nothing was
	// applied since they ran and nobody was asked to confirm (a person can
	// take minutes). While it holds, the first step applies the plan's
	// calls without reading the state a second time: one round trip less
	// between a leak and its containment.
	fresh bool
}

// Run plans steps, asks for confirmation, and applies them in order, each
// re-checked right before it is applied and verified after. It stops at the
// first step that fails. The error is set when the run is partial, refused
// or failed; the Result is nil only when steps lack names or share one.
func (inc *Incident) Run(ctx context.Context, steps []Step, o RunOptions) (*Result,
	error) {
	inc.runMu.Lock()
	defer inc.runMu.Unlock()
	if err := checkNames(steps); err != nil {
		return nil, err
	}

	r := inc.newRun(steps, o.withDefaults())
	if err := r.start(); err != nil {
		return r.finish(RunFailed, err)
	}
	if err := r.planAll(ctx, steps); err != nil {
		return r.finish(RunFailed, err)
	}
	r.fresh = true
	if !r.plan.Pending() {
		if err := r.resolveAll(); err != nil {
			return r.finish(RunFailed, err)
		}
		return r.finish(RunConverged, nil)
	}
	if o.DryRun {
		return r.finish(RunPending, nil)
	}

	if err := r.confirm(ctx); err != nil {
		if errors.Is(err, ErrNotConfirmed) {
			return r.finish(RunRefused, err)
		}
		return r.finish(RunFailed, err)
	}
	if err := r.applyAll(ctx, steps); err != nil {
		return r.finish(RunPartial, err)
	}
	return r.finish(RunConverged, nil)
}

func checkNames(steps []Step) error {
	seen := map[string]bool{}
	for _, s := range steps {
		switch n := s.Name(); {
		case n == "":
			return errors.New("run steps: a step has no name")
		case seen[n]:
			return fmt.Errorf("run steps: two steps are named %s", n)
		default:
			seen[n] = true
		}
	}
	return nil
}

func (inc *Incident) newRun(steps []Step, o RunOptions) *run {
	now := inc.clock.Now().UTC()
	id := newID("run-", now)
	res := &Result{IncidentID: inc.ID(), RunID: id, DryRun: o.DryRun, Started: now,
		Steps: make([]StepResult, len(steps))}
	for i, s := range steps {
		res.Steps[i] = StepResult{Name: s.Name(), Status: StepSkipped}
	}
	inc.setRun(id)
	return &run{inc: inc, id: id, o: o, res: res, settled: make([]bool, len(steps)),
		log:  inc.log.With().Str("run_id", id).Logger(),
		plan: Plan{IncidentID: inc.ID(), RunID: id}}
}

// write journals r as part of this run. A dry run journals only that it
// ran and what it planned, so that no later run can take it for work done.
func (r *run) write(rec Record, data any) (Record, error) {
	if r.o.DryRun && !slices.Contains(
		[]string{KindRunStarted, KindPlan, KindRunFinished}, rec.Kind) {
		return rec, nil
	}
	rec.Run = r.id
	return r.inc.append(rec, data)
}

func (r *run) start() error {
	d := runStartedData{DryRun: r.o.DryRun, ToolVersion: r.inc.toolVersion}
	d.ResumedRun, d.ResumedFrom, d.InDoubtCalls = r.inc.interrupted()
	if d.ResumedRun != "" {
		r.log.Warn().Str("resumed_run", d.ResumedRun).Int("in_doubt_calls",
			d.InDoubtCalls).Msg("resuming an interrupted run")
	}
	_, err := r.write(Record{Kind: KindRunStarted}, d)
	return err
}

func (r *run) confirm(ctx context.Context) error {
	if r.o.Confirm == nil {
		return nil
	}
	r.fresh = false
	ok, err := r.o.Confirm(ctx, r.plan)
	if err != nil {
		return fmt.Errorf("confirm plan: %w", err)
	}
	if !ok {
		return ErrNotConfirmed
	}
	return nil
}

// finish gives every step without a step_status record its record, then
// closes the run.
func (r *run) finish(status string, err error) (*Result, error) {
	res := r.res
	res.Status, res.Error = status, errorInfo(err)

	var werr error
	for i := range res.Steps {
		if werr == nil && !r.settled[i] {
			werr = r.settle(i)
		}
	}
	res.Findings = r.inc.findingsSnapshot()
	res.Finished = r.inc.clock.Now().UTC()
	if werr == nil {
		_, werr = r.write(Record{Kind: KindRunFinished, Status: status, Error: res.Error},
			nil)
	}
	res.JournalHead = r.inc.endRun()
	if werr != nil && errors.Is(err, werr) {
		werr = nil // the journal failed already, and err says so
	}

	ev := r.log.Info()
	if status != RunConverged && status != RunPending {
		ev = r.log.Warn()
	}
	ev.Str("status", status).Msg("run finished")
	return res, errors.Join(err, werr)
}

// reasonData is the data of a step_status record.
type reasonData struct {
	Reason string `json:"reason"`
}

func (r *run) settle(i int) error {
	r.settled[i] = true
	sr := r.res.Steps[i]
	var data any
	if sr.Reason != "" {
		data = reasonData{sr.Reason}
	}
	_, err := r.write(Record{Kind: KindStepStatus, Step: sr.Name, Status: sr.Status,
		Error: sr.Error}, data)
	return err
}
