package playbook

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// world is an in-memory cloud: named resources holding a value.
type world struct {
	mu      sync.Mutex
	vals    map[string]string
	applies int
	reqs    int
}

func newWorld(kv ...string) *world {
	w := &world{vals: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		w.vals[kv[i]] = kv[i+1]
	}
	return w
}

func (w *world) get(k string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.vals[k]
}

func (w *world) set(k, v string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.vals[k] = v
}

func (w *world) applyCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.applies
}

// apply counts one mutating call and, unless it fails, makes it.
func (w *world) apply(k, v string, fail error) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.applies++
	w.reqs++
	if fail == nil {
		w.vals[k] = v
	}
	return fmt.Sprintf("req-%d", w.reqs)
}

// crash says how a setStep's Apply dies like a killed process: the
// goroutine running the engine ends without another line written.
type crash int

const (
	noCrash     crash = iota
	crashBefore       // dies before the call reaches the cloud
	crashAfter        // dies after the cloud made the change
)

// setStep sets resource key to want. Its call names the value it replaces,
// so a world changed behind the plan's back shows up as different calls.
type setStep struct {
	w         *world
	name      string
	key       string
	want      string
	fail      error // Apply's answer
	crash     crash
	lag       int   // Verify reports not converged this many times first
	verifyErr error // Verify's answer instead, when set
	verifies  int
}

func (s *setStep) Name() string { return s.name }

func (s *setStep) Check(ctx context.Context) (Check, error) {
	if err := ctx.Err(); err != nil {
		return Check{}, err
	}
	cur := s.w.get(s.key)
	if cur == s.want {
		return Check{Before: cur}, nil
	}
	return Check{Before: cur, Calls: []Call{{Service: "fake", Action: "Set",
		Params: map[string]string{"key": s.key, "from": cur, "to": s.want}}}}, nil
}

func (s *setStep) Apply(ctx context.Context, c Call) (Applied, error) {
	switch s.crash {
	case crashBefore:
		runtime.Goexit()
	case crashAfter:
		s.w.apply(c.Params["key"], c.Params["to"], nil)
		runtime.Goexit()
	}
	id := s.w.apply(c.Params["key"], c.Params["to"], s.fail)
	if s.fail != nil {
		return Applied{}, s.fail
	}
	return Applied{RequestID: id, Detail: map[string]string{"set": c.Params["to"]}}, nil
}

func (s *setStep) Verify(ctx context.Context) (any, error) {
	s.verifies++
	if s.verifyErr != nil {
		return nil, s.verifyErr
	}
	if s.lag > 0 {
		s.lag--
		return "stale", fmt.Errorf("%s not yet %s: %w", s.key, s.want, ErrNotConverged)
	}
	cur := s.w.get(s.key)
	if cur != s.want {
		return cur, fmt.Errorf("%s is %s: %w", s.key, cur, ErrNotConverged)
	}
	return cur, nil
}

// cloudErr is what the ram package's errors look like to the engine.
type cloudErr struct{ code, req string }

func (e *cloudErr) Error() string     { return "fake " + e.code + " request " + e.req }
func (e *cloudErr) Code() string      { return e.code }
func (e *cloudErr) RequestID() string { return e.req }

// fakeClock never waits: Sleep moves Now on.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

const testSubject = "LTAI5tFakeKey000000000001"

func openTest(t *testing.T, dir string) *Incident {
	t.Helper()
	inc, err := Open(t.Context(), OpenOptions{Dir: dir, IncidentID: "inc-test",
		Subject: testSubject, ToolVersion: "test", Logger: zerolog.Nop(),
		Clock: newFakeClock()})
	if err != nil {
		t.Fatalf("open incident: %v", err)
	}
	t.Cleanup(func() { inc.Close() })
	return inc
}

// runOnce opens dir, runs steps, and closes it again.
func runOnce(t *testing.T, dir string, steps []Step, o RunOptions) (*Result, error) {
	t.Helper()
	inc := openTest(t, dir)
	defer inc.Close()
	return inc.Run(t.Context(), steps, o)
}

// runCrashing runs steps until a step's Apply dies, leaving the journal as
// a killed process would, then releases the lock as the kernel would.
func runCrashing(t *testing.T, dir string, steps []Step) {
	t.Helper()
	inc := openTest(t, dir)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = inc.Run(t.Context(), steps, RunOptions{})
		t.Error("run returned; its step was meant to crash")
	}()
	<-done
	if err := inc.Close(); err != nil {
		t.Fatal(err)
	}
}

func twoSteps(w *world) []Step {
	return []Step{
		&setStep{w: w, name: "disable", key: "key", want: "Inactive"},
		&setStep{w: w, name: "revoke", key: "role", want: "recreated"},
	}
}

func statuses(res *Result) []string {
	var out []string
	for _, s := range res.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return out
}

// wantSteps checks the steps' statuses, each written name=status.
func wantSteps(t *testing.T, res *Result, want ...string) {
	t.Helper()
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("steps = %v, want %v", got, want)
	}
}

func kinds(t *testing.T, path string) []string {
	t.Helper()
	recs, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Kind)
	}
	return out
}

var errBoom = errors.New("boom")
