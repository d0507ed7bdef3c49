package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/ram"
	"github.com/respond-sec/respond/sim"
)

type demoOptions struct {
	incidentDir string
	delete      bool
}

func newDemoCmd(a *app) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole playbook against a seeded local emulator",
		Long: "demo starts the emulator on a free loopback port, seeds a realistic leak " +
			"(a CI user's key with weeks of history from several IPs), and runs " +
			"`respond key` against it over HTTP exactly as against the cloud, without " +
			"asking. It needs no credentials and no network beyond loopback.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.incidentDir, "incident-dir", "",
		"incident directory (default: incidents/<incident id>)")
	cmd.Flags().BoolVar(&o.delete, "delete", false, "also delete the key")
	return cmd
}

func (a *app) demo(ctx context.Context, o demoOptions) error {
	now := time.Now().UTC()
	inst, err := sim.Start(ctx, sim.Options{Addr: "127.0.0.1:0",
		Scenario: sim.DemoScenario(now), Logger: a.log})
	if err != nil {
		return fmt.Errorf("start the emulator: %w", err)
	}
	defer func() { _ = inst.Close(context.Background()) }()

	// The demo plays whoever spotted the leak: it knows the key id.
	leaked := sim.DemoLeakedKeyID
	ep, err := cloud.ParseEndpoint(inst.URL())
	if err != nil {
		return err
	}
	clients, err := cloud.New(cloud.Options{Region: a.g.region, Endpoint: ep,
		Credentials: cloud.StaticProvider(inst.AccessKeyID, cloud.Secret(inst.AccessKeySecret)),
		Logger:      a.log})
	if err != nil {
		return err
	}
	a.log.Info().Str("endpoint", inst.URL()).
		Str("access_key_id", cloud.MaskKeyID(leaked)).Msg("demo emulator ready")

	id := newIncidentID(now)
	dir := o.incidentDir
	if dir == "" {
		dir = filepath.Join("incidents", id)
	}
	req := playbook.KeyRequest{KeyID: leaked, IncidentID: id, IncidentDir: dir,
		Delete: o.delete, ToolVersion: currentVersion().Version}
	rep, err := playbook.ContainKey(ctx, ram.New(clients), req, a.log)
	return a.reportKeys([]keyOutcome{newKeyOutcome(req, rep, err)})
}
