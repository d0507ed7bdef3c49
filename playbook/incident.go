package playbook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Files of an incident directory.
const (
	MetaFile    = "incident.json"
	JournalFile = "journal.jsonl"
	LockFile    = "lock"
)

// OpenOptions says which incident to open or create, and where.
type OpenOptions struct {
	Dir         string
	IncidentID  string // empty: the one the directory holds, or a new id
	Subject     string // what the incident is about, such as a key id
	ToolVersion string
	LockWait    time.Duration // 0: fail at once when another run holds it
	Logger      zerolog.Logger
	Clock       Clock // nil: the system clock
}

// Incident is an open incident directory. Its lock is held until Close.
type Incident struct {
	dir         string
	meta        meta
	toolVersion string // of this process; meta holds the creator's
	log         zerolog.Logger

	clock Clock
	lock  *os.File

	mu       sync.Mutex // guards everything below
	j        *journal
	hist     history
	findings []Finding
	run      string // the run in progress, for findings made during it
	closed   bool

	runMu sync.Mutex // one Run at a time
}

// Finding is a fact a caller established, such as the owner of a key.
type Finding struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// Open opens the incident directory o.Dir, creating it (mode 0700) and its
// files (mode 0600) when needed, locks it, and reads the journal back.
// A journal whose last line a killed process left incomplete is cut back
// and the repair journaled; any other defect fails with a *CorruptError.
func Open(ctx context.Context, o OpenOptions) (*Incident, error) {
	if o.Dir == "" {
		return nil, errors.New("open incident: no directory given")
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if err := makeDir(o.Dir); err != nil {
		return nil, &DirError{Dir: o.Dir, Err: err}
	}

	lock, err := acquireLock(ctx, filepath.Join(o.Dir, LockFile), o.LockWait, o.Clock)
	if err != nil {
		return nil, err
	}

	inc := &Incident{dir: o.Dir, toolVersion: o.ToolVersion, log: o.Logger,
		clock: o.Clock, lock: lock, hist: newHistory()}
	if err := inc.load(o); err != nil {
		return nil, errors.Join(err, releaseLock(lock))
	}
	inc.log.Info().Str("incident_id", inc.meta.IncidentID).Str("dir", o.Dir).
		Int64("journal_records", inc.j.seq).Msg("incident opened")
	return inc, nil
}

// makeDir creates dir and its missing parents with mode 0700.
func makeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

func (inc *Incident) load(o OpenOptions) error {
	m, err := loadMeta(o, inc.clock.Now())
	if err != nil {
		return err
	}
	inc.meta = m

	j, records, err := openJournal(filepath.Join(o.Dir, JournalFile), inc.clock,
		inc.log)
	if err != nil {
		return err
	}
	inc.j = j
	for _, r := range records {
		inc.hist.observe(r)
	}
	return nil
}

// ID returns the incident id.
func (inc *Incident) ID() string { return inc.meta.IncidentID }

// Subject returns what the incident is about.
func (inc *Incident) Subject() string { return inc.meta.Subject }

// Dir returns the incident directory.
func (inc *Incident) Dir() string { return inc.dir }

// JournalPath returns the path of the incident's journal.
func (inc *Incident) JournalPath() string { return inc.j.path }

// Record journals a finding, such as the owner of the key, and adds it to
// the findings of the results of later runs. value must hold no secret.
func (inc *Incident) Record(ctx context.Context, name string, value any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("record finding %s: %w", name, err)
	}
	f := Finding{Name: name, Value: value}

	inc.mu.Lock()
	defer inc.mu.Unlock()
	if _, err := inc.appendLocked(Record{Run: inc.run, Kind: KindFinding}, f); err != nil {
		return fmt.Errorf("record finding %s: %w", name, err)
	}
	inc.findings = append(inc.findings, f)
	return nil
}

// append journals r and folds it into the history.
func (inc *Incident) append(r Record, data any) (Record, error) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return inc.appendLocked(r, data)
}

func (inc *Incident) appendLocked(r Record, data any) (Record, error) {
	if inc.closed {
		return r, ErrClosed
	}
	r, err := inc.j.append(r, data)
	if err != nil {
		return r, err
	}
	inc.hist.observe(r)
	return r, nil
}

func (inc *Incident) setRun(id string) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.run = id
}

// endRun forgets the run in progress and returns the journal's head.
func (inc *Incident) endRun() string {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.run = ""
	return inc.j.prev
}

func (inc *Incident) findingsSnapshot() []Finding {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return slices.Clone(inc.findings)
}

func (inc *Incident) verifiedIn(step string) string {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return inc.hist.verified[step]
}

func (inc *Incident) doubtsOf(step, run string) []doubt {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return inc.hist.doubtsOf(step, run)
}

// interrupted names the last real run when it never finished, with the seq
// of its run_started record and the number of calls left in doubt.
func (inc *Incident) interrupted() (string, int64, int) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if inc.hist.open == nil {
		return "", 0, len(inc.hist.doubts)
	}
	return inc.hist.open.Run, inc.hist.open.Seq, len(inc.hist.doubts)
}

// Close releases the lock. The journal is already on disk.
func (inc *Incident) Close() error {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if inc.closed {
		return nil
	}
	inc.closed = true
	err := errors.Join(inc.j.f.Close(), releaseLock(inc.lock))
	if err != nil {
		return fmt.Errorf("close incident %s: %w", inc.meta.IncidentID, err)
	}
	return nil
}

// newID returns prefix, the UTC time and a random suffix: sortable, and
// unique even for two runs started in the same second.
func newID(prefix string, now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
