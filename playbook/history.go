package playbook

import (
	"encoding/json"
	"slices"
)

// history is what earlier records say that a new run must know: which
// steps were verified, which calls were left in doubt, and whether the last
// real run was cut short. It is folded from the records one by one, both
// those read at Open and those written since.
type history struct {
	verified map[string]string // step → run that last verified it
	doubts   []doubt           // intents still without an outcome
	dry      map[string]bool   // dry runs, which change nothing
	open     *Record           // run_started of a real run not finished
}

// doubt is a call whose intent was journaled but whose outcome was not:
// the process died while the call was in flight, so it may or may not have
// happened.
type doubt struct {
	Run    string `json:"in_doubt_run"`
	Seq    int64  `json:"intent_seq"`
	Step   string `json:"-"`
	CallID string `json:"-"`
	Call   Call   `json:"-"`
}

// runStartedData is the data of a run_started record.
type runStartedData struct {
	DryRun       bool   `json:"dry_run"`
	ToolVersion  string `json:"tool_version,omitempty"`
	ResumedRun   string `json:"resumed_run,omitempty"`
	ResumedFrom  int64  `json:"resumed_from,omitempty"`
	InDoubtCalls int    `json:"in_doubt_calls,omitempty"`
}

// resumedData is the data of a resumed record.
type resumedData struct {
	doubt
	Resolution string `json:"resolution"` // resolveRetry or resolveNotNeeded
}

const (
	resolveRetry     = "retry"
	resolveNotNeeded = "not_needed"
)

func newHistory() history {
	return history{verified: map[string]string{}, dry: map[string]bool{}}
}

func (h *history) observe(r Record) {
	switch r.Kind {
	case KindRunStarted:
		var d runStartedData
		_ = json.Unmarshal(r.Data, &d) // a record without data is a real run
		if d.DryRun {
			h.dry[r.Run] = true
			return
		}
		h.open = &r
	case KindRunFinished:
		if h.open != nil && h.open.Run == r.Run {
			h.open = nil
		}
	case KindVerified:
		h.verified[r.Step] = r.Run
	case KindIntent:
		h.doubts = append(h.doubts, doubt{Run: r.Run, Seq: r.Seq, Step: r.Step,
			CallID: r.CallID, Call: callOf(r)})
	case KindOutcome:
		if r.Status != outcomeUnknown {
			h.settle(r.Run, r.CallID)
		}
	case KindResumed:
		var d resumedData
		if json.Unmarshal(r.Data, &d) == nil {
			h.settle(d.Run, r.CallID)
		}
	}
}

func (h *history) settle(run, callID string) {
	h.doubts = slices.DeleteFunc(h.doubts, func(d doubt) bool {
		return d.Run == run && d.CallID == callID
	})
}

// doubtsOf returns the calls of step left in doubt by runs other than run.
func (h *history) doubtsOf(step, run string) []doubt {
	var out []doubt
	for _, d := range h.doubts {
		if d.Step == step && d.Run != run {
			out = append(out, d)
		}
	}
	return out
}

func callOf(r Record) Call {
	if r.Call == nil {
		return Call{}
	}
	return *r.Call
}
