package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// metaSchema is the version of incident.json this package writes.
const metaSchema = 1

// meta is incident.json: written once, when the incident is created.
type meta struct {
	Schema      int       `json:"schema"`
	IncidentID  string    `json:"incident_id"`
	Subject     string    `json:"subject"`
	Created     time.Time `json:"created"`
	ToolVersion string    `json:"tool_version,omitempty"`
}

// loadMeta reads incident.json and checks that it is the incident asked
// for, or writes it when the directory holds no incident yet.
func loadMeta(o OpenOptions, now time.Time) (meta, error) {
	path := filepath.Join(o.Dir, MetaFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createMeta(o, now)
	}
	if err != nil {
		return meta{}, &DirError{Dir: o.Dir, Err: err}
	}

	var m meta
	if err := json.Unmarshal(data, &m); err != nil {
		return m, &DirError{Dir: o.Dir, Err: fmt.Errorf("read %s: %w", path, err)}
	}
	if m.Schema != metaSchema {
		return m, &DirError{Dir: o.Dir, Err: fmt.Errorf(
			"%s has schema %d; this version reads %d", path, m.Schema, metaSchema)}
	}
	if o.IncidentID != "" && o.IncidentID != m.IncidentID ||
		o.Subject != "" && o.Subject != m.Subject {
		return m, &MismatchError{Dir: o.Dir, HaveID: m.IncidentID,
			HaveSubject: m.Subject, WantID: o.IncidentID, WantSubject: o.Subject}
	}
	return m, nil
}

func createMeta(o OpenOptions, now time.Time) (meta, error) {
	if o.Subject == "" {
		return meta{}, errors.New("create incident: a new incident needs a subject")
	}
	journal := filepath.Join(o.Dir, JournalFile)
	if st, err := os.Stat(journal); err == nil && st.Size() > 0 {
		return meta{}, &DirError{Dir: o.Dir, Err: fmt.Errorf(
			"%s exists but %s does not", journal, MetaFile)}
	}

	m := meta{Schema: metaSchema, IncidentID: o.IncidentID, Subject: o.Subject,
		Created: now.UTC(), ToolVersion: o.ToolVersion}
	if m.IncidentID == "" {
		m.IncidentID = newID("inc-", now)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, fmt.Errorf("encode %s: %w", MetaFile, err)
	}
	path := filepath.Join(o.Dir, MetaFile)
	if err := writeFileSynced(path, append(data, '\n')); err != nil {
		return m, &DirError{Dir: o.Dir, Err: err}
	}
	return m, nil
}

// writeFileSynced writes path whole or not at all: a temporary file, synced,
// renamed over path, and the directory synced.
func writeFileSynced(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
