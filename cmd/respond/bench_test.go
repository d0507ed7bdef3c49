package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/ram"
	"github.com/respond-sec/respond/sim"
)

// benchLatency is what the emulator adds to every call, standing in for
// the round trip to the cloud.
const benchLatency = 50 * time.Millisecond

// BenchmarkTimeToContainment measures, with every call taking 50 ms, the
// time from the start of `respond key` to the moment the cloud has answered
// the UpdateAccessKey that disables the key. The floor is two sequential
// round trips (find the owner, disable); x-floor is the ratio to it.
func BenchmarkTimeToContainment(b *testing.B) {
	inst, err := sim.Start(context.Background(), sim.Options{Addr: "127.0.0.1:0",
		Scenario: testScenario(), Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = inst.Close(context.Background()) }()
	if err := inst.World.Faults.SetRule("*", sim.FaultRule{
		Latency: sim.Duration(benchLatency)}); err != nil {
		b.Fatal(err)
	}
	ep, err := cloud.ParseEndpoint(inst.URL())
	if err != nil {
		b.Fatal(err)
	}
	clients, err := cloud.New(cloud.Options{Endpoint: ep,
		Credentials: cloud.StaticProvider(responderKey, cloud.Secret(responderSecret)),
		Logger:      zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	svc := ram.New(clients)
	dir := b.TempDir()

	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		reactivate(inst, leakedKey)
		req := playbook.KeyRequest{KeyID: leakedKey, IncidentID: fmt.Sprintf("b%d", i),
			IncidentDir: filepath.Join(dir, fmt.Sprint(i))}
		b.StartTimer()

		start := time.Now()
		rep, err := playbook.ContainKey(context.Background(), svc, req, zerolog.Nop())
		if err != nil {
			b.Fatal(err)
		}
		total += containedAt(b, rep).Sub(start)
	}
	mean := total / time.Duration(b.N)
	b.ReportMetric(float64(mean.Milliseconds()), "ms-to-containment")
	b.ReportMetric(float64(mean)/float64(2*benchLatency), "x-floor")
}

func reactivate(inst *sim.Instance, id string) {
	inst.World.Lock()
	defer inst.World.Unlock()
	inst.World.Key(id).Status = "Active"
}

func containedAt(b *testing.B, rep *playbook.KeyReport) time.Time {
	for _, s := range rep.Run.Steps {
		for _, c := range s.Calls {
			if c.Call.Action == "UpdateAccessKey" && c.Error == nil {
				return c.Finished
			}
		}
	}
	b.Fatalf("no successful UpdateAccessKey in %+v", rep.Run)
	return time.Time{}
}
