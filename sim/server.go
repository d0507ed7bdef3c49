package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Request limits. A value may hold a policy document (6144 characters,
// possibly multi-byte); nothing legitimate comes near the body limit.
const (
	maxBodyBytes   = 256 << 10
	maxHeaderBytes = 256 << 10
	maxValueBytes  = 32 << 10
	maxParams      = 256
)

// DefaultRegion is the region of requests that name none; it is also where
// global (RAM, IMS, STS) events are stored.
const DefaultRegion = "cn-hangzhou"

// server is the HTTP front: one handler serves every product's RPC calls
// on "/" and the admin API under /_sim/.
type server struct {
	world  *World
	clock  *simClock           // the world's clock
	routes map[string]Endpoint // by version + " " + action
	known  map[string]string   // version → product
	calls  *callLog
	log    zerolog.Logger
	admin  http.Handler
	scheme string

	// wall is the clock clients sign with. Freshness checks (timestamp
	// skew, nonce window) and throttle buckets use it; everything else
	// uses the emulated clock world.Clock, which the admin API can move.
	wall func() time.Time

	lastPrune time.Time // of the nonce table; the world lock guards it
}

func newServer(w *World, clock *simClock, log zerolog.Logger, eps []Endpoint) *server {
	s := &server{
		world:  w,
		clock:  clock,
		routes: map[string]Endpoint{},
		known:  map[string]string{},
		calls:  newCallLog(),
		log:    log,
		scheme: "http",
		wall:   time.Now,
	}
	for _, ep := range eps {
		s.routes[ep.Version+" "+ep.Action] = ep
		s.known[ep.Version] = ep.Product
	}
	s.admin = newAdmin(s)
	return s
}

// ServeHTTP sends /_sim/ to the admin API and everything else to the RPC
// path; the two never meet.
func (s *server) ServeHTTP(rw http.ResponseWriter, hr *http.Request) {
	if strings.HasPrefix(hr.URL.Path, adminPrefix) {
		s.admin.ServeHTTP(rw, hr)
		return
	}
	s.serveRPC(rw, hr)
}

// rawCall is a parsed, not yet authenticated RPC request.
type rawCall struct {
	method    string
	host      string
	path      string
	query     map[string]string
	params    map[string]string // query and form body merged
	header    http.Header
	bodyHash  string
	sourceIP  string
	userAgent string
	action    string
	version   string
	region    string
	v3        *v3Auth
}

// outcome is the answer to one call and what the trail needs of it.
type outcome struct {
	status   int
	body     map[string]any
	err      *APIError
	product  string
	rw       string
	ident    *identity
	req      *Request
	response map[string]any // handler answer, for responseElements
}

func (s *server) serveRPC(rw http.ResponseWriter, hr *http.Request) {
	requestID := s.world.NewRequestID()
	rc, perr := parseCall(hr)
	ep, found := Endpoint{}, false
	if perr == nil {
		ep, perr = s.route(rc)
		found = perr == nil
	}
	if !found {
		s.reply(rw, rc, requestID, outcome{err: perr, product: s.guessProduct(rc)})
		return
	}

	plan := s.world.Faults.plan(ep.Action)
	if !sleepCtx(hr.Context(), plan.delay) {
		return
	}
	if plan.drop && !plan.dropAfter {
		s.drop(rw, rc, ep, requestID)
		return
	}
	out := s.execute(rc, ep, plan.err, requestID)
	if plan.dropAfter {
		s.drop(rw, rc, ep, requestID)
		return
	}
	s.reply(rw, rc, requestID, out)
}

// reply writes the answer and records the call.
func (s *server) reply(rw http.ResponseWriter, rc *rawCall, requestID string, out outcome) {
	region := DefaultRegion
	if rc != nil {
		region = rc.region
	}
	if out.err != nil {
		out.status = out.err.Status
		out.body = errorBody(out.err, out.product, region, requestID)
	}
	s.calls.add(newCallRecord(s.world.Clock(), rc, out, requestID))
	s.log.Debug().Str("action", callAction(rc)).Str("request_id", requestID).
		Int("status", out.status).Str("code", errCode(out.err)).Msg("sim call")
	writeJSON(rw, out.status, out.body)
}

// drop closes the connection without answering.
func (s *server) drop(rw http.ResponseWriter, rc *rawCall, ep Endpoint, requestID string) {
	out := outcome{product: ep.Product, rw: ep.RW,
		err: &APIError{Code: "ConnectionDropped"}}
	s.calls.add(newCallRecord(s.world.Clock(), rc, out, requestID))
	hj, ok := rw.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// route finds the endpoint of an action and version.
func (s *server) route(rc *rawCall) (Endpoint, *APIError) {
	switch {
	case rc.action == "":
		return Endpoint{}, errMissing("Action")
	case rc.version == "":
		return Endpoint{}, errMissing("Version")
	}
	if _, ok := s.known[rc.version]; !ok {
		return Endpoint{}, Errorf(http.StatusBadRequest, "InvalidVersion",
			"Specified parameter Version is not valid.")
	}
	ep, ok := s.routes[rc.version+" "+rc.action]
	if !ok {
		return Endpoint{}, Errorf(http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method.")
	}
	if ep.Product == ProductActionTrail && !knownRegion(rc.region) {
		return Endpoint{}, Errorf(http.StatusBadRequest, "InvalidRegionId",
			"The specified region %q does not exist.", rc.region)
	}
	return ep, nil
}

// guessProduct names the product of a request that could not be routed,
// for the HostId of the error, from its version or its host name.
func (s *server) guessProduct(rc *rawCall) string {
	if rc == nil {
		return ""
	}
	if p, ok := s.known[rc.version]; ok {
		return p
	}
	first, _, _ := strings.Cut(rc.host, ".")
	for _, p := range []string{ProductRAM, ProductIMS, ProductSTS, ProductActionTrail} {
		if strings.EqualFold(first, p) {
			return p
		}
	}
	return ""
}

// parseCall reads method, parameters and headers. It returns the partial
// call along with an error so that the error can still name a product.
func parseCall(hr *http.Request) (*rawCall, *APIError) {
	rc := &rawCall{
		method:    hr.Method,
		host:      hr.Host,
		path:      hr.URL.EscapedPath(),
		header:    hr.Header,
		sourceIP:  sourceIP(hr.RemoteAddr),
		userAgent: hr.UserAgent(),
	}
	rc.action = firstNonEmpty(hr.URL.Query().Get("Action"), hr.Header.Get("x-acs-action"))
	rc.version = firstNonEmpty(hr.URL.Query().Get("Version"), hr.Header.Get("x-acs-version"))
	rc.region = regionFromHost(hr.Host)
	if hr.Method != http.MethodGet && hr.Method != http.MethodPost {
		return rc, Errorf(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
			"The HTTP method %q is not supported.", hr.Method)
	}
	if err := rc.readParams(hr); err != nil {
		return rc, err
	}
	return rc, rc.resolveNames()
}

func (rc *rawCall) readParams(hr *http.Request) *APIError {
	query, err := url.ParseQuery(hr.URL.RawQuery)
	if err != nil {
		return errInvalid("The request query string is malformed.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, hr.Body, maxBodyBytes))
	if err != nil {
		return errInvalid("The request body is too large or unreadable.")
	}
	sum := sha256.Sum256(body)
	rc.bodyHash = hex.EncodeToString(sum[:])

	var form url.Values
	if isForm(hr.Header.Get("Content-Type")) && len(body) > 0 {
		if form, err = url.ParseQuery(string(body)); err != nil {
			return errInvalid("The request body is malformed.")
		}
	}
	var ferr *APIError
	if rc.query, ferr = flatten(query, nil); ferr != nil {
		return ferr
	}
	rc.params, ferr = flatten(form, rc.query)
	return ferr
}

// flatten turns url.Values into single values, refusing repeated names,
// oversized values and too many parameters. Values are added to base (a
// copy), so that query and form body merge.
func flatten(v url.Values, base map[string]string) (map[string]string, *APIError) {
	out := make(map[string]string, len(base)+len(v))
	for k, val := range base {
		out[k] = val
	}
	for k, vals := range v {
		if _, dup := out[k]; dup || len(vals) > 1 {
			return nil, errInvalid("The parameter %q is given more than once.", clip(k))
		}
		if len(vals[0]) > maxValueBytes || len(k) > 256 {
			return nil, errInvalid("The parameter %q is too long.", clip(k))
		}
		out[k] = vals[0]
	}
	if len(out) > maxParams {
		return nil, errInvalid("The request has too many parameters.")
	}
	return out, nil
}

// resolveNames settles action, version and region from the parameters.
func (rc *rawCall) resolveNames() *APIError {
	for _, p := range []struct {
		name   string
		header string
		dst    *string
	}{
		{"Action", "x-acs-action", &rc.action},
		{"Version", "x-acs-version", &rc.version},
	} {
		param, head := rc.params[p.name], rc.header.Get(p.header)
		if param != "" && head != "" && param != head {
			return errInvalid("The parameter %s and the header %s disagree.", p.name, p.header)
		}
		*p.dst = firstNonEmpty(param, head)
	}
	if r := rc.params["RegionId"]; r != "" {
		rc.region = r
	}
	return nil
}

func isForm(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// regionFromHost reads the region of a regional host name such as
// sts.cn-shanghai.aliyuncs.com or actiontrail-vpc.eu-west-1.aliyuncs.com.
func regionFromHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) == 4 && labels[2] == "aliyuncs" && labels[3] == "com" {
		return labels[1]
	}
	return DefaultRegion
}

func sourceIP(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip shortens text quoted back to a client.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func callAction(rc *rawCall) string {
	if rc == nil {
		return ""
	}
	return rc.action
}

func errCode(e *APIError) string {
	if e == nil {
		return ""
	}
	return e.Code
}

// asAPIError turns a handler error into an APIError; anything else is an
// internal error (its text is logged, never sent).
func asAPIError(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return errInternal, false
}

// execute authenticates, admits and runs one routed call under the world
// lock, and records its event.
func (s *server) execute(rc *rawCall, ep Endpoint, forced *APIError, requestID string) outcome {
	w := s.world
	w.mu.Lock()
	defer w.mu.Unlock()

	r := &Request{
		Product: ep.Product, Version: ep.Version, Action: ep.Action,
		Region: rc.region, Params: rc.params, RequestID: requestID,
		SourceIP: rc.sourceIP, UserAgent: rc.userAgent, Host: rc.host,
		Now: w.Clock().UTC(),
	}
	out := outcome{product: ep.Product, rw: ep.RW, req: r}
	ident, err := s.authenticate(rc, r)
	out.ident = ident
	if err == nil {
		err = s.admit(ep, r, forced)
	}
	if err == nil {
		out.response, err = s.run(ep, r)
	}
	if err != nil {
		out.err = err
	} else {
		out.status = http.StatusOK
		out.body = successBody(out.response, requestID)
	}
	if ident != nil {
		w.Trail.record(callEvent(ep, out, s.scheme))
	}
	return out
}

// admit applies flow control, forced faults and the RAM permission check.
func (s *server) admit(ep Endpoint, r *Request, forced *APIError) *APIError {
	if !s.world.Faults.allow(ep.Action, r.Caller.Account.ID, s.wall()) {
		return errThrottled
	}
	if forced != nil {
		return forced
	}
	if ep.Unauthorized {
		return nil
	}
	resource := "*"
	if ep.Resource != nil {
		resource = ep.Resource(s.world, r)
	}
	return s.world.Authorize(r, productCode(ep.Product)+":"+ep.Action, resource)
}

// run calls the handler. A handler that panics or fails with something
// other than an APIError answers InternalError; the cause is logged.
func (s *server) run(ep Endpoint, r *Request) (resp map[string]any, apiErr *APIError) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error().Str("action", ep.Action).Interface("panic", p).Msg("sim handler panic")
			resp, apiErr = nil, errInternal
		}
	}()
	resp, err := ep.Handler(s.world, r)
	if err != nil {
		ae, ok := asAPIError(err)
		if !ok {
			s.log.Error().Err(err).Str("action", ep.Action).Msg("sim handler failed")
		}
		if ae != nil {
			return nil, ae
		}
	}
	if resp == nil {
		resp = map[string]any{}
	}
	return resp, nil
}
