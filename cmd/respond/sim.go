package main

import (
	"context"
	"encoding/json"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/sim"
)

func newSimCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "The local Alibaba Cloud emulator (RAM, IMS, STS, ActionTrail)",
	}
	cmd.AddCommand(newSimServeCmd(a))
	return cmd
}

type simServeOptions struct {
	addr       string
	scenario   string
	state      string
	tls        bool
	trailDelay time.Duration
	seed       int64
}

func newSimServeCmd(a *app) *cobra.Command {
	var o simServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the emulator until interrupted",
		Long: "serve starts the emulator and prints one JSON line on stdout when it is " +
			"ready: its endpoint, account id and the credentials of an administrator " +
			"user of the seeded account. It runs until SIGINT or SIGTERM, then saves " +
			"its state to --state if given and exits 0.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.simServe(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	f.StringVar(&o.scenario, "scenario", "", "scenario file (JSON) to seed the world from")
	f.StringVar(&o.state, "state", "", "state file: loaded if present, saved on exit")
	f.BoolVar(&o.tls,
		"tls", false, "serve HTTPS with a self-signed CA (its path in the ready line)")
	f.DurationVar(&o.trailDelay,
		"trail-delay", 0, "delay before an event is visible in ActionTrail")
	f.Int64Var(&o.seed, "seed", 0, "seed for fault randomness (0: random)")
	return cmd
}

func (a *app) simServe(ctx context.Context, o simServeOptions) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return usagef("--addr %q: give host:port, such as 127.0.0.1:0", o.addr)
	}
	if !cloud.IsLoopback(host) {
		// /_sim/ hands out every secret and takes faults with no
		// authentication: it must not be reachable from another machine.
		return usagef("--addr %q: the emulator listens on loopback only (127.0.0.1, "+
			"::1 or localhost): its admin API has no authentication", o.addr)
	}
	var scenario *sim.Scenario
	if o.scenario != "" {
		sc, err := sim.LoadScenario(o.scenario)
		if err != nil {
			return usagef("--scenario: %w", err)
		}
		if err := sc.Validate(); err != nil {
			return usagef("--scenario %s: %w", o.scenario, err)
		}
		scenario = sc
	}
	inst, err := sim.Start(ctx, sim.Options{
		Addr:       o.addr,
		Scenario:   scenario,
		StateFile:  o.state,
		TLS:        o.tls,
		TrailDelay: o.trailDelay,
		Logger:     a.log,
		Seed:       o.seed,
	})
	if err != nil {
		return err
	}
	ready := inst.Ready()
	ready.Endpoint = inst.URL() // a base URL, as --endpoint takes it
	if err := json.NewEncoder(a.out).Encode(ready); err != nil {
		_ = inst.Close(context.Background())
		return err
	}
	a.log.Info().Str("endpoint", ready.Endpoint).Msg("emulator ready")

	<-ctx.Done()
	a.log.Info().Msg("emulator stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return inst.Close(shutdown)
}
