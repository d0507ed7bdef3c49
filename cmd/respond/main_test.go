package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rs/zerolog"

	"github.com/respond-sec/respond/sim"
)

// TestMain lets the test binary stand in for the respond binary: with
// RESPOND_TEST_MAIN=1 it runs the CLI on its arguments, so tests can start
// real child processes and kill them; testscript runs it as `respond`.
func TestMain(m *testing.M) {
	if os.Getenv("RESPOND_TEST_MAIN") == "1" {
		os.Exit(runMain())
	}
	testscript.Main(m, map[string]func(){
		"respond": func() { os.Exit(runMain()) },
	})
}

func runMain() int {
	return run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
}

// TestScripts runs the command-line scripts in testdata/script. Each gets
// its own emulator seeded with the test scenario, reachable through
// RESPOND_ENDPOINT, and the responder's credentials in the environment.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			inst, err := sim.Start(context.Background(), sim.Options{Addr: "127.0.0.1:0",
				Scenario: testScenario(), Logger: zerolog.Nop()})
			if err != nil {
				return err
			}
			env.Defer(func() { _ = inst.Close(context.Background()) })
			env.Setenv("RESPOND_ENDPOINT", inst.URL())
			env.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", responderKey)
			env.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", responderSecret)
			env.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
			env.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
			env.Setenv("LEAKED", leakedKey)
			env.Setenv("ROOTKEY", rootKey)
			return nil
		},
	})
}
