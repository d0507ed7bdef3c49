// Package playbook is the engine that contains an incident: it runs steps
// that read live state, plan the calls they need, apply them and verify the
// result, and keeps every move in an incident directory.
//
// # Steps and runs
//
// A Step's Check reads and returns the mutating calls needed from the
// current state; no calls means the desired state holds. Dry-run, the plan
// shown for confirmation and idempotency all come from that one method. A
// Run checks every step (the plan), asks Confirm, then applies the steps in
// order: each is checked again right before it is applied, and every call
// that check returns must be in the confirmed plan for that step, or the
// step fails with ErrPlanDrift and nothing of it is applied. The one read
// saved: while no call has been made and nobody was asked to confirm, the
// plan's own check is still the current state, and is used as it is. After its
// calls, a step's Verify is retried with backoff until the desired state
// holds (the cloud is eventually consistent) or VerifyTimeout passes. The
// first failing step stops the run; the steps after it are skipped.
//
// # The incident directory
//
//	incident.json   id, subject, creation time, tool version (written once)
//	journal.jsonl   the journal, append-only
//	lock            flock'd by the process working on the incident
//
// The directory is created with mode 0700 and its files with 0600. One
// process at a time holds the lock; the kernel releases it when the process
// dies, however it dies.
//
// # What the journal guarantees
//
// Each record is one JSON line, written with a single write and synced to
// disk before the engine takes its next action. Before every mutating call
// an intent record is on disk, and after it an outcome record with the
// cloud's RequestId or error. Records carry consecutive seq numbers and the
// SHA-256 of the line before them, so VerifyJournal detects a changed,
// inserted or removed line anywhere but at the very end; Result.JournalHead,
// kept elsewhere, covers the end too. Earlier lines are never rewritten: the
// one exception is a last line left incomplete by a killed write, which
// Open cuts away and records in a journal_repaired record. Records never
// hold secrets: calls carry no secret parameters by contract.
//
// A dry run journals only run_started, plan and run_finished records of its
// own, which no later run takes as work done; findings recorded through
// Record (what was read) are journaled in a dry run too.
//
// # Interrupting and resuming
//
// Cancelling the context is a clean interruption: the call in flight is
// abandoned, its outcome is journaled as unknown (it may have reached the
// cloud), the run finishes as partial and the lock is released on Close.
// A call that got no answer at all (a dropped connection) is journaled the
// same way. An unknown outcome leaves the call in doubt, as below. Killing the process (SIGKILL, power loss)
// is safe as well: the next run on the same directory reads the journal,
// and a step verified earlier is still checked, since the world may have
// changed. An intent without an outcome is a call that may or may not have
// happened; the next run does not guess, its fresh check decides, and a
// resumed record says whether the call was made again or found no longer
// needed. Summarize reduces a journal so that an interrupted and resumed
// incident compares equal to one that ran through.
//
// # Choices where the reference is unconfirmed
//
// The brief and the API reference leave these open; this package decides:
//   - Prev hashes the previous line without its newline.
//   - A last line that is not valid JSON, or has no newline, is torn and is
//     repaired; a valid last line with a broken chain is corruption.
//     ReadJournal skips a torn last line; VerifyJournal reports it.
//   - An empty IncidentID or Subject at Open means "what the directory
//     holds"; a new incident needs a subject and gets a generated id.
//   - Run statuses: partial when the apply phase stopped at a failed step
//     (something may have changed), failed when nothing was applied (a check
//     failed while planning, Confirm or the journal failed).
//   - Every step of a real run ends with one step_status record, pending
//     ones included when the plan is refused or planning failed.
//   - Steps planned already_done are checked again in the apply phase; a
//     call they need by then was not confirmed, so it is plan drift.
//   - Only ErrNotConverged makes Verify retry; any other error fails the
//     step at once (the SDK layer retries transient errors itself).
//   - Error codes in the journal and the result: the cloud's code when the
//     error is a CloudError, otherwise plan_drift, not_converged,
//     not_confirmed, canceled or deadline_exceeded, or none.
//   - The lock is flock(2), so the package builds on Unix only.
package playbook
