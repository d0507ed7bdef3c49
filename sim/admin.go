package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// adminPrefix is the path of the admin API. It is served on the same
// listener as the RPC path, unsigned: it is a test hook for a loopback
// emulator, never something a real cloud has.
const adminPrefix = "/_sim/"

// maxAdminBody bounds admin request bodies (events come in bulk).
const maxAdminBody = 32 << 20

// CallRecord is one RPC call as the call log keeps it.
type CallRecord struct {
	Time        time.Time `json:"time"`
	Product     string    `json:"product"`
	Action      string    `json:"action"`
	Version     string    `json:"version"`
	AccessKeyID string    `json:"access_key_id,omitempty"`
	Caller      string    `json:"caller,omitempty"` // principal ARN, when known
	Region      string    `json:"region"`
	Status      int       `json:"status"` // 0: connection dropped
	ErrorCode   string    `json:"error_code,omitempty"`
	RW          string    `json:"rw,omitempty"`
	RequestID   string    `json:"request_id"`
}

// callLogLimit bounds the call log; the oldest records go first.
const callLogLimit = 100_000

// callLog is the ordered record of RPC calls, with its own lock.
type callLog struct {
	mu    sync.Mutex
	calls []CallRecord
}

func newCallLog() *callLog { return &callLog{} }

func (l *callLog) add(c CallRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) >= callLogLimit {
		l.calls = append(l.calls[:0], l.calls[len(l.calls)-callLogLimit+1:]...)
	}
	l.calls = append(l.calls, c)
}

func (l *callLog) list() []CallRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]CallRecord(nil), l.calls...)
}

func (l *callLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

func newCallRecord(now time.Time, rc *rawCall, out outcome, requestID string) CallRecord {
	c := CallRecord{Time: now.UTC(), Product: out.product, RW: out.rw,
		Status: out.status, ErrorCode: errCode(out.err), RequestID: requestID}
	if out.err != nil {
		c.Status = out.err.Status
	}
	if rc != nil {
		c.Action, c.Version, c.Region = rc.action, rc.version, rc.region
		c.AccessKeyID = firstNonEmpty(rc.params["AccessKeyId"], v3KeyID(rc))
	}
	if out.ident != nil {
		c.AccessKeyID = out.ident.accessKeyID
		c.Caller = callerARN(out.ident)
	}
	return c
}

func v3KeyID(rc *rawCall) string {
	if rc.header == nil {
		return ""
	}
	a, err := parseV3Authorization(rc.header.Get("Authorization"))
	if err != nil {
		return ""
	}
	return a.KeyID
}

// admin serves /_sim/. It only reads and changes emulator state directly;
// it never dispatches an action.
type admin struct {
	s   *server
	mux *http.ServeMux
}

func newAdmin(s *server) *admin {
	a := &admin{s: s, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /_sim/state", a.getState)
	a.mux.HandleFunc("GET /_sim/calls", a.getCalls)
	a.mux.HandleFunc("DELETE /_sim/calls", a.deleteCalls)
	a.mux.HandleFunc("POST /_sim/events", a.postEvents)
	a.mux.HandleFunc("GET /_sim/faults", a.getFaults)
	a.mux.HandleFunc("PUT /_sim/faults", a.putFaults)
	a.mux.HandleFunc("DELETE /_sim/faults", a.deleteFaults)
	a.mux.HandleFunc("GET /_sim/clock", a.getClock)
	a.mux.HandleFunc("POST /_sim/clock", a.postClock)
	a.mux.HandleFunc("/_sim/", a.notFound)
	return a
}

func (a *admin) ServeHTTP(rw http.ResponseWriter, hr *http.Request) {
	a.mux.ServeHTTP(rw, hr)
}

// getState dumps the world. Secrets are included only with ?secrets=1:
// the admin API is a test hook and tests need them to sign as any key.
func (a *admin) getState(rw http.ResponseWriter, hr *http.Request) {
	st, err := snapshot(a.s.world, hr.URL.Query().Get("secrets") == "1")
	if err != nil {
		adminError(rw, http.StatusInternalServerError, err)
		return
	}
	adminJSON(rw, http.StatusOK, st)
}

func (a *admin) getCalls(rw http.ResponseWriter, _ *http.Request) {
	adminJSON(rw, http.StatusOK, map[string]any{"calls": a.s.calls.list()})
}

func (a *admin) deleteCalls(rw http.ResponseWriter, _ *http.Request) {
	a.s.calls.clear()
	rw.WriteHeader(http.StatusNoContent)
}

// postEvents appends events: a JSON array, or {"events":[…]}. Events
// without an account go to the default account.
func (a *admin) postEvents(rw http.ResponseWriter, hr *http.Request) {
	events, err := readEvents(hr.Body)
	if err != nil {
		adminError(rw, http.StatusBadRequest, err)
		return
	}
	if err := a.s.world.AppendEvents(events); err != nil {
		adminError(rw, http.StatusBadRequest, err)
		return
	}
	adminJSON(rw, http.StatusOK, map[string]any{"added": len(events)})
}

func readEvents(body io.Reader) ([]Event, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxAdminBody))
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	var list []Event
	if json.Unmarshal(data, &list) == nil {
		return list, nil
	}
	var wrapped struct {
		Events []Event `json:"events"`
	}
	if err := json.Unmarshal(data, &wrapped); err != nil {
		return nil, fmt.Errorf("decode events: want an array or {\"events\":[…]}: %w", err)
	}
	return wrapped.Events, nil
}

// AppendEvents adds events to the trail, filling the default account
// where an event names none.
func (w *World) AppendEvents(events []Event) error {
	w.mu.Lock()
	account := w.DefaultAccount
	w.mu.Unlock()
	filled := make([]Event, len(events))
	for i, ev := range events {
		filled[i] = cloneEvent(ev)
		if evText(ev["recipientAccountId"]) == "" && identityField(ev, "accountId") == "" {
			filled[i]["recipientAccountId"] = account
		}
	}
	return w.Trail.AppendEvents(filled)
}

func (a *admin) getFaults(rw http.ResponseWriter, _ *http.Request) {
	adminJSON(rw, http.StatusOK, a.s.world.Faults.Config())
}

func (a *admin) putFaults(rw http.ResponseWriter, hr *http.Request) {
	var cfg FaultConfig
	dec := json.NewDecoder(io.LimitReader(hr.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		adminError(rw, http.StatusBadRequest, fmt.Errorf("decode faults: %w", err))
		return
	}
	if err := a.s.world.Faults.Set(cfg); err != nil {
		adminError(rw, http.StatusBadRequest, err)
		return
	}
	adminJSON(rw, http.StatusOK, a.s.world.Faults.Config())
}

func (a *admin) deleteFaults(rw http.ResponseWriter, _ *http.Request) {
	a.s.world.Faults.Reset()
	rw.WriteHeader(http.StatusNoContent)
}

func (a *admin) getClock(rw http.ResponseWriter, _ *http.Request) {
	a.clockJSON(rw)
}

// postClock moves the emulated clock forward by {"advance":"1h"}.
func (a *admin) postClock(rw http.ResponseWriter, hr *http.Request) {
	var req struct {
		Advance Duration `json:"advance"`
	}
	if err := json.NewDecoder(io.LimitReader(hr.Body, 4096)).Decode(&req); err != nil {
		adminError(rw, http.StatusBadRequest, fmt.Errorf("decode clock: %w", err))
		return
	}
	if err := a.s.clock.Advance(time.Duration(req.Advance)); err != nil {
		adminError(rw, http.StatusBadRequest, err)
		return
	}
	a.clockJSON(rw)
}

func (a *admin) clockJSON(rw http.ResponseWriter) {
	adminJSON(rw, http.StatusOK, map[string]any{
		"now":    a.s.clock.Now().UTC().Format(time.RFC3339),
		"offset": Duration(a.s.clock.Offset()),
	})
}

func (a *admin) notFound(rw http.ResponseWriter, hr *http.Request) {
	adminError(rw, http.StatusNotFound, fmt.Errorf("no admin endpoint %s %s",
		hr.Method, hr.URL.Path))
}

func adminJSON(rw http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"encode failed"}`)
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_, _ = rw.Write(append(data, '\n'))
}

func adminError(rw http.ResponseWriter, status int, err error) {
	adminJSON(rw, status, map[string]string{"error": err.Error()})
}
