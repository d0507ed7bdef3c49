package main

import (
	"errors"
	"fmt"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/ram"
)

// Exit codes. This table is the contract with SOAR systems; README.md
// documents it and nothing else chooses a process exit code.
const (
	exitOK      = 0 // converged: done, or already done
	exitError   = 1 // unexpected error
	exitUsage   = 2 // bad input: flags, key id, incident dir, journal
	exitRefused = 3 // a guard refused, the plan was not confirmed, or the incident is locked
	exitAuth    = 4 // the responder's credentials or permissions fall short
	exitPartial = 5 // some step failed; re-run with the same incident id to resume
	exitPending = 6 // dry run: changes are pending
)

// usageError marks bad input found before anything touched the cloud.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode picks the code for an error that ended the command.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue),
		errors.Is(err, ram.ErrKeyIDInvalid),
		errors.Is(err, ram.ErrLooksLikeKey),
		errors.Is(err, playbook.ErrIncidentDir),
		errors.Is(err, playbook.ErrJournalCorrupt),
		errors.Is(err, playbook.ErrSubjectMismatch):
		return exitUsage
	case errors.Is(err, playbook.ErrGuardRefused),
		errors.Is(err, playbook.ErrNotConfirmed),
		errors.Is(err, playbook.ErrLocked),
		errors.Is(err, ram.ErrSTSKeyID):
		return exitRefused
	case errors.Is(err, cloud.ErrAuth), errors.Is(err, cloud.ErrDenied),
		errors.Is(err, cloud.ErrNoCredentials):
		return exitAuth
	}
	return exitError
}
