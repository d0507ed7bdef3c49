package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for the respond binary: with
// RESPOND_TEST_MAIN=1 it runs the CLI on its arguments, so tests can start
// real child processes and kill them.
func TestMain(m *testing.M) {
	if os.Getenv("RESPOND_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
	}
	os.Exit(m.Run())
}
