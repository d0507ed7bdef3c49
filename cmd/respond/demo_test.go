package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/sim"
)

// The README's first command: it must contain the demo leak end to end,
// with no credentials in the environment.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
		"RESPOND_ENDPOINT"} {
		t.Setenv(k, "")
	}
	w := &world{t: t, dir: dir}
	r := w.respond("demo", "--output", "json")
	if r.code != exitOK {
		t.Fatalf("demo: exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	doc := decode(t, r.stdout)
	if doc["key_id"] != sim.DemoLeakedKeyID || doc["status"] != "converged" {
		t.Fatalf("demo contained %v with status %v", doc["key_id"], doc["status"])
	}
	incidents, _ := filepath.Glob(filepath.Join(dir, "incidents", "*", "journal.jsonl"))
	if len(incidents) != 1 {
		t.Fatalf("demo wrote %d incident journals, want 1", len(incidents))
	}
	if err := playbook.VerifyJournal(incidents[0]); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(incidents[0])
	if !strings.Contains(string(b), `"UpdateAccessKey"`) {
		t.Fatal("the journal does not record the disable call")
	}
}
