package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Retention of the trail: LookupEvents sees 90 days, the AccessKey
// last-used APIs 400 days; older events are dropped.
const (
	lookupRetention = 90 * 24 * time.Hour
	keepRetention   = 400 * 24 * time.Hour
)

// Event is one audit event in ActionTrail's JSON format (eventId,
// eventTime, userIdentity, requestParameters, …).
type Event map[string]any

// storedEvent is an event with the fields queries filter on.
type storedEvent struct {
	seq       uint64
	time      time.Time
	visibleAt time.Time
	account   string
	region    string // storage region: the global-events region for global events
	ev        Event
}

// TrailStore keeps the audit events of every account, per storage region,
// in time order. It has its own lock, taken after the world lock when both
// are held.
type TrailStore struct {
	mu     sync.Mutex
	delay  time.Duration
	seq    uint64
	events map[string][]*storedEvent // account + "/" + region, by (time, seq)
}

// NewTrailStore returns an empty store whose events are visible at once.
func NewTrailStore() *TrailStore {
	return &TrailStore{events: map[string][]*storedEvent{}}
}

// SetDelay sets how long after it happens an event becomes visible to
// LookupEvents and the last-used APIs.
func (t *TrailStore) SetDelay(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delay = d
}

// Delay returns the visibility delay.
func (t *TrailStore) Delay() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delay
}

// AppendEvents adds events given in ActionTrail's format, as scenarios and
// the admin API supply them. Each needs an eventTime and an account
// (recipientAccountId or userIdentity.accountId); a missing eventId or
// requestId is generated. Nothing is added when any event is invalid.
func (t *TrailStore) AppendEvents(events []Event) error {
	stored := make([]*storedEvent, 0, len(events))
	for i, ev := range events {
		se, err := t.prepare(ev)
		if err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		stored = append(stored, se)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	touched := map[string]bool{}
	for _, se := range stored {
		touched[t.place(se)] = true
	}
	for key := range touched {
		list := t.events[key]
		sort.SliceStable(list, func(i, j int) bool { return list[i].before(list[j]) })
	}
	return nil
}

// Len counts the stored events.
func (t *TrailStore) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, list := range t.events {
		n += len(list)
	}
	return n
}

// Events returns copies of every stored event in time order, visible or
// not, for persistence and tests.
func (t *TrailStore) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	var all []*storedEvent
	for _, list := range t.events {
		all = append(all, list...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].before(all[j]) })
	out := make([]Event, len(all))
	for i, se := range all {
		out[i] = cloneEvent(se.ev)
	}
	return out
}

// record stores an event the front built, and now and then drops the
// events past retention.
func (t *TrailStore) record(ev Event) {
	se, err := t.prepare(ev)
	if err != nil {
		return // the front always fills time and account
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.insert(se)
	if t.seq%pruneEvery == 0 {
		t.prune(se.time)
	}
}

// pruneEvery is how many recorded events pass between two prunes.
const pruneEvery = 4096

// prepare checks an event and fills its generated fields.
func (t *TrailStore) prepare(in Event) (*storedEvent, error) {
	ev, err := normalize(in)
	if err != nil {
		return nil, err
	}
	when, perr := time.Parse(time.RFC3339, evText(ev["eventTime"]))
	if perr != nil {
		return nil, fmt.Errorf("eventTime %q: want 2006-01-02T15:04:05Z", evText(ev["eventTime"]))
	}
	account := firstNonEmpty(evText(ev["recipientAccountId"]), identityField(ev, "accountId"))
	if account == "" {
		return nil, fmt.Errorf("no recipientAccountId or userIdentity.accountId")
	}
	if evText(ev["eventId"]) == "" {
		ev["eventId"] = newUUID(false)
	}
	if evText(ev["requestId"]) == "" {
		ev["requestId"] = newUUID(true)
	}
	if _, ok := ev["recipientAccountId"]; !ok {
		ev["recipientAccountId"] = account
	}
	se := &storedEvent{time: when.UTC(), account: account, region: storageRegion(ev), ev: ev}
	return se, nil
}

// normalize gives an event the types JSON decoding gives (maps, []any,
// json.Number), whatever Go values it was built from.
func normalize(in Event) (Event, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var ev Event
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	return ev, nil
}

// storageRegion is where an event is kept: global events in the
// global-events region, the others in their acsRegion.
func storageRegion(ev Event) string {
	if b, ok := ev["isGlobal"].(bool); ok && b {
		return DefaultRegion
	}
	return firstNonEmpty(evText(ev["acsRegion"]), DefaultRegion)
}

// place numbers an event and appends it to its list, which the caller
// sorts. The lock is held.
func (t *TrailStore) place(se *storedEvent) string {
	t.seq++
	se.seq = t.seq
	se.visibleAt = se.time.Add(t.delay)
	key := se.account + "/" + se.region
	t.events[key] = append(t.events[key], se)
	return key
}

// insert places one event in time order. The lock is held.
func (t *TrailStore) insert(se *storedEvent) {
	t.seq++
	se.seq = t.seq
	se.visibleAt = se.time.Add(t.delay)
	key := se.account + "/" + se.region
	list := t.events[key]
	i := sort.Search(len(list), func(i int) bool { return se.before(list[i]) })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = se
	t.events[key] = list
}

func (a *storedEvent) before(b *storedEvent) bool {
	if !a.time.Equal(b.time) {
		return a.time.Before(b.time)
	}
	return a.seq < b.seq
}

// prune drops events older than the longest retention. The lock is held.
func (t *TrailStore) prune(now time.Time) {
	limit := now.Add(-keepRetention)
	for key, list := range t.events {
		i := sort.Search(len(list), func(i int) bool { return !list[i].time.Before(limit) })
		if i > 0 {
			t.events[key] = append([]*storedEvent(nil), list[i:]...)
		}
	}
}

// scan calls fn with the visible events of an account in a region between
// from and to (inclusive), oldest first or newest first, until fn returns
// false. The lock is held by the caller.
func (t *TrailStore) scan(account, region string, from, to, now time.Time,
	forward bool, fn func(*storedEvent) bool) {
	list := t.events[account+"/"+region]
	lo := sort.Search(len(list), func(i int) bool { return !list[i].time.Before(from) })
	hi := sort.Search(len(list), func(i int) bool { return list[i].time.After(to) })
	for k := 0; k < hi-lo; k++ {
		i := lo + k
		if !forward {
			i = hi - 1 - k
		}
		if list[i].visibleAt.After(now) {
			continue
		}
		if !fn(list[i]) {
			return
		}
	}
}

// keyEvents returns the visible events made with an AccessKey, in every
// region of the account, newest first.
func (t *TrailStore) keyEvents(account, keyID string, now time.Time) []*storedEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*storedEvent
	for key, list := range t.events {
		if !strings.HasPrefix(key, account+"/") {
			continue
		}
		for _, se := range list {
			if se.visibleAt.After(now) || now.Sub(se.time) > keepRetention {
				continue
			}
			if identityField(se.ev, "accessKeyId") == keyID {
				out = append(out, se)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[j].before(out[i]) })
	return out
}

// restore replaces the content with saved events (persistence).
func (t *TrailStore) restore(events []Event, delay time.Duration) error {
	fresh := NewTrailStore()
	fresh.delay = delay
	if err := fresh.AppendEvents(events); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events, t.seq, t.delay = fresh.events, fresh.seq, delay
	return nil
}

func identityField(ev Event, name string) string {
	id, _ := ev["userIdentity"].(map[string]any)
	return evText(id[name])
}

// evText renders a JSON scalar as text ("" for absent or structured values).
func evText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64, bool, int, int64:
		return fmt.Sprint(x)
	}
	return ""
}

// cloneEvent deep-copies an event so that callers cannot change stored
// ones.
func cloneEvent(ev Event) Event {
	return Event(cloneValue(map[string]any(ev)).(map[string]any))
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case Event:
		return cloneValue(map[string]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []string:
		return append([]string(nil), x...)
	}
	return v
}

// newUUID returns a random version-4 UUID, upper-case for request ids.
func newUUID(upper bool) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

// Parameters never copied into requestParameters: signature machinery and
// secrets.
var unloggedParams = map[string]bool{
	"AccessKeyId": true, "Signature": true, "SignatureMethod": true,
	"SignatureNonce": true, "SignatureVersion": true, "SignatureType": true,
	"Timestamp": true, "Format": true, "Version": true, "Action": true,
	"SecurityToken": true, "BearerToken": true, "AccessKeySecret": true,
}

// Response fields never copied into responseElements.
var secretFields = map[string]bool{
	"AccessKeySecret": true, "SecurityToken": true, "Password": true,
}

// callEvent builds the audit event of one answered call.
func callEvent(ep Endpoint, out outcome, scheme string) Event {
	r, id := out.req, out.ident
	global := ep.Product != ProductActionTrail
	region := r.Region
	if global {
		region = DefaultRegion
	}
	ev := Event{
		"eventId":             newUUID(false),
		"eventVersion":        1,
		"eventTime":           r.Now.UTC().Format(timestampLayout),
		"eventName":           ep.Action,
		"eventSource":         hostID(ep.Product, r.Region),
		"eventType":           "ApiCall",
		"eventRW":             ep.RW,
		"eventCategory":       "Management",
		"serviceName":         ep.Product,
		"apiVersion":          ep.Version,
		"acsRegion":           region,
		"isGlobal":            global,
		"requestId":           r.RequestID,
		"sourceIpAddress":     r.SourceIP,
		"userAgent":           r.UserAgent,
		"requestParameters":   requestParameters(ep, r, id),
		"additionalEventData": map[string]any{"Scheme": scheme},
		"recipientAccountId":  id.accountID,
		"userIdentity":        userIdentity(id),
	}
	if refs := referencedResources(r); len(refs) > 0 {
		ev["referencedResources"] = refs
	}
	if out.err != nil {
		ev["errorCode"] = out.err.Code
		ev["errorMessage"] = eventMessage(out.err)
		return ev
	}
	ev["responseElements"] = responseElements(ep, out.response, r.RequestID)
	return ev
}

func requestParameters(ep Endpoint, r *Request, id *identity) map[string]any {
	p := map[string]any{}
	for k, v := range r.Params {
		lk := strings.ToLower(k)
		secret := strings.Contains(lk, "password") || strings.Contains(lk, "secret")
		if unloggedParams[k] || secret {
			continue
		}
		p[k] = v
	}
	p["AcsHost"] = r.Host
	p["AcsProduct"] = ep.Product
	p["HostId"] = hostID(ep.Product, r.Region)
	p["RequestId"] = r.RequestID
	p["RegionId"] = r.Region
	if id.kind == CallerRole {
		p["stsTokenPrincipalName"] = strings.Replace(id.userName, ":", "/", 1)
		p["stsTokenPlayerUid"] = accountNumber(id.accountID)
	}
	return p
}

// responseElements keeps the whole answer of a write, without secrets, and
// only the RequestId of a read (as the service does for list calls).
func responseElements(ep Endpoint, resp map[string]any, requestID string) map[string]any {
	if ep.RW != "Write" {
		return map[string]any{"RequestId": requestID}
	}
	out := scrub(resp).(map[string]any)
	out["RequestId"] = requestID
	return out
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !secretFields[k] {
				out[k] = scrub(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrub(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrub(e)
		}
		return out
	}
	return v
}

// eventMessage is the error message as the trail keeps it: the string to
// sign of a signature error (which can hold a SecurityToken) is cut off.
func eventMessage(e *APIError) string {
	msg, _, _ := strings.Cut(e.Message, " server string to sign is:")
	return msg
}

func userIdentity(id *identity) map[string]any {
	typ := map[CallerKind]string{
		CallerRoot: "root-account", CallerUser: "ram-user", CallerRole: "assumed-role",
	}[id.kind]
	u := map[string]any{
		"type":        typ,
		"accountId":   id.accountID,
		"principalId": id.principalID,
		"userName":    id.userName,
		"accessKeyId": id.accessKeyID,
	}
	if id.kind == CallerRole {
		attrs := map[string]any{"mfaAuthenticated": "false"}
		if id.token != nil && !id.token.Created.IsZero() {
			attrs["creationDate"] = id.token.Created.UTC().Format(time.RFC3339)
		}
		u["sessionContext"] = map[string]any{"attributes": attrs}
	}
	return u
}

// referencedResources names the RAM entities a call's parameters point at.
func referencedResources(r *Request) map[string]any {
	refs := map[string]any{}
	for param, typ := range map[string]string{
		"UserName":   "ACS::RAM::User",
		"RoleName":   "ACS::RAM::Role",
		"GroupName":  "ACS::RAM::Group",
		"PolicyName": "ACS::RAM::Policy",
	} {
		if v := r.Param(param); v != "" {
			refs[typ] = []any{v}
		}
	}
	if m := roleARNRE.FindStringSubmatch(r.Param("RoleArn")); m != nil {
		refs["ACS::RAM::Role"] = []any{m[2]}
	}
	return refs
}

// accountNumber renders a numeric account id as a JSON number, as the
// service does for stsTokenPlayerUid, and anything else as text.
func accountNumber(id string) any {
	for _, c := range id {
		if c < '0' || c > '9' {
			return id
		}
	}
	if id == "" || (id[0] == '0' && len(id) > 1) {
		return id
	}
	return json.Number(id)
}

// The ActionTrail API (2020-07-06) as far as incident response needs it.

func trailEndpoints() []Endpoint {
	ep := func(action, rw string, h Handler) Endpoint {
		return Endpoint{Product: ProductActionTrail, Version: VersionActionTrail,
			Action: action, RW: rw, Handler: h}
	}
	return []Endpoint{
		ep("LookupEvents", "Read", lookupEvents),
		ep("GetAccessKeyLastUsedInfo", "Read", lastUsedInfo),
		ep("GetAccessKeyLastUsedEvents", "Read", lastUsedEvents),
		ep("GetAccessKeyLastUsedIps", "Read", lastUsedIps),
		ep("GetAccessKeyLastUsedResources", "Read", lastUsedResources),
		ep("GetAccessKeyLastUsedProducts", "Read", lastUsedProducts),
		ep("DescribeRegions", "Read", describeRegions),
		ep("GetGlobalEventsStorageRegion", "Read", globalEventsRegion),
	}
}

// region is one ActionTrail region.
type region struct{ id, en, zh string }

// regions are the public ActionTrail regions; cn-hangzhou also stores the
// global events.
var regions = []region{
	{"cn-qingdao", "China (Qingdao)", "华北1（青岛）"},
	{"cn-beijing", "China (Beijing)", "华北2（北京）"},
	{"cn-zhangjiakou", "China (Zhangjiakou)", "华北3（张家口）"},
	{"cn-huhehaote", "China (Hohhot)", "华北5（呼和浩特）"},
	{"cn-wulanchabu", "China (Ulanqab)", "华北6（乌兰察布）"},
	{"cn-hangzhou", "China (Hangzhou)", "华东1（杭州）"},
	{"cn-shanghai", "China (Shanghai)", "华东2（上海）"},
	{"cn-nanjing", "China (Nanjing - Local Region)", "华东5（南京-本地地域）"},
	{"cn-shenzhen", "China (Shenzhen)", "华南1（深圳）"},
	{"cn-heyuan", "China (Heyuan)", "华南2（河源）"},
	{"cn-guangzhou", "China (Guangzhou)", "华南3（广州）"},
	{"cn-chengdu", "China (Chengdu)", "西南1（成都）"},
	{"cn-hongkong", "China (Hong Kong)", "中国香港"},
	{"ap-northeast-1", "Japan (Tokyo)", "日本（东京）"},
	{"ap-northeast-2", "South Korea (Seoul)", "韩国（首尔）"},
	{"ap-southeast-1", "Singapore", "新加坡"},
	{"ap-southeast-3", "Malaysia (Kuala Lumpur)", "马来西亚（吉隆坡）"},
	{"ap-southeast-5", "Indonesia (Jakarta)", "印度尼西亚（雅加达）"},
	{"ap-southeast-6", "Philippines (Manila)", "菲律宾（马尼拉）"},
	{"ap-southeast-7", "Thailand (Bangkok)", "泰国（曼谷）"},
	{"us-east-1", "US (Virginia)", "美国（弗吉尼亚）"},
	{"us-west-1", "US (Silicon Valley)", "美国（硅谷）"},
	{"eu-west-1", "UK (London)", "英国（伦敦）"},
	{"eu-central-1", "Germany (Frankfurt)", "德国（法兰克福）"},
	{"me-east-1", "UAE (Dubai)", "阿联酋（迪拜）"},
	{"me-central-1", "SAU (Riyadh - Partner Region)", "沙特（利雅得）"},
}

// Regions lists the ids of the regions the emulator serves.
func Regions() []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.id
	}
	return out
}

func knownRegion(id string) bool {
	for _, r := range regions {
		if r.id == id {
			return true
		}
	}
	return false
}

func describeRegions(_ *World, r *Request) (map[string]any, error) {
	zh := r.Param("AcceptLanguage") == "zh-CN"
	list := make([]any, len(regions))
	for i, rg := range regions {
		name := rg.en
		if zh {
			name = rg.zh
		}
		list[i] = map[string]any{
			"RegionId":       rg.id,
			"RegionEndpoint": "actiontrail." + rg.id + ".aliyuncs.com",
			"LocalName":      name,
		}
	}
	return map[string]any{"Regions": map[string]any{"Region": list}}, nil
}

func globalEventsRegion(_ *World, _ *Request) (map[string]any, error) {
	return map[string]any{"StorageRegion": DefaultRegion}, nil
}

func errQuery(format string, args ...any) *APIError {
	return Errorf(400, "InvalidQueryParameter", format, args...)
}

// LookupEvents limits (reference §3.5).
const (
	defaultLookupWindow = 7 * 24 * time.Hour
	defaultMaxResults   = 20
	maxMaxResults       = 50
)

// lookupKeys are the LookupAttribute keys the service accepts, each with
// the event values it matches.
var lookupKeys = map[string]func(Event) []string{
	"ServiceName":      eventField("serviceName"),
	"EventName":        eventField("eventName"),
	"EventId":          eventField("eventId"),
	"EventRW":          eventField("eventRW"),
	"EventType":        eventField("eventType"),
	"SourceIpAddress":  eventField("sourceIpAddress"),
	"User":             identityValue("userName"),
	"EventAccessKeyId": identityValue("accessKeyId"),
	"PrincipalId":      identityValue("principalId"),
	"RoleName":         roleNameOf,
	"ResourceType":     resourceTypes,
	"ResourceName":     resourceNames,
	"SensitiveAction":  sensitiveOf,
}

// lookupPairs are the keys another key may be combined with.
var lookupPairs = map[string][]string{
	"ServiceName": {"EventName", "User", "PrincipalId", "RoleName", "ResourceName",
		"EventRW", "SensitiveAction", "EventType"},
	"ResourceName": {"ResourceType", "EventName", "User", "RoleName", "ServiceName"},
	"EventType":    {"EventName"},
}

// sensitiveActions are the events LookupAttribute SensitiveAction=true
// selects: changes to identities, credentials and permissions.
var sensitiveActions = map[string]bool{
	"CreateUser": true, "DeleteUser": true, "CreateAccessKey": true,
	"UpdateAccessKey": true, "DeleteAccessKey": true, "CreateLoginProfile": true,
	"UpdateLoginProfile": true, "AttachPolicyToUser": true, "AttachPolicyToRole": true,
	"AttachPolicyToGroup": true, "CreateRole": true, "DeleteRole": true,
	"UpdateRole": true, "CreatePolicy": true, "CreatePolicyVersion": true,
	"AddUserToGroup": true,
}

type lookupAttr struct{ key, value string }

// lookupQuery is a validated LookupEvents call.
type lookupQuery struct {
	account, region string
	start, end      time.Time
	forward         bool
	attrs           []lookupAttr
	limit           int
	after           *lookupCursor
	fingerprint     string
}

// lookupCursor is the decoded NextToken: where the last page stopped, the
// window it was resolved to, and a digest of the other parameters.
type lookupCursor struct {
	Account string `json:"account"`
	EventID string `json:"eventId"`
	Time    int64  `json:"time"`
	LogID   uint64 `json:"logId"`
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
	Query   string `json:"query"`
}

func lookupEvents(w *World, r *Request) (map[string]any, error) {
	q, err := readLookup(r)
	if err != nil {
		return nil, err
	}
	events, next := w.Trail.lookup(q, r.Now)
	out := map[string]any{
		"StartTime": q.start.Format(timestampLayout),
		"EndTime":   q.end.Format(timestampLayout),
		"Events":    events,
	}
	if next != nil {
		out["NextToken"] = encodeToken(next)
	}
	return out, nil
}

func readLookup(r *Request) (*lookupQuery, *APIError) {
	q := &lookupQuery{account: r.Caller.Account.ID, region: r.Region, limit: defaultMaxResults}
	var err *APIError
	if q.attrs, err = readAttrs(r.Params); err != nil {
		return nil, err
	}
	switch d := r.Param("Direction"); d {
	case "", "BACKWARD":
	case "FORWARD":
		q.forward = true
	default:
		return nil, errQuery("The specified Direction %q is invalid.", clip(d))
	}
	if m := r.Param("MaxResults"); m != "" {
		if q.limit, err = intInRange(m, 1, maxMaxResults, "MaxResults"); err != nil {
			return nil, err
		}
	}
	q.fingerprint = lookupFingerprint(r.Params, q.attrs)
	if tok := r.Param("NextToken"); tok != "" {
		return q, q.resume(tok)
	}
	return q, q.window(r.Param("StartTime"), r.Param("EndTime"), r.Now)
}

// window resolves StartTime and EndTime: both or neither, end after start,
// at most 90 days apart; neither means the last 7 days.
func (q *lookupQuery) window(start, end string, now time.Time) *APIError {
	if start == "" && end == "" {
		q.end = now.Truncate(time.Second)
		q.start = q.end.Add(-defaultLookupWindow)
		return nil
	}
	if start == "" || end == "" {
		return Errorf(400, "InvalidParameterCombination",
			"The StartTime and EndTime must be specified together.")
	}
	var err error
	if q.start, err = time.Parse(timestampLayout, start); err != nil {
		return Errorf(400, "InvalidParameterStartTime", "The specified start time is invalid.")
	}
	if q.end, err = time.Parse(timestampLayout, end); err != nil {
		return Errorf(400, "InvalidParameterEndTime", "The specified end time is invalid.")
	}
	if !q.end.After(q.start) {
		return Errorf(400, "InvalidParameterCombination",
			"The end time must be later than the start time.")
	}
	if q.end.Sub(q.start) > lookupRetention {
		return errQuery("The time range of a query cannot exceed 90 days.")
	}
	return nil
}

// resume continues from a NextToken, which must come with the same other
// parameters as the call that returned it.
func (q *lookupQuery) resume(token string) *APIError {
	var c lookupCursor
	if !decodeToken(token, &c) || c.Account != q.account {
		return errQuery("The specified NextToken is invalid.")
	}
	if c.Query != q.fingerprint {
		return errQuery("The NextToken does not match the other query parameters.")
	}
	q.after = &c
	q.start, q.end = time.Unix(c.Start, 0).UTC(), time.Unix(c.End, 0).UTC()
	return nil
}

// readAttrs reads LookupAttribute.N.Key/Value. Of more than two items only
// the first two count; a key given twice keeps its last value.
func readAttrs(p map[string]string) ([]lookupAttr, *APIError) {
	items, err := attrItems(p)
	if err != nil {
		return nil, err
	}
	if len(items) > 2 {
		items = items[:2]
	}
	if len(items) == 2 && items[0].key == items[1].key {
		items = items[1:]
	}
	for _, a := range items {
		if _, ok := lookupKeys[a.key]; !ok {
			return nil, errQuery("The LookupAttribute key %q is not supported.", clip(a.key))
		}
		if a.value == "" {
			return nil, errQuery("The LookupAttribute %s has no value.", a.key)
		}
	}
	if len(items) == 2 && !pairAllowed(items[0].key, items[1].key) {
		return nil, errQuery("The LookupAttribute keys %s and %s cannot be combined.",
			items[0].key, items[1].key)
	}
	return items, nil
}

// attrItems collects the numbered items in order of their number.
func attrItems(p map[string]string) ([]lookupAttr, *APIError) {
	byN := map[int]*lookupAttr{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, "LookupAttribute.")
		if !ok {
			continue
		}
		num, fieldName, _ := strings.Cut(rest, ".")
		n, err := intInRange(num, 1, 1000, "LookupAttribute")
		if err != nil {
			return nil, err
		}
		a := byN[n]
		if a == nil {
			a = &lookupAttr{}
			byN[n] = a
		}
		switch fieldName {
		case "Key":
			a.key = v
		case "Value":
			a.value = v
		default:
			return nil, errQuery("The parameter %q is not supported.", clip(k))
		}
	}
	nums := make([]int, 0, len(byN))
	for n := range byN {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	out := make([]lookupAttr, len(nums))
	for i, n := range nums {
		out[i] = *byN[n]
	}
	return out, nil
}

func pairAllowed(a, b string) bool {
	in := func(k, other string) bool {
		for _, o := range lookupPairs[k] {
			if o == other {
				return true
			}
		}
		return false
	}
	return in(a, b) || in(b, a)
}

// lookupFingerprint digests the parameters a NextToken is bound to.
func lookupFingerprint(p map[string]string, attrs []lookupAttr) string {
	parts := []string{p["StartTime"], p["EndTime"], p["Direction"]}
	for _, a := range attrs {
		parts = append(parts, a.key+"="+a.value)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// lookup returns one page of matching events and the cursor of the next
// page (nil on the last one).
func (t *TrailStore) lookup(q *lookupQuery, now time.Time) ([]Event, *lookupCursor) {
	t.mu.Lock()
	defer t.mu.Unlock()

	from, to := q.start, q.end
	if oldest := now.Add(-lookupRetention); from.Before(oldest) {
		from = oldest
	}
	if c := q.after; c != nil {
		at := time.UnixMilli(c.Time).UTC()
		if q.forward && at.After(from) {
			from = at
		} else if !q.forward && at.Before(to) {
			to = at
		}
	}
	page := make([]Event, 0, q.limit)
	var last *storedEvent
	more := false
	t.scan(q.account, q.region, from, to, now, q.forward, func(se *storedEvent) bool {
		if !q.pastCursor(se) || !q.matches(se.ev) {
			return true
		}
		if len(page) == q.limit {
			more = true
			return false
		}
		page = append(page, cloneEvent(se.ev))
		last = se
		return true
	})
	if !more {
		return page, nil
	}
	return page, &lookupCursor{
		Account: q.account, EventID: evText(last.ev["eventId"]),
		Time: last.time.UnixMilli(), LogID: last.seq,
		Start: q.start.Unix(), End: q.end.Unix(), Query: q.fingerprint,
	}
}

// pastCursor reports whether an event comes after the previous page.
func (q *lookupQuery) pastCursor(se *storedEvent) bool {
	c := q.after
	if c == nil {
		return true
	}
	ms := se.time.UnixMilli()
	if q.forward {
		return ms > c.Time || (ms == c.Time && se.seq > c.LogID)
	}
	return ms < c.Time || (ms == c.Time && se.seq < c.LogID)
}

func (q *lookupQuery) matches(ev Event) bool {
	for _, a := range q.attrs {
		if !hasValue(lookupKeys[a.key](ev), a.value) {
			return false
		}
	}
	return true
}

func hasValue(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

func eventField(name string) func(Event) []string {
	return func(ev Event) []string { return []string{evText(ev[name])} }
}

func identityValue(name string) func(Event) []string {
	return func(ev Event) []string { return []string{identityField(ev, name)} }
}

// roleNameOf is the role of an assumed-role identity ("role:session").
func roleNameOf(ev Event) []string {
	if identityField(ev, "type") != "assumed-role" {
		return nil
	}
	name, _, _ := strings.Cut(identityField(ev, "userName"), ":")
	return []string{name}
}

func resourceTypes(ev Event) []string {
	refs, _ := ev["referencedResources"].(map[string]any)
	out := make([]string, 0, len(refs))
	for typ := range refs {
		out = append(out, typ)
	}
	return out
}

func resourceNames(ev Event) []string {
	refs, _ := ev["referencedResources"].(map[string]any)
	var out []string
	for _, v := range refs {
		list, _ := v.([]any)
		for _, name := range list {
			out = append(out, evText(name))
		}
	}
	return out
}

func sensitiveOf(ev Event) []string {
	if sensitiveActions[evText(ev["eventName"])] {
		return []string{"true"}
	}
	return []string{"false"}
}

// encodeToken and decodeToken make opaque page tokens: base64 of JSON.
func encodeToken(v any) string {
	b, _ := json.Marshal(v)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeToken(tok string, v any) bool {
	b, err := base64.StdEncoding.DecodeString(tok)
	return err == nil && json.Unmarshal(b, v) == nil
}

func intInRange(s string, lo, hi int, name string) (int, *APIError) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errQuery("The parameter %s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

// The GetAccessKeyLastUsed* family: what an AccessKey did, computed from
// the trail (reference §3.5).

const (
	defaultUsedPageSize = 20
	maxUsedPageSize     = 100
)

// serviceNames gives the display names of services in last-used answers.
var serviceNames = map[string][2]string{
	"ram":         {"访问控制", "Resource Access Management"},
	"ims":         {"身份管理", "Identity Management"},
	"sts":         {"令牌服务", "Security Token Service"},
	"actiontrail": {"操作审计", "ActionTrail"},
	"ecs":         {"云服务器 ECS", "Elastic Compute Service"},
	"oss":         {"对象存储", "Object Storage Service"},
}

// keyUse is a validated last-used call: the key and its visible events,
// newest first.
type keyUse struct {
	keyID  string
	events []*storedEvent
}

// readKeyUse finds the events of the AccessKey parameter. A key unknown
// to the caller's account (neither held by it nor seen in its trail) is
// answered as not existing.
func readKeyUse(w *World, r *Request) (*keyUse, *APIError) {
	id := r.Param("AccessKey")
	if id == "" {
		return nil, errMissing("AccessKey")
	}
	acct := r.Caller.Account.ID
	u := &keyUse{keyID: id, events: w.Trail.keyEvents(acct, id, r.Now)}
	k, t := w.Key(id), w.TokenByID(id)
	owned := (k != nil && k.AccountID == acct) || (t != nil && t.AccountID == acct)
	if !owned && len(u.events) == 0 {
		return nil, Errorf(404, "EntityNotExist.AccessKey", "The AccessKey does not exist.")
	}
	return u, nil
}

func lastUsedInfo(w *World, r *Request) (map[string]any, error) {
	u, err := readKeyUse(w, r)
	if err != nil {
		return nil, err
	}
	out := keyOwner(w, r.Caller.Account, u)
	out["AccessKeyId"] = u.keyID
	out["AccountId"] = r.Caller.Account.ID
	out["OwnerId"] = r.Caller.Account.ID
	if len(u.events) > 0 {
		for k, v := range usedItem(u.events[0]) {
			out[k] = v
		}
		for k, v := range serviceItem(u.events[0]) {
			out[k] = v
		}
	}
	return out, nil
}

// keyOwner names the owner of a key: from the key when it still exists,
// else from the last event made with it.
func keyOwner(w *World, a *Account, u *keyUse) map[string]any {
	if k := w.Key(u.keyID); k != nil && k.AccountID == a.ID {
		if k.Owner == "" {
			return map[string]any{"UserName": "root", "AccountType": "root-account"}
		}
		return map[string]any{"UserName": k.Owner, "AccountType": "ram-user"}
	}
	if len(u.events) == 0 {
		return map[string]any{}
	}
	ev := u.events[0].ev
	return map[string]any{
		"UserName":    identityField(ev, "userName"),
		"AccountType": identityField(ev, "type"),
	}
}

func lastUsedEvents(w *World, r *Request) (map[string]any, error) {
	return lastUsedPage(w, r, "Events", eventField("eventName"),
		func(m map[string]any, v string) { m["EventName"] = v })
}

func lastUsedIps(w *World, r *Request) (map[string]any, error) {
	return lastUsedPage(w, r, "Ips", eventField("sourceIpAddress"),
		func(m map[string]any, v string) { m["Ip"] = v })
}

func lastUsedResources(w *World, r *Request) (map[string]any, error) {
	refs := func(ev Event) []string {
		var out []string
		for _, ref := range resourceRefs(ev) {
			out = append(out, ref[0]+"\x00"+ref[1])
		}
		return out
	}
	return lastUsedPage(w, r, "Resources", refs, func(m map[string]any, v string) {
		m["ResourceType"], m["ResourceName"], _ = strings.Cut(v, "\x00")
	})
}

func lastUsedProducts(w *World, r *Request) (map[string]any, error) {
	u, err := readKeyUse(w, r)
	if err != nil {
		return nil, err
	}
	items := []any{}
	seen := map[string]bool{}
	for _, se := range u.events {
		name := strings.ToLower(evText(se.ev["serviceName"]))
		if !seen[name] {
			seen[name] = true
			m := usedItem(se)
			for k, v := range serviceItem(se) {
				m[k] = v
			}
			items = append(items, m)
		}
	}
	return map[string]any{"Products": items}, nil
}

// lastUsedPage lists, for one service, the distinct values found in the
// key's events with the last time each was used; fill names a value.
func lastUsedPage(w *World, r *Request, list string, values func(Event) []string,
	fill func(m map[string]any, value string)) (map[string]any, error) {
	u, err := readKeyUse(w, r)
	if err != nil {
		return nil, err
	}
	service, err := needService(r)
	if err != nil {
		return nil, err
	}
	var items []map[string]any
	seen := map[string]bool{}
	for _, se := range u.events {
		if !serviceIs(se, service) {
			continue
		}
		for _, v := range values(se.ev) {
			if !seen[v] {
				seen[v] = true
				m := usedItem(se)
				fill(m, v)
				items = append(items, m)
			}
		}
	}
	return usedPage(r, list, items)
}

// usedPage cuts one page out of items with PageSize and NextToken.
func usedPage(r *Request, list string, items []map[string]any) (map[string]any, error) {
	size := defaultUsedPageSize
	if s := r.Param("PageSize"); s != "" && s != "0" {
		var err *APIError
		if size, err = intInRange(s, 0, maxUsedPageSize, "PageSize"); err != nil {
			return nil, err
		}
	}
	offset := 0
	if tok := r.Param("NextToken"); tok != "" {
		var c struct{ Offset int }
		if !decodeToken(tok, &c) || c.Offset < 0 || c.Offset > len(items) {
			return nil, errQuery("The specified NextToken is invalid.")
		}
		offset = c.Offset
	}
	end := min(offset+size, len(items))
	page := make([]any, 0, end-offset)
	for _, m := range items[offset:end] {
		page = append(page, m)
	}
	out := map[string]any{list: page}
	if end < len(items) {
		out["NextToken"] = encodeToken(struct{ Offset int }{end})
	}
	return out, nil
}

func needService(r *Request) (string, *APIError) {
	s := r.Param("ServiceName")
	if s == "" {
		return "", errMissing("ServiceName")
	}
	return s, nil
}

func serviceIs(se *storedEvent, service string) bool {
	return strings.EqualFold(evText(se.ev["serviceName"]), service)
}

// usedItem is the part every last-used item shares.
func usedItem(se *storedEvent) map[string]any {
	detail, _ := json.Marshal(se.ev)
	return map[string]any{
		"UsedTimestamp": se.time.UnixMilli(),
		"Detail":        string(detail),
		"Source":        "ManagementEvent",
	}
}

func serviceItem(se *storedEvent) map[string]any {
	name := evText(se.ev["serviceName"])
	names := serviceNames[strings.ToLower(name)]
	return map[string]any{
		"ServiceName":   name,
		"ServiceNameCn": firstNonEmpty(names[0], name),
		"ServiceNameEn": firstNonEmpty(names[1], name),
	}
}

// resourceRefs lists (type, name) pairs of referencedResources.
func resourceRefs(ev Event) [][2]string {
	refs, _ := ev["referencedResources"].(map[string]any)
	types := make([]string, 0, len(refs))
	for typ := range refs {
		types = append(types, typ)
	}
	sort.Strings(types)
	var out [][2]string
	for _, typ := range types {
		list, _ := refs[typ].([]any)
		for _, name := range list {
			out = append(out, [2]string{typ, evText(name)})
		}
	}
	return out
}
