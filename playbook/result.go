package playbook

import "time"

// Run statuses.
const (
	RunConverged = "converged" // every step's desired state holds
	RunPending   = "pending"   // dry run: calls are planned
	RunPartial   = "partial"   // the apply phase stopped at a failed step
	RunRefused   = "refused"   // the plan was not confirmed
	RunFailed    = "failed"    // nothing was applied: planning or the journal failed
)

// Step statuses. StepInterrupted appears only in summaries of journals.
const (
	StepDone        = "done"
	StepAlreadyDone = "already_done"
	StepPending     = "pending"
	StepFailed      = "failed"
	StepSkipped     = "skipped"
	StepInterrupted = "interrupted"
)

// Result is what a run did. It goes out as JSON to SOAR systems: fields are
// only ever added.
type Result struct {
	IncidentID string       `json:"incident_id"`
	RunID      string       `json:"run_id"`
	DryRun     bool         `json:"dry_run"`
	Status     string       `json:"status"`
	Error      *ErrorInfo   `json:"error,omitempty"`
	Steps      []StepResult `json:"steps"`
	Findings   []Finding    `json:"findings,omitempty"`
	Started    time.Time    `json:"started"`
	Finished   time.Time    `json:"finished"`
	// JournalHead is the hash of the journal's last line after the run.
	// Kept elsewhere, it proves later that the journal was not cut short.
	JournalHead string `json:"journal_head,omitempty"`
}

// StepResult is what became of one step.
type StepResult struct {
	Name   string       `json:"name"`
	Status string       `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Before any          `json:"before,omitempty"`
	After  any          `json:"after,omitempty"`
	Calls  []CallResult `json:"calls,omitempty"`
	Error  *ErrorInfo   `json:"error,omitempty"`
}

// CallResult is one call, planned or made. A planned call has no times.
type CallResult struct {
	Call      Call       `json:"call"`
	CallID    string     `json:"call_id"`
	RequestID string     `json:"request_id,omitempty"`
	Detail    any        `json:"detail,omitempty"`
	Error     *ErrorInfo `json:"error,omitempty"`
	Started   time.Time  `json:"started,omitzero"`
	Finished  time.Time  `json:"finished,omitzero"`

	unanswered bool // no answer came: the call may or may not have happened
}

// Plan is what a run will do, shown to whoever confirms it.
type Plan struct {
	IncidentID string     `json:"incident_id"`
	RunID      string     `json:"run_id"`
	Steps      []PlanStep `json:"steps"`
}

// PlanStep is one step of a plan: pending with its calls, or already done.
type PlanStep struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Before any    `json:"before,omitempty"`
	Calls  []Call `json:"calls,omitempty"`
}

// Pending reports whether the plan makes any call.
func (p Plan) Pending() bool {
	for _, s := range p.Steps {
		if len(s.Calls) > 0 {
			return true
		}
	}
	return false
}
