package playbook

import (
	"context"
	"errors"
	"maps"
)

// Call is one mutating API call exactly as it would be made. Params never
// hold secrets: the journal and the plan shown to a person carry them as is.
type Call struct {
	Service string            `json:"service"` // "ram", "ims", "sts", "actiontrail"
	Action  string            `json:"action"`  // "UpdateAccessKey"
	Params  map[string]string `json:"params,omitempty"`
	Note    string            `json:"note,omitempty"` // "irreversible"
}

// same reports whether c and o are the same call; the note is commentary.
func (c Call) same(o Call) bool {
	return c.Service == o.Service && c.Action == o.Action &&
		maps.Equal(c.Params, o.Params)
}

// Check is what a step read and the mutating calls it needs from there.
type Check struct {
	Before any    // what the step read (JSON-able), shown as "before"
	Calls  []Call // empty when the desired state already holds
}

// Step is one unit of a run. Check and Verify only read; Apply makes exactly
// the call it is given, which Check produced. Dry-run, idempotency and the
// plan all come from Check, so a step describes its writes once.
type Step interface {
	// Name is a stable id, such as "disable-key"; the journal keys on it.
	Name() string
	// Check reads live state and returns the calls needed from it.
	Check(ctx context.Context) (Check, error)
	// Apply makes one call that Check returned.
	Apply(ctx context.Context, c Call) (Applied, error)
	// Verify reads the result; when the desired state does not hold yet it
	// returns an error wrapping ErrNotConverged, and the engine retries.
	Verify(ctx context.Context) (after any, err error)
}

// Applied is what the cloud answered to one call.
type Applied struct {
	RequestID string
	Detail    any // JSON-able, journaled with the outcome
}

// CloudError is an error answered by the cloud. The engine finds it with
// errors.As and journals its code and RequestId.
type CloudError interface {
	error
	RequestID() string
	Code() string
}

// ErrNotConverged is wrapped by Verify when the desired state does not hold.
var ErrNotConverged = errors.New("desired state does not hold")
