package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
)

// streams are the process's standard streams; tests pass buffers.
type streams struct {
	in  io.Reader
	out io.Writer // results only: text or one JSON document
	err io.Writer // logs, progress and prompts
}

// app is what every command shares: the streams, the global flags and
// the one logger, built once the flags are parsed.
type app struct {
	streams
	getenv func(string) string
	log    zerolog.Logger
	g      globalOptions

	stdin *bufio.Reader // one reader, so answers typed ahead are kept
}

// stdinLines reads the standard input line by line, for prompts.
func (a *app) stdinLines() *bufio.Reader {
	if a.stdin == nil {
		a.stdin = bufio.NewReader(a.in)
	}
	return a.stdin
}

type globalOptions struct {
	logLevel   string
	logFormat  string
	output     string
	region     string
	profile    string
	endpoint   string
	caFile     string
	assumeRole string
	externalID string
}

// run is the whole program; it returns the process exit code. An
// interrupt cancels the context: calls in flight are abandoned and the
// journal says which, so the next run can resume.
func run(args []string, s streams) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	a := &app{streams: s, getenv: os.Getenv, log: zerolog.Nop()}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)

	var reported reportedError
	if errors.As(err, &reported) {
		return reported.code
	}
	code := exitCode(err)
	if err != nil {
		fmt.Fprintf(s.err, "respond: %v\n", err)
		if a.g.output == "json" {
			// Automation reads stdout: it gets a document even for bad input.
			_ = json.NewEncoder(s.out).Encode(errorDocument{
				SchemaVersion: playbook.KeySchemaVersion, Error: err.Error(), ExitCode: code})
		}
	}
	return code
}

// errorDocument is the JSON result of a command that failed before it had
// anything else to report.
type errorDocument struct {
	SchemaVersion string `json:"schema_version"`
	Error         string `json:"error"`
	ExitCode      int    `json:"exit_code"`
}

// reportedError carries the exit code of an outcome the command already
// reported on stdout (a refusal, a partial run), so run prints nothing more.
type reportedError struct{ code int }

func (e reportedError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRootCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "respond",
		Short: "Contain a leaked Alibaba Cloud AccessKey",
		Long: "respond contains a leaked Alibaba Cloud AccessKey: it finds the key's " +
			"owner, disables the key, and keeps a journal so every run can be resumed.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup()
		},
	}
	cmd.SetOut(a.out)
	cmd.SetErr(a.err)
	cmd.SetIn(a.in)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{err}
	})

	f := cmd.PersistentFlags()
	f.StringVar(&a.g.logLevel, "log-level", "info", "log level: trace, debug, info, warn, error")
	f.StringVar(&a.g.logFormat, "log-format", "console", "log format on stderr: console or json")
	f.StringVar(&a.g.output, "output", "text", "result format on stdout: text or json")
	f.StringVar(&a.g.region, "region", cloud.DefaultRegion, "region for regional calls")
	f.StringVar(&a.g.profile,
		"profile", "", "credentials profile (Alibaba CLI config or credentials file)")
	f.StringVar(&a.g.endpoint, "endpoint", "",
		"send every API call to this base URL (env RESPOND_ENDPOINT); http only for loopback")
	f.StringVar(&a.g.caFile,
		"ca-file", "", "extra CA certificate (PEM) to trust, e.g. the emulator's")
	f.StringVar(&a.g.assumeRole, "assume-role", "", "act through this RAM role ARN via STS")
	f.StringVar(&a.g.externalID, "external-id", "", "external id for --assume-role")

	cmd.AddCommand(
		newVersionCmd(a),
		newSimCmd(a),
		newKeyCmd(a),
		newPolicyCmd(a),
		newDemoCmd(a),
	)
	return cmd
}

// setup checks the global flags and builds the logger.
func (a *app) setup() error {
	if err := a.checkLibraryDebug(); err != nil {
		return err
	}
	level, err := zerolog.ParseLevel(strings.ToLower(a.g.logLevel))
	if err != nil || a.g.logLevel == "" {
		return usagef("--log-level %q: use trace, debug, info, warn or error", a.g.logLevel)
	}
	var w io.Writer
	switch a.g.logFormat {
	case "json":
		w = a.err
	case "console":
		w = zerolog.ConsoleWriter{Out: a.err, NoColor: !isTerminal(a.err),
			TimeFormat: "15:04:05"}
	default:
		return usagef("--log-format %q: use console or json", a.g.logFormat)
	}
	if a.g.output != "text" && a.g.output != "json" {
		return usagef("--output %q: use text or json", a.g.output)
	}
	// Keys run concurrently; one lock keeps their log lines whole.
	a.log = zerolog.New(zerolog.SyncWriter(w)).Level(level).With().Timestamp().Logger()
	return nil
}

// checkLibraryDebug refuses DEBUG settings that make the Alibaba libraries
// print every signed request, security tokens included, on stdout.
func (a *app) checkLibraryDebug() error {
	for _, part := range strings.Split(a.getenv("DEBUG"), ",") {
		if part == "sdk" || part == "credential" {
			return usagef("DEBUG=%s makes the Alibaba SDK print signed requests and "+
				"credentials on stdout; unset it (use --log-level debug instead)", part)
		}
	}
	return nil
}

// cloudOptions turns the global flags into client options.
func (a *app) cloudOptions() (cloud.Options, error) {
	o := cloud.Options{
		Region:        a.g.region,
		Profile:       a.g.profile,
		CAFile:        a.g.caFile,
		AssumeRoleARN: a.g.assumeRole,
		ExternalID:    a.g.externalID,
		Logger:        a.log,
	}
	raw := a.g.endpoint
	if raw == "" {
		raw = a.getenv("RESPOND_ENDPOINT")
	}
	if raw != "" {
		ep, err := cloud.ParseEndpoint(raw)
		if err != nil {
			return o, usageError{err}
		}
		o.Endpoint = ep
	}
	if a.g.externalID != "" && a.g.assumeRole == "" {
		return o, usagef("--external-id needs --assume-role")
	}
	return o, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
