package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as Go duration
// text ("1.5s"); a bare JSON number is taken as nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "1h30m" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("duration %s: want text like \"1s\" or nanoseconds", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// FaultRule is what goes wrong with one API (or, under "*", with every API
// that has no rule of its own).
type FaultRule struct {
	// Latency is added before the call is processed, plus a uniform random
	// part in [0, Jitter).
	Latency Duration `json:"latency,omitempty"`
	Jitter  Duration `json:"jitter,omitempty"`

	// ErrorRate (0..1) of calls answered with ErrorCode: "InternalError"
	// (500, the default) or "ServiceUnavailable" (503). ErrorNext answers
	// the next N calls so, whatever the rate.
	ErrorRate float64 `json:"error_rate,omitempty"`
	ErrorCode string  `json:"error_code,omitempty"`
	ErrorNext int     `json:"error_next,omitempty"`

	// DropRate (0..1) of connections closed without an answer; DropNext
	// drops the next N. With DropAfter the action runs first and only the
	// answer is lost, as when a network fails on the way back.
	DropRate  float64 `json:"drop_rate,omitempty"`
	DropNext  int     `json:"drop_next,omitempty"`
	DropAfter bool    `json:"drop_after,omitempty"`

	// RateLimit, calls per second per account, replaces the documented
	// limit of this API while throttling is on.
	RateLimit float64 `json:"rate_limit,omitempty"`
}

// FaultConfig is the whole fault setting, as the admin API reads and
// writes it.
type FaultConfig struct {
	// Seed makes random decisions repeatable; 0 keeps the current source.
	Seed int64 `json:"seed,omitempty"`

	// Throttling turns the per-API flow-control limits on.
	Throttling bool `json:"throttling,omitempty"`

	// ConsistencyDelay is how long the cloud takes to converge: DeleteRole
	// keeps answering DeleteConflict.Role.Policy that long after the role's
	// last policy was detached, and key listings keep showing a key's old
	// status that long after UpdateAccessKey.
	ConsistencyDelay Duration `json:"consistency_delay,omitempty"`

	// APIs maps an action name, or "*", to its faults.
	APIs map[string]FaultRule `json:"apis,omitempty"`
}

// documentedLimits are per-API flow-control limits in calls per second
// (reference §4.1). RAM and IMS publish none: they get defaultLimit.
var documentedLimits = map[string]float64{
	"LookupEvents":                  10,
	"GetAccessKeyLastUsedInfo":      50,
	"GetAccessKeyLastUsedEvents":    50,
	"GetAccessKeyLastUsedIps":       50,
	"GetAccessKeyLastUsedResources": 50,
	"GetAccessKeyLastUsedProducts":  50,
	"DescribeRegions":               100,
	"GetGlobalEventsStorageRegion":  10,
	"AssumeRole":                    100,
}

const defaultLimit = 100

// FaultSet holds the faults in force. It has its own lock: the front asks
// it for decisions before it takes the world lock.
type FaultSet struct {
	mu      sync.Mutex
	cfg     FaultConfig
	rng     *rand.Rand
	buckets map[string]*bucket
}

// NewFaultSet returns a fault set with no faults and a random seed.
func NewFaultSet() *FaultSet {
	return &FaultSet{
		rng:     rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		buckets: map[string]*bucket{},
	}
}

// Set replaces the configuration. Throttle buckets restart full.
func (f *FaultSet) Set(cfg FaultConfig) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()

	cfg.APIs = cloneRules(cfg.APIs)
	f.cfg = cfg
	if cfg.Seed != 0 {
		f.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))
	}
	f.buckets = map[string]*bucket{}
	return nil
}

// Config returns a copy of the configuration.
func (f *FaultSet) Config() FaultConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfg
	c.APIs = cloneRules(c.APIs)
	return c
}

// Reset removes every fault but keeps the random source.
func (f *FaultSet) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = FaultConfig{}
	f.buckets = map[string]*bucket{}
}

// ConsistencyDelay is the window after a role's last policy detach during
// which DeleteRole still sees the attachment.
func (f *FaultSet) ConsistencyDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(f.cfg.ConsistencyDelay)
}

// SetConsistencyDelay changes only the consistency delay.
func (f *FaultSet) SetConsistencyDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.ConsistencyDelay = Duration(d)
}

// SetRule sets the faults of one API ("*" for all).
func (f *FaultSet) SetRule(api string, r FaultRule) error {
	cfg := f.Config()
	if cfg.APIs == nil {
		cfg.APIs = map[string]FaultRule{}
	}
	cfg.APIs[api] = r
	cfg.Seed = 0
	return f.Set(cfg)
}

// SetThrottling turns the flow-control limits on or off.
func (f *FaultSet) SetThrottling(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.Throttling = on
	f.buckets = map[string]*bucket{}
}

func (c FaultConfig) validate() error {
	if c.ConsistencyDelay < 0 {
		return fmt.Errorf("consistency_delay must not be negative")
	}
	for api, r := range c.APIs {
		if err := r.validate(); err != nil {
			return fmt.Errorf("faults of %s: %w", api, err)
		}
	}
	return nil
}

func (r FaultRule) validate() error {
	switch {
	case r.Latency < 0 || r.Jitter < 0:
		return fmt.Errorf("latency and jitter must not be negative")
	case r.ErrorRate < 0 || r.ErrorRate > 1, r.DropRate < 0 || r.DropRate > 1:
		return fmt.Errorf("rates must be between 0 and 1")
	case r.ErrorNext < 0 || r.DropNext < 0 || r.RateLimit < 0:
		return fmt.Errorf("counts and limits must not be negative")
	}
	switch r.ErrorCode {
	case "", "InternalError", "ServiceUnavailable":
		return nil
	}
	return fmt.Errorf("error_code %q: want InternalError or ServiceUnavailable", r.ErrorCode)
}

func cloneRules(m map[string]FaultRule) map[string]FaultRule {
	if m == nil {
		return nil
	}
	out := make(map[string]FaultRule, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// faultPlan is what the front must do to one call before running it.
type faultPlan struct {
	delay     time.Duration
	drop      bool
	dropAfter bool
	err       *APIError
}

// plan draws the latency, drop and forced-error decisions for one call.
func (f *FaultSet) plan(action string) faultPlan {
	f.mu.Lock()
	defer f.mu.Unlock()

	key, r, ok := f.rule(action)
	if !ok {
		return faultPlan{}
	}
	p := faultPlan{delay: time.Duration(r.Latency)}
	if r.Jitter > 0 {
		p.delay += time.Duration(f.rng.Int64N(int64(r.Jitter)))
	}
	switch {
	case r.DropNext > 0:
		r.DropNext--
		p.drop = true
	case r.DropRate > 0 && f.rng.Float64() < r.DropRate:
		p.drop = true
	}
	p.dropAfter = p.drop && r.DropAfter
	if !p.drop || p.dropAfter {
		p.err = f.forcedError(&r)
	}
	f.cfg.APIs[key] = r
	return p
}

func (f *FaultSet) forcedError(r *FaultRule) *APIError {
	hit := false
	switch {
	case r.ErrorNext > 0:
		r.ErrorNext--
		hit = true
	case r.ErrorRate > 0 && f.rng.Float64() < r.ErrorRate:
		hit = true
	}
	if !hit {
		return nil
	}
	if r.ErrorCode == "ServiceUnavailable" {
		return errUnavailable
	}
	return errInternal
}

func (f *FaultSet) rule(action string) (string, FaultRule, bool) {
	if r, ok := f.cfg.APIs[action]; ok {
		return action, r, true
	}
	r, ok := f.cfg.APIs["*"]
	return "*", r, ok
}

// allow takes one token from the bucket of (action, account) and reports
// false when the call must be throttled. now is the wall clock: buckets
// refill in real time, whatever the emulated clock says.
func (f *FaultSet) allow(action, account string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.cfg.Throttling {
		return true
	}
	limit := float64(defaultLimit)
	if l, ok := documentedLimits[action]; ok {
		limit = l
	}
	if _, r, ok := f.rule(action); ok && r.RateLimit > 0 {
		limit = r.RateLimit
	}
	key := action + "|" + account
	b := f.buckets[key]
	if b == nil {
		b = &bucket{tokens: max(limit, 1), last: now}
		f.buckets[key] = b
	}
	return b.take(limit, now)
}

// bucket is a token bucket holding one second of calls (at least one).
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) take(limit float64, now time.Time) bool {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(max(limit, 1), b.tokens+el*limit)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
