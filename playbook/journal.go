package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// JournalVersion is the record format this package writes and reads.
const JournalVersion = 1

// Record kinds.
const (
	KindRunStarted      = "run_started"
	KindFinding         = "finding"
	KindPlan            = "plan"
	KindResumed         = "resumed"
	KindIntent          = "intent"
	KindOutcome         = "outcome"
	KindVerified        = "verified"
	KindStepStatus      = "step_status"
	KindRunFinished     = "run_finished"
	KindJournalRepaired = "journal_repaired"
)

// Record is one line of journal.jsonl. Empty fields are left out of the
// line. Prev is the hex SHA-256 of the previous line's bytes without its
// newline, empty for the first line: changing or removing a line breaks the
// chain at the line after it.
type Record struct {
	V         int             `json:"v"`
	Seq       int64           `json:"seq"`
	Time      time.Time       `json:"time"`
	Run       string          `json:"run,omitempty"`
	Kind      string          `json:"kind"`
	Step      string          `json:"step,omitempty"`
	CallID    string          `json:"call_id,omitempty"`
	Call      *Call           `json:"call,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	Status    string          `json:"status,omitempty"`
	Error     *ErrorInfo      `json:"error,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Prev      string          `json:"prev,omitempty"`
}

// journal appends records to an open journal file. The incident's lock
// keeps other processes out; Incident.mu keeps goroutines apart.
type journal struct {
	f     *os.File
	path  string
	clock Clock
	seq   int64
	prev  string // hash of the last line
	size  int64  // bytes of whole lines on disk
	err   error  // set when a failed write could not be undone
}

// append fills in the chain fields, writes r as one line with one write,
// and syncs the file before returning, so the record is on disk before the
// engine acts on it.
func (j *journal) append(r Record, data any) (Record, error) {
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			return r, fmt.Errorf("encode %s record data: %w", r.Kind, err)
		}
		r.Data = raw
	}
	r.V, r.Seq, r.Prev = JournalVersion, j.seq+1, j.prev
	r.Time = j.clock.Now().UTC()

	line, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("encode %s record: %w", r.Kind, err)
	}
	if err := j.write(append(line, '\n')); err != nil {
		return r, err
	}

	j.seq, j.prev = r.Seq, lineHash(line)
	return r, nil
}

// write appends one line and syncs it. A failure cuts the file back to its
// last whole line, so that a later record does not follow a torn one; when
// even that fails the journal refuses every later write.
func (j *journal) write(line []byte) error {
	if j.err != nil {
		return j.err
	}
	_, err := j.f.Write(line)
	if err == nil {
		err = j.f.Sync()
	}
	if err == nil {
		j.size += int64(len(line))
		return nil
	}

	err = fmt.Errorf("append to journal %s: %w", j.path, err)
	if terr := j.f.Truncate(j.size); terr != nil {
		j.err = fmt.Errorf("%w; cut back the torn line: %w", err, terr)
		return j.err
	}
	return err
}

func lineHash(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}
