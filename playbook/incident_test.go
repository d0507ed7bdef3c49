package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestOpenChecksTheIncident(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		subject string
		wantErr error
	}{
		{"same id and subject", "inc-test", testSubject, nil},
		{"empty id and subject adopt the directory's", "", "", nil},
		{"other subject", "inc-test", "LTAI5tOtherKey0000000002", ErrSubjectMismatch},
		{"other id", "inc-other", testSubject, ErrSubjectMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			openTest(t, dir).Close()

			inc, err := Open(t.Context(), OpenOptions{Dir: dir, IncidentID: tt.id,
				Subject: tt.subject})
			if !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Fatalf("open = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				msg := err.Error()
				if !strings.Contains(msg, dir) || !strings.Contains(msg, "choose another") {
					t.Errorf("message %q does not say what to do", msg)
				}
				if strings.Contains(msg, tt.subject) {
					t.Errorf("message %q shows an unmasked subject", msg)
				}
				return
			}
			defer inc.Close()
			if inc.ID() != "inc-test" || inc.Subject() != testSubject {
				t.Errorf("opened %s about %s", inc.ID(), inc.Subject())
			}
		})
	}
}

func TestNewIncident(t *testing.T) {
	t.Run("needs a subject", func(t *testing.T) {
		_, err := Open(t.Context(), OpenOptions{Dir: t.TempDir()})
		if err == nil {
			t.Fatal("opened a new incident about nothing")
		}
	})
	t.Run("gets an id", func(t *testing.T) {
		inc, err := Open(t.Context(), OpenOptions{Dir: t.TempDir(), Subject: testSubject})
		if err != nil {
			t.Fatal(err)
		}
		defer inc.Close()
		if !strings.HasPrefix(inc.ID(), "inc-") {
			t.Errorf("generated id %q", inc.ID())
		}
	})
	t.Run("metadata is written once", func(t *testing.T) {
		dir := t.TempDir()
		openTest(t, dir).Close()
		first, _ := os.ReadFile(filepath.Join(dir, MetaFile))
		inc, err := Open(t.Context(), OpenOptions{Dir: dir, Subject: testSubject,
			ToolVersion: "v9"})
		if err != nil {
			t.Fatal(err)
		}
		inc.Close()
		again, _ := os.ReadFile(filepath.Join(dir, MetaFile))
		var m meta
		if string(first) != string(again) || json.Unmarshal(again, &m) != nil ||
			m.Schema != metaSchema || m.ToolVersion != "test" {
			t.Errorf("incident.json changed or wrong: %s", again)
		}
	})
}

func TestIncidentDirNotUsable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "incident")
	_, err := Open(t.Context(), OpenOptions{Dir: dir, Subject: testSubject})
	var de *DirError
	if !errors.Is(err, ErrIncidentDir) || !errors.As(err, &de) || de.Dir != dir {
		t.Fatalf("open = %v, want an incident directory error naming %s", err, dir)
	}
	if !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("error %q does not say why", err)
	}
}

func TestModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "incidents", "inc-test")
	inc := openTest(t, dir)
	if _, err := inc.Run(t.Context(), twoSteps(newWorld()), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		mode os.FileMode
	}{
		{filepath.Dir(dir), 0o700 | os.ModeDir},
		{dir, 0o700 | os.ModeDir},
		{filepath.Join(dir, MetaFile), 0o600},
		{filepath.Join(dir, JournalFile), 0o600},
		{filepath.Join(dir, LockFile), 0o600},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			st, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode() != tt.mode {
				t.Errorf("mode = %v, want %v", st.Mode(), tt.mode)
			}
		})
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	first := openTest(t, dir)

	_, err := Open(t.Context(), OpenOptions{Dir: dir})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != os.Getpid() {
		t.Fatalf("second open = %v, want locked by pid %d", err, os.Getpid())
	}

	clock := newFakeClock()
	start := clock.Now()
	_, err = Open(t.Context(), OpenOptions{Dir: dir, LockWait: 5 * time.Second,
		Clock: clock})
	if !errors.Is(err, ErrLocked) || clock.Now().Sub(start) != 5*time.Second {
		t.Errorf("open waiting 5s = %v after %s", err, clock.Now().Sub(start))
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := Open(t.Context(), OpenOptions{Dir: dir})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	second.Close()
}

func TestClosedIncidentRefusesWork(t *testing.T) {
	inc := openTest(t, t.TempDir())
	inc.Close()
	if err := inc.Record(t.Context(), "x", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("record = %v, want closed", err)
	}
	res, err := inc.Run(t.Context(), twoSteps(newWorld()), RunOptions{})
	if !errors.Is(err, ErrClosed) || res.Status != RunFailed {
		t.Errorf("run = %s, %v, want failed, closed", res.Status, err)
	}
}

// TestConcurrentOpensNeverInterleave has goroutines take turns on one
// incident; every one's records must form one unbroken block.
func TestConcurrentOpensNeverInterleave(t *testing.T) {
	const workers = 6
	dir := t.TempDir()
	openTest(t, dir).Close()
	w := newWorld()
	runOwner := make([]string, workers)

	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			runOwner[g] = work(t, dir, w, g)
		})
	}
	wg.Wait()

	path := filepath.Join(dir, JournalFile)
	if err := VerifyJournal(path); err != nil {
		t.Fatal(err)
	}
	recs, _ := ReadJournal(path)
	var owners []string
	for _, r := range recs {
		owners = append(owners, ownerOf(r, runOwner))
	}
	if blocks := countBlocks(owners); blocks != workers {
		t.Errorf("%d blocks of records for %d workers: %v", blocks, workers, owners)
	}
}

// work opens the incident, waiting for the lock, records findings, runs a
// step and returns its run id.
func work(t *testing.T, dir string, w *world, g int) string {
	inc, err := Open(context.Background(), OpenOptions{Dir: dir, LockWait: time.Minute,
		Logger: zerolog.Nop()})
	if err != nil {
		t.Error(err)
		return ""
	}
	defer inc.Close()
	for range 3 {
		if err := inc.Record(t.Context(), "worker", g); err != nil {
			t.Error(err)
		}
	}
	key := string(rune('a' + g))
	res, err := inc.Run(t.Context(), []Step{&setStep{w: w, name: key, key: key,
		want: "set"}}, RunOptions{})
	if err != nil {
		t.Error(err)
	}
	return res.RunID
}

func ownerOf(r Record, runOwner []string) string {
	if r.Kind == KindFinding {
		var f Finding
		_ = json.Unmarshal(r.Data, &f)
		return string(rune('a' + int(f.Value.(float64))))
	}
	for g, id := range runOwner {
		if r.Run == id {
			return string(rune('a' + g))
		}
	}
	return "?"
}

func countBlocks(owners []string) int {
	n := 0
	for i, o := range owners {
		if i == 0 || owners[i-1] != o {
			n++
		}
	}
	return n
}
