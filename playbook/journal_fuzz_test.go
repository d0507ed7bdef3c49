package playbook

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadJournal: a journal file of any content is read or refused with
// an error, never a panic; what ReadJournal accepts, VerifyJournal must
// not find torn in the middle.
func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(`{"v":1,"seq":1,"time":"2026-01-01T00:00:00Z","kind":"run_started"}` + "\n"))
	f.Add([]byte("{not json\n"))
	f.Add([]byte(""))
	f.Add([]byte(`{"v":1,"seq":1,"kind":"intent","call":{"params":{"a":"b"}}}` + "\n{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "journal.jsonl")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadJournal(path)
		if err != nil {
			return
		}
		_ = VerifyJournal(path)
		_ = Summarize(recs)
	})
}
