package playbook

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Classes of engine errors; test with errors.Is.
var (
	ErrIncidentDir     = errors.New("incident directory not usable")
	ErrSubjectMismatch = errors.New("incident directory holds another incident")
	ErrLocked          = errors.New("incident locked by another process")
	ErrJournalCorrupt  = errors.New("journal corrupt")
	ErrPlanDrift       = errors.New("calls differ from the confirmed plan")
	ErrNotConfirmed    = errors.New("plan not confirmed")
	ErrClosed          = errors.New("incident closed")
)

// DirError says which incident directory cannot be used and why.
type DirError struct {
	Dir string
	Err error
}

func (e *DirError) Error() string {
	return fmt.Sprintf("incident directory %s is not usable: %v", e.Dir, e.Err)
}

func (e *DirError) Unwrap() error { return e.Err }

// Is makes the error match ErrIncidentDir.
func (e *DirError) Is(target error) bool { return target == ErrIncidentDir }

// MismatchError says that a directory already holds another incident. The
// subjects are fields, not part of the message, so that the caller can mask
// them as it masks every key id.
type MismatchError struct {
	Dir                 string
	HaveID, HaveSubject string // what the directory holds
	WantID, WantSubject string // what was asked for
}

func (e *MismatchError) Error() string {
	what := "another subject"
	if e.HaveID != e.WantID {
		what = fmt.Sprintf("id %q, not %q", e.HaveID, e.WantID)
	}
	return fmt.Sprintf("incident directory %s holds incident %q with %s: "+
		"choose another incident directory, or open this one with its own id "+
		"and subject", e.Dir, e.HaveID, what)
}

// Is makes the error match ErrSubjectMismatch.
func (e *MismatchError) Is(target error) bool { return target == ErrSubjectMismatch }

// LockedError names the process holding an incident's lock.
type LockedError struct {
	Path  string
	PID   int       // 0 when the holder has not written it yet
	Since time.Time // zero when unknown
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("incident lock %s is held by another process", e.Path)
	}
	return fmt.Sprintf("incident lock %s is held by pid %d since %s",
		e.Path, e.PID, e.Since.Format(time.RFC3339))
}

// Is makes the error match ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// CorruptError names the journal line that fails validation.
type CorruptError struct {
	Path   string
	Line   int // 1-based
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal %s is corrupt at line %d: %s", e.Path, e.Line, e.Reason)
}

// Is makes the error match ErrJournalCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrJournalCorrupt }

// ErrorInfo is an error as the journal and the result carry it.
type ErrorInfo struct {
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// engineCodes give the engine's own errors a code a SOAR can branch on.
var engineCodes = []struct {
	err  error
	code string
}{
	{ErrPlanDrift, "plan_drift"},
	{ErrNotConverged, "not_converged"},
	{ErrNotConfirmed, "not_confirmed"},
	{context.Canceled, "canceled"},
	{context.DeadlineExceeded, "deadline_exceeded"},
}

func errorInfo(err error) *ErrorInfo {
	if err == nil {
		return nil
	}
	info := &ErrorInfo{Message: err.Error()}
	var ce CloudError
	if errors.As(err, &ce) {
		info.Code, info.RequestID = ce.Code(), ce.RequestID()
		return info
	}
	for _, ec := range engineCodes {
		if errors.Is(err, ec.err) {
			info.Code = ec.code
			break
		}
	}
	return info
}
