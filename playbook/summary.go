package playbook

import (
	"encoding/json"
	"slices"
)

// Summary is a journal reduced to what it means: the final status of each
// step and the set of calls that took effect. Times, request ids and run
// ids are left out, so a run interrupted and resumed summarises the same as
// one that ran through.
type Summary struct {
	Steps []StepSummary `json:"steps"`
	Calls []Call        `json:"calls"` // sorted, each call once
}

// StepSummary is a step's final status across all the real runs.
type StepSummary struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Summarize folds journal records into a Summary. Dry runs are left out.
// A step is done when one of its calls took effect and already_done when
// none had to; interrupted when the last run touching it died mid-call. A
// call left in doubt counts as made when the run that resumed found it no
// longer needed.
func Summarize(records []Record) Summary {
	var (
		order   []string
		status  = map[string]string{}
		applied = map[string]bool{}
		calls   = map[string]Call{}
		dry     = map[string]bool{}
	)
	see := func(step string) {
		if _, ok := status[step]; !ok {
			order = append(order, step)
			status[step] = StepPending
		}
	}
	took := func(r Record) {
		c := callOf(r)
		calls[callKey(c)] = c
		applied[r.Step] = true
	}

	for _, r := range records {
		if r.Kind == KindRunStarted && isDryRun(r) {
			dry[r.Run] = true
		}
		if dry[r.Run] || r.Step == "" {
			continue
		}
		see(r.Step)
		switch r.Kind {
		case KindIntent:
			status[r.Step] = StepInterrupted
		case KindStepStatus:
			status[r.Step] = r.Status
		case KindOutcome:
			if r.Status == outcomeOK {
				took(r)
			}
		case KindResumed:
			if resolution(r) == resolveNotNeeded {
				took(r)
			}
		}
	}
	return summary(order, status, applied, calls)
}

func summary(order []string, status map[string]string, applied map[string]bool,
	calls map[string]Call) Summary {
	s := Summary{Steps: []StepSummary{}, Calls: []Call{}}
	for _, name := range order {
		st := status[name]
		if st == StepAlreadyDone && applied[name] {
			st = StepDone
		}
		s.Steps = append(s.Steps, StepSummary{Name: name, Status: st})
	}
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s.Calls = append(s.Calls, calls[k])
	}
	return s
}

// callKey identifies a call by what it does; JSON sorts the parameters.
func callKey(c Call) string {
	c.Note = ""
	b, _ := json.Marshal(c) // a Call of strings always encodes
	return string(b)
}

func isDryRun(r Record) bool {
	var d runStartedData
	return json.Unmarshal(r.Data, &d) == nil && d.DryRun
}

func resolution(r Record) string {
	var d resumedData
	if json.Unmarshal(r.Data, &d) != nil {
		return ""
	}
	return d.Resolution
}
