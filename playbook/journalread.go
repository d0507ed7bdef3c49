package playbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
)

// parsed is a journal read and checked line by line.
type parsed struct {
	records []Record
	end     int64  // offset just past the last valid line
	last    string // hash of the last valid line
	torn    []byte // the last line when a killed write left it incomplete
	tornAt  int    // its line number
}

// parseJournal checks every line: valid JSON, a known version, consecutive
// seq numbers and an unbroken hash chain. An invalid last line is torn, not
// corrupt: a process killed in the middle of its one write leaves exactly
// that.
func parseJournal(path string, data []byte) (parsed, error) {
	var p parsed
	for n := 1; p.end < int64(len(data)); n++ {
		rest := data[p.end:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			p.torn, p.tornAt = rest, n
			return p, nil
		}

		line := rest[:i]
		r, syntaxErr, reason := decodeLine(line, int64(len(p.records))+1, p.last)
		switch {
		case syntaxErr && int(p.end)+i+1 == len(data):
			p.torn, p.tornAt = rest, n
			return p, nil
		case reason != "":
			return p, &CorruptError{Path: path, Line: n, Reason: reason}
		}

		p.records = append(p.records, r)
		p.end += int64(i + 1)
		p.last = lineHash(line)
	}
	return p, nil
}

// decodeLine checks one line against the seq and hash it must carry.
func decodeLine(line []byte, seq int64, prev string) (Record, bool, string) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return r, true, "not a JSON record"
	}
	switch {
	case r.V != JournalVersion:
		return r, false, fmt.Sprintf("record version %d is not %d", r.V, JournalVersion)
	case r.Seq != seq:
		return r, false, fmt.Sprintf("seq %d where %d was expected", r.Seq, seq)
	case r.Prev != prev:
		return r, false, "hash chain broken: the line before it was changed or removed"
	case r.Kind == "":
		return r, false, "record without a kind"
	}
	return r, false, ""
}

// ReadJournal returns the records of a journal. It leaves out an incomplete
// last line, which opening the incident repairs; any other defect is a
// *CorruptError.
func ReadJournal(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	p, err := parseJournal(path, data)
	if err != nil {
		return nil, err
	}
	return p.records, nil
}

// VerifyJournal checks a journal's hash chain and every record. Unlike
// ReadJournal it also rejects an incomplete last line. A chain proves that
// no line but the last was changed or removed; to cover the last one too,
// keep the run's journal head (Result.JournalHead) somewhere else.
func VerifyJournal(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("verify journal: %w", err)
	}
	p, err := parseJournal(path, data)
	if err != nil {
		return err
	}
	if p.torn != nil {
		return &CorruptError{Path: path, Line: p.tornAt,
			Reason: "incomplete last line; opening the incident repairs it"}
	}
	return nil
}

// openJournal opens the journal for appending and reads it back. A torn
// last line is cut away and a journal_repaired record says what was cut.
func openJournal(path string, clock Clock, log zerolog.Logger) (*journal, []Record,
	error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, &DirError{Dir: filepath.Dir(path), Err: err}
	}
	p, err := readOpen(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}

	j := &journal{f: f, path: path, clock: clock, seq: int64(len(p.records)),
		prev: p.last, size: p.end}
	if p.torn == nil {
		return j, p.records, nil
	}
	r, err := j.repair(p)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	log.Warn().Str("journal", path).Int("line", p.tornAt).
		Int("removed_bytes", len(p.torn)).Msg("journal repaired: incomplete last line removed")
	return j, append(p.records, r), nil
}

func readOpen(f *os.File, path string) (parsed, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return parsed{}, fmt.Errorf("read journal %s: %w", path, err)
	}
	if len(data) == 0 {
		// A new journal: make its directory entry durable too.
		if err := syncDir(filepath.Dir(path)); err != nil {
			return parsed{}, &DirError{Dir: filepath.Dir(path), Err: err}
		}
	}
	return parseJournal(path, data)
}

// repairData is the data of a journal_repaired record.
type repairData struct {
	Line          int    `json:"line"`
	RemovedBytes  int    `json:"removed_bytes"`
	RemovedSHA256 string `json:"removed_sha256"`
}

// repair cuts the torn line away and journals what it cut.
func (j *journal) repair(p parsed) (Record, error) {
	if err := j.f.Truncate(p.end); err != nil {
		return Record{}, fmt.Errorf("repair journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return Record{}, fmt.Errorf("repair journal %s: %w", j.path, err)
	}
	d := repairData{Line: p.tornAt, RemovedBytes: len(p.torn),
		RemovedSHA256: lineHash(p.torn)}
	return j.append(Record{Kind: KindJournalRepaired}, d)
}
