package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// journalLines runs two steps in a new incident and returns the journal's
// path and lines.
func journalLines(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := runOnce(t, dir, twoSteps(newWorld("key", "Active")), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, JournalFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string, tail string) {
	t.Helper()
	data := strings.Join(lines, "\n") + "\n" + tail
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptJournal(t *testing.T) {
	tests := []struct {
		name   string
		change func([]string) []string
		line   int
	}{
		{"garbage middle line", func(l []string) []string {
			l[2] = "not json"
			return l
		}, 3},
		{"edited middle line", func(l []string) []string {
			l[4] = strings.Replace(l[4], `"status":"ok"`, `"status":"error"`, 1)
			return l
		}, 6},
		{"removed line", func(l []string) []string { return slices.Delete(l, 3, 4) }, 4},
		{"swapped lines", func(l []string) []string {
			l[4], l[5] = l[5], l[4]
			return l
		}, 5},
		{"duplicated line", func(l []string) []string { return slices.Insert(l, 4, l[4]) }, 6},
		{"unknown version", func(l []string) []string {
			l[1] = strings.Replace(l[1], `"v":1,`, `"v":2,`, 1)
			return l
		}, 2},
		{"empty middle line", func(l []string) []string { return slices.Insert(l, 2, "") }, 3},
		{"edited line before the last", func(l []string) []string {
			l[10] = strings.Replace(l[10], `"status":"done"`, `"status":"failed"`, 1)
			return l
		}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, lines := journalLines(t)
			writeLines(t, path, tt.change(lines), "")

			err := VerifyJournal(path)
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Line != tt.line || !errors.Is(err, ErrJournalCorrupt) {
				t.Fatalf("verify = %v, want corruption at line %d", err, tt.line)
			}
			if _, err := ReadJournal(path); !errors.Is(err, ErrJournalCorrupt) {
				t.Errorf("read = %v, want corruption", err)
			}
			_, err = Open(t.Context(), OpenOptions{Dir: filepath.Dir(path)})
			if !errors.Is(err, ErrJournalCorrupt) {
				t.Errorf("open = %v, want corruption", err)
			}
			if !strings.Contains(err.Error(), "line") {
				t.Errorf("open error %q does not name the line", err)
			}
		})
	}
}

func TestTornLastLineIsRepaired(t *testing.T) {
	tests := []struct {
		name string
		tail string
	}{
		{"half a record", tornLine},
		{"invalid last line with its newline", tornLine + "\n"},
		{"whole record without its newline", `{"v":1,"seq":13,"kind":"x"}`},
		{"zeroes from a lost block", "\x00\x00\x00\x00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, lines := journalLines(t)
			writeLines(t, path, lines, tt.tail)
			if !errors.Is(VerifyJournal(path), ErrJournalCorrupt) {
				t.Error("verify accepted a torn last line")
			}
			if recs, err := ReadJournal(path); err != nil || len(recs) != len(lines) {
				t.Errorf("read: %d records, %v; want the %d whole ones", len(recs), err,
					len(lines))
			}

			inc := openTest(t, filepath.Dir(path))
			inc.Close()
			if err := VerifyJournal(path); err != nil {
				t.Fatalf("after repair: %v", err)
			}
			recs, _ := ReadJournal(path)
			last := recs[len(recs)-1]
			if len(recs) != len(lines)+1 || last.Kind != KindJournalRepaired {
				t.Fatalf("after repair: %d records, last %s", len(recs), last.Kind)
			}
			if !strings.Contains(string(last.Data), `"removed_bytes":`) {
				t.Errorf("repair record data = %s", last.Data)
			}
		})
	}
}

func TestJournalHeadCoversTheLastLine(t *testing.T) {
	dir := t.TempDir()
	res, err := runOnce(t, dir, twoSteps(newWorld()), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, JournalFile))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	sum := sha256.Sum256([]byte(lines[len(lines)-1]))
	if got := hex.EncodeToString(sum[:]); got != res.JournalHead {
		t.Errorf("journal head = %s, want the last line's hash %s", res.JournalHead, got)
	}
}

func TestJournalSeqAndFirstPrev(t *testing.T) {
	// Records are one line each and chain through prev; the first has none.
	path, lines := journalLines(t)
	recs, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Prev != "" || strings.Contains(lines[0], `"prev"`) {
		t.Errorf("first record carries prev: %s", lines[0])
	}
	for i, r := range recs {
		if r.Seq != int64(i+1) || r.V != JournalVersion {
			t.Errorf("record %d: seq %d v %d", i, r.Seq, r.V)
		}
	}
}
