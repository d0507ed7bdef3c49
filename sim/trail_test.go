package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// histEvent is a historical event of the test account's ci-deploy user.
func histEvent(at time.Time, name, keyID, ip, region string) Event {
	return Event{
		"eventTime": at.UTC().Format(timestampLayout), "eventName": name,
		"eventType": "ApiCall", "eventRW": "Read", "serviceName": "Ecs",
		"acsRegion": region, "isGlobal": false, "sourceIpAddress": ip,
		"eventSource": "ecs." + region + ".aliyuncs.com",
		"userIdentity": map[string]any{"type": "ram-user", "accountId": testAccount,
			"userName": "ci-deploy", "accessKeyId": keyID},
	}
}

func lookupAll(t *testing.T, c *actiontrail.Client, base *actiontrail.LookupEventsRequest) (
	[]map[string]any, int) {
	t.Helper()
	var all []map[string]any
	pages := 0
	token := ""
	for {
		req := *base
		req.RpcRequest = actiontrail.CreateLookupEventsRequest().RpcRequest
		req.NextToken = token
		resp, err := c.LookupEvents(&req)
		if err != nil {
			t.Fatalf("lookup events page %d: %v", pages+1, err)
		}
		pages++
		all = append(all, resp.Events...)
		if resp.NextToken == "" {
			return all, pages
		}
		token = resp.NextToken
	}
}

func TestLookupEventsPagination(t *testing.T) {
	inst := startSim(t, Options{})
	now := inst.Now()
	var events []Event
	for i := range 120 {
		events = append(events, histEvent(now.Add(-time.Duration(i+2)*time.Hour),
			fmt.Sprintf("DescribeInstances%03d", i), ciKeyID, "203.0.113.7", "cn-shanghai"))
	}
	if err := inst.World.AppendEvents(events); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "cn-shanghai", adminKeyID, adminSecret, "")

	names := map[string][]string{}
	for _, dir := range []string{"FORWARD", "BACKWARD", ""} {
		t.Run("direction "+dir, func(t *testing.T) {
			req := actiontrail.CreateLookupEventsRequest()
			req.StartTime = now.Add(-7 * 24 * time.Hour).UTC().Format(timestampLayout)
			req.EndTime = now.Add(-time.Hour).UTC().Format(timestampLayout)
			req.MaxResults = "50"
			req.Direction = dir
			all, pages := lookupAll(t, c, req)
			if len(all) != 120 || pages != 3 {
				t.Fatalf("got %d events in %d pages, want 120 in 3", len(all), pages)
			}
			seen := map[string]bool{}
			for _, ev := range all {
				id, _ := ev["eventId"].(string)
				if seen[id] {
					t.Fatalf("event %s returned twice", id)
				}
				seen[id] = true
				names[dir] = append(names[dir], ev["eventName"].(string))
			}
		})
	}
	if names["FORWARD"][0] != "DescribeInstances119" || names["BACKWARD"][0] != "DescribeInstances000" {
		t.Errorf("first events: forward %s, backward %s", names["FORWARD"][0], names["BACKWARD"][0])
	}
	if strings.Join(names[""], ",") != strings.Join(names["BACKWARD"], ",") {
		t.Error("default direction is not BACKWARD")
	}
}

func TestLookupEventsDefaultWindowAndSize(t *testing.T) {
	inst := startSim(t, Options{})
	now := inst.Now()
	events := []Event{
		histEvent(now.Add(-8*24*time.Hour), "Old", ciKeyID, "203.0.113.7", "cn-beijing"),
	}
	for i := range 25 {
		events = append(events, histEvent(now.Add(-time.Duration(i+1)*time.Minute),
			"Recent", ciKeyID, "203.0.113.7", "cn-beijing"))
	}
	if err := inst.World.AppendEvents(events); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "cn-beijing", adminKeyID, adminSecret, "")
	req := actiontrail.CreateLookupEventsRequest()
	req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
		{Key: "EventName", Value: "Recent"}}
	resp, err := c.LookupEvents(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Events) != 20 || resp.NextToken == "" {
		t.Errorf("first page: %d events, token %q; want 20 and a token", len(resp.Events),
			resp.NextToken)
	}
	start, _ := time.Parse(timestampLayout, resp.StartTime)
	end, _ := time.Parse(timestampLayout, resp.EndTime)
	if end.Sub(start) != 7*24*time.Hour {
		t.Errorf("default window %s..%s, want 7 days", resp.StartTime, resp.EndTime)
	}
	all, _ := lookupAll(t, c, actiontrail.CreateLookupEventsRequest())
	for _, ev := range all {
		if ev["eventName"] == "Old" {
			t.Error("an 8-day-old event is inside the default window")
		}
	}
}

func TestLookupEventsByAccessKey(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "deploy-role")
	sc := stsClient(t, inst, creds.AccessKeyId, creds.AccessKeySecret, creds.SecurityToken)
	for range 3 {
		if _, err := sc.GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
			t.Fatal(err)
		}
	}
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")
	lookup := func(key string) []map[string]any {
		req := actiontrail.CreateLookupEventsRequest()
		req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
			{Key: "EventAccessKeyId", Value: key}}
		all, _ := lookupAll(t, c, req)
		return all
	}

	tests := []struct {
		name, key string
		want      []string
		typ       string
	}{
		{"long-term key", ciKeyID, []string{"AssumeRole"}, "ram-user"},
		{"STS key", creds.AccessKeyId,
			[]string{"GetCallerIdentity", "GetCallerIdentity", "GetCallerIdentity"},
			"assumed-role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, ev := range lookup(tt.key) {
				got = append(got, ev["eventName"].(string))
				id := ev["userIdentity"].(map[string]any)
				if id["accessKeyId"] != tt.key || id["type"] != tt.typ {
					t.Errorf("userIdentity = %v", id)
				}
				if ev["isGlobal"] != true || ev["acsRegion"] != DefaultRegion {
					t.Errorf("STS event not global: %v %v", ev["isGlobal"], ev["acsRegion"])
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventContent(t *testing.T) {
	inst := startSim(t, Options{})
	creds := assume(t, inst, "deploy-role")
	rc := ramClient(t, inst, creds.AccessKeyId, creds.AccessKeySecret, creds.SecurityToken)
	ck := ram.CreateCreateAccessKeyRequest()
	ck.UserName = "nobody"
	created, err := rc.CreateAccessKey(ck)
	if err != nil {
		t.Fatalf("create access key: %v", err)
	}
	_, _ = stsClient(t, inst, adminKeyID, "wrong", "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest())

	data, err := json.Marshal(inst.World.Trail.Events())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{creds.AccessKeySecret, creds.SecurityToken,
		created.AccessKey.AccessKeySecret, ciSecret, adminSecret} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("a secret reached the trail")
		}
	}

	byName := map[string]Event{}
	for _, ev := range inst.World.Trail.Events() {
		byName[evText(ev["eventName"])] = ev
	}
	ar := byName["AssumeRole"]
	cr := ar["responseElements"].(map[string]any)["Credentials"].(map[string]any)
	if cr["AccessKeyId"] != creds.AccessKeyId || cr["Expiration"] == nil {
		t.Errorf("AssumeRole responseElements = %v", cr)
	}
	cak := byName["CreateAccessKey"]
	id := cak["userIdentity"].(map[string]any)
	if id["type"] != "assumed-role" || id["accessKeyId"] != creds.AccessKeyId ||
		id["userName"] != "deploy-role:test-session" {
		t.Errorf("CreateAccessKey userIdentity = %v", id)
	}
	rp := cak["requestParameters"].(map[string]any)
	if rp["UserName"] != "nobody" || rp["AcsProduct"] != "Ram" || rp["Signature"] != nil ||
		rp["stsTokenPrincipalName"] != "deploy-role/test-session" {
		t.Errorf("requestParameters = %v", rp)
	}
	gci := byName["GetCallerIdentity"]
	if gci["errorCode"] != "SignatureDoesNotMatch" ||
		strings.Contains(evText(gci["errorMessage"]), "string to sign") {
		t.Errorf("failed call event: %v / %v", gci["errorCode"], gci["errorMessage"])
	}
	for _, k := range []string{"eventId", "eventVersion", "eventTime", "eventSource",
		"eventType", "eventRW", "eventCategory", "serviceName", "apiVersion", "acsRegion",
		"isGlobal", "requestId", "sourceIpAddress", "userAgent", "recipientAccountId"} {
		if _, ok := cak[k]; !ok {
			t.Errorf("event lacks %s", k)
		}
	}
}

func TestLookupEventsErrors(t *testing.T) {
	inst := startSim(t, Options{})
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")
	now := inst.Now().UTC()
	ts := func(d time.Duration) string { return now.Add(d).Format(timestampLayout) }
	attrs := func(kv ...string) *[]actiontrail.LookupEventsLookupAttribute {
		var out []actiontrail.LookupEventsLookupAttribute
		for i := 0; i < len(kv); i += 2 {
			out = append(out, actiontrail.LookupEventsLookupAttribute{Key: kv[i], Value: kv[i+1]})
		}
		return &out
	}
	tests := []struct {
		name string
		set  func(*actiontrail.LookupEventsRequest)
		code string
	}{
		{"start without end", func(r *actiontrail.LookupEventsRequest) { r.StartTime = ts(-time.Hour) },
			"InvalidParameterCombination"},
		{"end before start", func(r *actiontrail.LookupEventsRequest) {
			r.StartTime, r.EndTime = ts(0), ts(-time.Hour)
		}, "InvalidParameterCombination"},
		{"bad start", func(r *actiontrail.LookupEventsRequest) {
			r.StartTime, r.EndTime = "yesterday", ts(0)
		}, "InvalidParameterStartTime"},
		{"bad end", func(r *actiontrail.LookupEventsRequest) {
			r.StartTime, r.EndTime = ts(-time.Hour), "now"
		}, "InvalidParameterEndTime"},
		{"window over 90 days", func(r *actiontrail.LookupEventsRequest) {
			r.StartTime, r.EndTime = ts(-91*24*time.Hour), ts(0)
		}, "InvalidQueryParameter"},
		{"max results 0", func(r *actiontrail.LookupEventsRequest) { r.MaxResults = "0" },
			"InvalidQueryParameter"},
		{"max results 51", func(r *actiontrail.LookupEventsRequest) { r.MaxResults = "51" },
			"InvalidQueryParameter"},
		{"bad direction", func(r *actiontrail.LookupEventsRequest) { r.Direction = "UP" },
			"InvalidQueryParameter"},
		{"unknown key", func(r *actiontrail.LookupEventsRequest) {
			r.LookupAttribute = attrs("AccessKeyId", "LTAI")
		}, "InvalidQueryParameter"},
		{"key is case-sensitive", func(r *actiontrail.LookupEventsRequest) {
			r.LookupAttribute = attrs("eventname", "GetUser")
		}, "InvalidQueryParameter"},
		{"pair not allowed", func(r *actiontrail.LookupEventsRequest) {
			r.LookupAttribute = attrs("EventAccessKeyId", ciKeyID, "EventName", "GetUser")
		}, "InvalidQueryParameter"},
		{"garbage token", func(r *actiontrail.LookupEventsRequest) { r.NextToken = "%%%" },
			"InvalidQueryParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := actiontrail.CreateLookupEventsRequest()
			tt.set(req)
			_, err := c.LookupEvents(req)
			serverError(t, err, tt.code, 400)
		})
	}
}

func TestLookupEventsTokenBoundToParams(t *testing.T) {
	inst := startSim(t, Options{})
	now := inst.Now()
	var events []Event
	for i := range 5 {
		events = append(events, histEvent(now.Add(-time.Duration(i+2)*time.Hour), "X",
			ciKeyID, "203.0.113.7", "cn-qingdao"))
	}
	if err := inst.World.AppendEvents(events); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "cn-qingdao", adminKeyID, adminSecret, "")
	req := actiontrail.CreateLookupEventsRequest()
	req.MaxResults = "2"
	first, err := c.LookupEvents(req)
	if err != nil || first.NextToken == "" {
		t.Fatalf("first page: %v, token %q", err, first.NextToken)
	}
	next := actiontrail.CreateLookupEventsRequest()
	next.NextToken = first.NextToken
	next.Direction = "FORWARD"
	_, err = c.LookupEvents(next)
	serverError(t, err, "InvalidQueryParameter", 400)

	other := trailClient(t, inst, "cn-qingdao", outsiderKeyID, outsiderSec, "")
	same := actiontrail.CreateLookupEventsRequest()
	same.NextToken = first.NextToken
	_, err = other.LookupEvents(same)
	serverError(t, err, "InvalidQueryParameter", 400)
}

func TestLookupAttributes(t *testing.T) {
	inst := startSim(t, Options{})
	now := inst.Now()
	ev := func(name, user, ip string) Event {
		e := histEvent(now.Add(-time.Hour), name, ciKeyID, ip, "ap-southeast-1")
		e["userIdentity"].(map[string]any)["userName"] = user
		return e
	}
	if err := inst.World.AppendEvents([]Event{
		ev("GetUser", "alice", "198.51.100.1"), ev("GetUser", "bob", "198.51.100.2"),
		ev("ListUsers", "alice", "198.51.100.1"),
	}); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "ap-southeast-1", adminKeyID, adminSecret, "")
	tests := []struct {
		name  string
		attrs []actiontrail.LookupEventsLookupAttribute
		want  int
	}{
		{"by name", []actiontrail.LookupEventsLookupAttribute{{Key: "EventName", Value: "GetUser"}}, 2},
		{"by ip", []actiontrail.LookupEventsLookupAttribute{
			{Key: "SourceIpAddress", Value: "198.51.100.1"}}, 2},
		{"service and user", []actiontrail.LookupEventsLookupAttribute{
			{Key: "ServiceName", Value: "Ecs"}, {Key: "User", Value: "alice"}}, 2},
		{"exact case", []actiontrail.LookupEventsLookupAttribute{
			{Key: "EventName", Value: "getuser"}}, 0},
		{"same key twice keeps the last", []actiontrail.LookupEventsLookupAttribute{
			{Key: "EventName", Value: "GetUser"}, {Key: "EventName", Value: "ListUsers"}}, 1},
		{"third item ignored", []actiontrail.LookupEventsLookupAttribute{
			{Key: "ServiceName", Value: "Ecs"}, {Key: "User", Value: "bob"},
			{Key: "EventName", Value: "nothing"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := actiontrail.CreateLookupEventsRequest()
			req.LookupAttribute = &tt.attrs
			resp, err := c.LookupEvents(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Events) != tt.want {
				t.Errorf("%d events, want %d", len(resp.Events), tt.want)
			}
		})
	}
}

func TestTrailDelayAndRetention(t *testing.T) {
	inst := startSim(t, Options{TrailDelay: 5 * time.Minute})
	now := inst.Now()
	if err := inst.World.AppendEvents([]Event{
		histEvent(now.Add(-91*24*time.Hour), "TooOld", ciKeyID, "203.0.113.7", "cn-hangzhou"),
		histEvent(now.Add(-89*24*time.Hour), "StillKept", ciKeyID, "203.0.113.7", "cn-hangzhou"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsClient(t, inst, ciKeyID, ciSecret, "").
		GetCallerIdentity(sts.CreateGetCallerIdentityRequest()); err != nil {
		t.Fatal(err)
	}
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")
	names := func(start, end time.Time) string {
		req := actiontrail.CreateLookupEventsRequest()
		req.StartTime = start.UTC().Format(timestampLayout)
		req.EndTime = end.UTC().Format(timestampLayout)
		req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
			{Key: "EventAccessKeyId", Value: ciKeyID}}
		all, _ := lookupAll(t, c, req)
		var out []string
		for _, ev := range all {
			out = append(out, ev["eventName"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := names(now.Add(-95*24*time.Hour), now.Add(-5*24*time.Hour)); got != "StillKept" {
		t.Errorf("old window = %q, want only StillKept", got)
	}
	if got := names(now.Add(-time.Hour), now.Add(time.Hour)); got != "" {
		t.Errorf("before the delay: %q, want nothing", got)
	}
	if err := inst.AdvanceClock(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := names(now.Add(-time.Hour), now.Add(time.Hour)); got != "GetCallerIdentity" {
		t.Errorf("after the delay: %q", got)
	}
}

func TestActionTrailEventsAreRegional(t *testing.T) {
	inst := startSim(t, Options{})
	if _, err := trailClient(t, inst, "eu-central-1", adminKeyID, adminSecret, "").
		DescribeRegions(actiontrail.CreateDescribeRegionsRequest()); err != nil {
		t.Fatal(err)
	}
	count := func(region string) int {
		req := actiontrail.CreateLookupEventsRequest()
		req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
			{Key: "EventName", Value: "DescribeRegions"}}
		resp, err := trailClient(t, inst, region, adminKeyID, adminSecret, "").LookupEvents(req)
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Events)
	}
	if n := count("eu-central-1"); n != 1 {
		t.Errorf("eu-central-1 has %d DescribeRegions events, want 1", n)
	}
	if n := count("cn-hangzhou"); n != 0 {
		t.Errorf("cn-hangzhou has %d DescribeRegions events, want 0", n)
	}
}

func TestDescribeRegions(t *testing.T) {
	inst := startSim(t, Options{})
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")
	req := actiontrail.CreateDescribeRegionsRequest()
	req.AcceptLanguage = "zh-CN"
	resp, err := c.DescribeRegions(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Regions.Region) < 12 {
		t.Fatalf("%d regions, want at least 12", len(resp.Regions.Region))
	}
	found := false
	for _, r := range resp.Regions.Region {
		if r.RegionId == "cn-hangzhou" {
			found = r.RegionEndpoint == "actiontrail.cn-hangzhou.aliyuncs.com" &&
				strings.Contains(r.LocalName, "杭州")
		}
	}
	if !found {
		t.Error("cn-hangzhou missing or wrong")
	}

	status, body := rpcCall{params: map[string]string{"Action": "GetGlobalEventsStorageRegion",
		"Version": VersionActionTrail}}.do(t, inst)
	if status != 200 || body["StorageRegion"] != DefaultRegion {
		t.Errorf("global events region: %d %v", status, body)
	}
}

func TestAccessKeyLastUsed(t *testing.T) {
	inst := startSim(t, Options{})
	now := inst.Now()
	hist := []Event{
		histEvent(now.Add(-48*time.Hour), "DescribeInstances", ciKeyID, "203.0.113.7", "cn-beijing"),
		histEvent(now.Add(-47*time.Hour), "DescribeInstances", ciKeyID, "198.51.100.9", "cn-beijing"),
		histEvent(now.Add(-46*time.Hour), "StopInstance", ciKeyID, "198.51.100.9", "cn-beijing"),
	}
	if err := inst.World.AppendEvents(hist); err != nil {
		t.Fatal(err)
	}
	rc := ramClient(t, inst, ciKeyID, ciSecret, "")
	get := ram.CreateGetUserRequest()
	get.UserName = "ci-deploy"
	_, _ = rc.GetUser(get) // denied, still a use of the key
	c := trailClient(t, inst, "cn-hangzhou", adminKeyID, adminSecret, "")

	t.Run("info", func(t *testing.T) {
		req := actiontrail.CreateGetAccessKeyLastUsedInfoRequest()
		req.AccessKey = ciKeyID
		resp, err := c.GetAccessKeyLastUsedInfo(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.UserName != "ci-deploy" || resp.AccountType != "ram-user" ||
			resp.ServiceName != "Ram" || resp.UsedTimestamp < now.Add(-time.Minute).UnixMilli() ||
			!strings.Contains(resp.Detail, `"eventName":"GetUser"`) {
			t.Errorf("info = %+v", resp)
		}
	})
	t.Run("root key", func(t *testing.T) {
		req := actiontrail.CreateGetAccessKeyLastUsedInfoRequest()
		req.AccessKey = rootKeyID
		resp, err := c.GetAccessKeyLastUsedInfo(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.AccountType != "root-account" || resp.UserName != "root" || resp.UsedTimestamp != 0 {
			t.Errorf("root info = %+v", resp)
		}
	})
	t.Run("events ips products", func(t *testing.T) {
		ev := actiontrail.CreateGetAccessKeyLastUsedEventsRequest()
		ev.AccessKey, ev.ServiceName = ciKeyID, "ecs"
		er, err := c.GetAccessKeyLastUsedEvents(ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(er.Events) != 2 || er.Events[0].EventName != "StopInstance" {
			t.Errorf("events = %+v", er.Events)
		}
		ips := actiontrail.CreateGetAccessKeyLastUsedIpsRequest()
		ips.AccessKey, ips.ServiceName, ips.PageSize = ciKeyID, "Ecs", "1"
		ir, err := c.GetAccessKeyLastUsedIps(ips)
		if err != nil {
			t.Fatal(err)
		}
		if len(ir.Ips) != 1 || ir.Ips[0].Ip != "198.51.100.9" || ir.NextToken == "" {
			t.Errorf("ips page 1 = %+v, token %q", ir.Ips, ir.NextToken)
		}
		ips.NextToken = ir.NextToken
		if ir, err = c.GetAccessKeyLastUsedIps(ips); err != nil || len(ir.Ips) != 1 ||
			ir.Ips[0].Ip != "203.0.113.7" || ir.NextToken != "" {
			t.Errorf("ips page 2 = %+v, %v", ir, err)
		}
		pr := actiontrail.CreateGetAccessKeyLastUsedProductsRequest()
		pr.AccessKey = ciKeyID
		prr, err := c.GetAccessKeyLastUsedProducts(pr)
		if err != nil {
			t.Fatal(err)
		}
		if len(prr.Products) != 2 || prr.Products[0].ServiceName != "Ram" {
			t.Errorf("products = %+v", prr.Products)
		}
	})
	t.Run("resources", func(t *testing.T) {
		req := actiontrail.CreateGetAccessKeyLastUsedResourcesRequest()
		req.AccessKey, req.ServiceName = ciKeyID, "Ram"
		resp, err := c.GetAccessKeyLastUsedResources(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Resources) != 1 || resp.Resources[0].ResourceType != "ACS::RAM::User" ||
			resp.Resources[0].ResourceName != "ci-deploy" {
			t.Errorf("resources = %+v", resp.Resources)
		}
	})
	t.Run("errors", func(t *testing.T) {
		other := actiontrail.CreateGetAccessKeyLastUsedInfoRequest()
		other.AccessKey = outsiderKeyID
		_, err := c.GetAccessKeyLastUsedInfo(other)
		serverError(t, err, "EntityNotExist.AccessKey", 404)

		noService := actiontrail.CreateGetAccessKeyLastUsedEventsRequest()
		noService.AccessKey = ciKeyID
		_, err = c.GetAccessKeyLastUsedEvents(noService)
		serverError(t, err, "MissingParameter", 400)

		badSize := actiontrail.CreateGetAccessKeyLastUsedIpsRequest()
		badSize.AccessKey, badSize.ServiceName, badSize.PageSize = ciKeyID, "Ecs", "101"
		_, err = c.GetAccessKeyLastUsedIps(badSize)
		serverError(t, err, "InvalidQueryParameter", 400)
	})
}

func TestTrailPrune(t *testing.T) {
	ts := NewTrailStore()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if err := ts.AppendEvents([]Event{
		histEvent(now.Add(-401*24*time.Hour), "Gone", ciKeyID, "203.0.113.7", "cn-hangzhou"),
		histEvent(now.Add(-399*24*time.Hour), "Kept", ciKeyID, "203.0.113.7", "cn-hangzhou"),
	}); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	ts.prune(now)
	ts.mu.Unlock()
	events := ts.Events()
	if len(events) != 1 || events[0]["eventName"] != "Kept" {
		t.Errorf("after prune: %v", events)
	}
}
