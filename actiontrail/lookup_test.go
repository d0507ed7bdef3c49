package actiontrail_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/actiontrail"
	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/sim"
)

const leaked = "LTAI5tTrailTestLeaked001"

// newTrail starts an emulator holding n events made with the leaked key,
// one a minute up to an hour ago, and n/2 by another key.
func newTrail(t *testing.T, n int) (*cloud.Clients, time.Time) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	var events []sim.Event
	for i := range n {
		for _, key := range []string{leaked, "LTAI5tTrailTestOther0001"} {
			if key != leaked && i%2 == 1 {
				continue
			}
			events = append(events, sim.Event{
				"eventName":   "ListUsers",
				"eventTime":   now.Add(-time.Hour - time.Duration(n-i)*time.Minute).Format(time.RFC3339),
				"eventSource": "ram.aliyuncs.com", "serviceName": "Ram", "eventRW": "Read",
				"acsRegion": "cn-hangzhou", "sourceIpAddress": "198.51.100.7",
				"userIdentity": map[string]any{"type": "ram-user", "userName": "ci",
					"accessKeyId": key},
			})
		}
	}
	inst, err := sim.Start(context.Background(), sim.Options{Addr: "127.0.0.1:0",
		Scenario: &sim.Scenario{Accounts: []sim.ScenarioAccount{{}}, Events: events},
		Logger:   zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close(context.Background()) })
	ep, err := cloud.ParseEndpoint(inst.URL())
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.New(cloud.Options{Endpoint: ep, Logger: zerolog.Nop(),
		Credentials: cloud.StaticProvider(inst.AccessKeyID, cloud.Secret(inst.AccessKeySecret))})
	if err != nil {
		t.Fatal(err)
	}
	return c, now
}

func TestLookupReadsEveryPageInOrder(t *testing.T) {
	c, now := newTrail(t, 120)
	var times []string
	cov, err := actiontrail.Lookup(t.Context(), c, "cn-hangzhou",
		actiontrail.Filter{Key: "EventAccessKeyId", Value: leaked},
		now.Add(-30*24*time.Hour), now, func(e actiontrail.Event) error {
			times = append(times, e["eventTime"].(string))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != 120 || cov.Events != 120 || !cov.Complete || cov.Pages != 3 {
		t.Fatalf("read %d events, coverage %+v; want 120 in 3 pages of at most 50", len(times), cov)
	}
	if !slices.IsSorted(times) {
		t.Fatal("events are not oldest first")
	}
}

func TestLookupClampsToRetentionAndStopsOnError(t *testing.T) {
	c, now := newTrail(t, 60)
	stop := errors.New("enough")
	seen := 0
	cov, err := actiontrail.Lookup(t.Context(), c, "cn-hangzhou",
		actiontrail.Filter{Key: "EventAccessKeyId", Value: leaked},
		now.Add(-400*24*time.Hour), now, func(actiontrail.Event) error {
			seen++
			if seen == 10 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || cov.Complete || cov.Events != 10 {
		t.Fatalf("err %v, coverage %+v: want the callback's error after 10 events", err, cov)
	}
	if got := now.Sub(cov.Start); got != actiontrail.Retention {
		t.Fatalf("window starts %v back, want the 90-day retention", got)
	}
}

func TestRegions(t *testing.T) {
	c, _ := newTrail(t, 1)
	regions, err := actiontrail.Regions(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(regions) < 12 || !slices.Contains(regions, "cn-hangzhou") ||
		!slices.Contains(regions, "ap-southeast-1") {
		t.Fatalf("regions %v", regions)
	}
}
