package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/ram"
)

type keyOptions struct {
	incidentID  string
	incidentDir string
	fromFile    string
	delete      bool
	force       bool
	dryRun      bool
	yes         bool
	parallel    int
	lockWait    time.Duration
}

func newKeyCmd(a *app) *cobra.Command {
	var o keyOptions
	cmd := &cobra.Command{
		Use:   "key ACCESS_KEY_ID...",
		Short: "Contain leaked AccessKeys: find the owner, disable, optionally delete",
		Long: "key contains each leaked AccessKey given: it finds the owner, refuses to " +
			"act on the responder's own key or user or on a root key, disables the key " +
			"and verifies it, and deletes it only with --delete. Every run journals to " +
			"its incident directory; re-running with the same --incident-id resumes.",
		Example: "  respond key LTAI5tExampleKeyId123456 --yes\n" +
			"  respond key --dry-run --output json LTAI5tExampleKeyId123456\n" +
			"  respond key --from-file leaked.txt --yes --parallel 8",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runKeys(cmd.Context(), o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.incidentID,
		"incident-id", "", "incident id (default: generated); reuse it to resume")
	f.StringVar(&o.incidentDir,
		"incident-dir", "", "incident directory (default: incidents/<incident id>)")
	f.StringVar(&o.fromFile,
		"from-file", "", "read key ids from this file, one a line (- for stdin)")
	f.BoolVar(&o.delete, "delete", false, "delete the key after disabling it (irreversible)")
	f.BoolVar(&o.force,
		"force", false, "act on a key of the responder's own user (never its own key)")
	f.BoolVar(&o.dryRun, "dry-run", false, "only read; print the calls that would be made")
	f.BoolVar(&o.yes, "yes", false, "apply without asking (required without a terminal)")
	f.IntVar(&o.parallel, "parallel", 4, "keys handled at once")
	f.DurationVar(&o.lockWait,
		"lock-wait", 0, "wait this long for another run on the same incident")
	return cmd
}

func (a *app) runKeys(ctx context.Context, o keyOptions, args []string) error {
	ids, err := a.keyIDs(o, args)
	if err != nil {
		return err
	}
	if err := o.check(len(ids)); err != nil {
		return err
	}
	copt, err := a.cloudOptions()
	if err != nil {
		return err
	}
	clients, err := cloud.New(copt)
	if err != nil {
		return usageError{err}
	}
	// Without credentials nothing can be done: say so before any incident
	// directory is made.
	if _, err := clients.OwnKeyIDs(); err != nil {
		return fmt.Errorf("%w; %s", err, hint(err))
	}

	base := o.incidentID
	if base == "" {
		base = newIncidentID(time.Now())
	}
	return a.reportKeys(a.containAll(ctx, ram.New(clients), o, ids, base))
}

// check refuses flag combinations that cannot work, before anything runs.
func (o keyOptions) check(keys int) error {
	switch {
	case o.parallel < 1:
		return usagef("--parallel %d: give at least 1", o.parallel)
	case keys > 1 && o.incidentDir != "":
		return usagef("--incident-dir names one incident; with several keys each " +
			"gets incidents/<incident id>-<key id>")
	case o.incidentID != "" && !incidentIDPattern.MatchString(o.incidentID):
		return usagef("--incident-id %q: use 1 to 100 letters, digits, dots, dashes "+
			"and underscores, starting with a letter or digit", o.incidentID)
	}
	return nil
}

// containAll runs one incident per key, o.parallel at a time; a key that
// fails does not stop the others.
func (a *app) containAll(ctx context.Context, svc *ram.Service, o keyOptions,
	ids []string, base string) []keyOutcome {
	outcomes := make([]keyOutcome, len(ids))
	var (
		wg     sync.WaitGroup
		slots  = make(chan struct{}, o.parallel)
		prompt sync.Mutex // one question on the terminal at a time
	)
	for i, id := range ids {
		req := a.keyRequest(o, id, base, len(ids) > 1, &prompt)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			rep, err := playbook.ContainKey(ctx, svc, req, a.log)
			outcomes[i] = newKeyOutcome(req, rep, err)
		}()
	}
	wg.Wait()
	return outcomes
}

func (a *app) keyRequest(o keyOptions, id, base string, many bool,
	prompt *sync.Mutex) playbook.KeyRequest {
	incID := base
	if many {
		incID = base + "-" + id
	}
	dir := o.incidentDir
	if dir == "" {
		dir = filepath.Join("incidents", incID)
	}
	req := playbook.KeyRequest{KeyID: id, IncidentID: incID, IncidentDir: dir,
		Delete: o.delete, Force: o.force, DryRun: o.dryRun, LockWait: o.lockWait,
		ToolVersion: currentVersion().Version}
	if !o.yes && !o.dryRun {
		req.Confirm = func(ctx context.Context, p playbook.Plan) (bool, error) {
			prompt.Lock()
			defer prompt.Unlock()
			return a.confirm(id, p)
		}
	}
	return req
}

// keyIDs gathers the ids from the arguments and --from-file and checks
// each before anything is opened or called.
func (a *app) keyIDs(o keyOptions, args []string) ([]string, error) {
	ids := append([]string(nil), args...)
	if o.fromFile != "" {
		more, err := a.readIDFile(o.fromFile)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	if len(ids) == 0 {
		return nil, usagef("no AccessKey id given: respond key ACCESS_KEY_ID..., " +
			"or --from-file FILE")
	}
	seen := map[string]bool{}
	var out []string
	for i, id := range ids {
		if err := ram.ValidateKeyID(id); err != nil {
			return nil, fmt.Errorf("key %d of %d: %w", i+1, len(ids), err)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func (a *app) readIDFile(path string) ([]string, error) {
	in := a.in
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("--from-file: %w", err)
		}
		defer f.Close()
		in = f
	}
	var ids []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--from-file %s: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, usagef("--from-file %s holds no key id (one a line, # comments)", path)
	}
	return ids, nil
}

// confirm shows the plan on stderr and asks on the terminal. Without a
// terminal it refuses: unattended runs must say --yes.
func (a *app) confirm(keyID string, p playbook.Plan) (bool, error) {
	if !isTerminalReader(a.in) {
		return false, fmt.Errorf("%w: no terminal to ask on; pass --yes to apply "+
			"unattended, or --dry-run to see the plan", playbook.ErrNotConfirmed)
	}
	fmt.Fprintf(a.err, "\nPlan for %s:\n", cloud.MaskKeyID(keyID))
	writePlan(a.err, p)
	fmt.Fprint(a.err, "Apply these changes? [y/N] ")
	line, _ := a.stdinLines().ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

// incidentIDPattern keeps incident ids usable as directory names.
var incidentIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

func newIncidentID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "inc-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// keyOutcome is one key's result with its exit code.
type keyOutcome struct {
	req  playbook.KeyRequest
	rep  *playbook.KeyReport
	err  error
	code int
}

func newKeyOutcome(req playbook.KeyRequest, rep *playbook.KeyReport, err error) keyOutcome {
	o := keyOutcome{req: req, rep: rep, err: err, code: exitCode(err)}
	if rep == nil {
		return o
	}
	switch {
	case errors.Is(err, playbook.ErrKeyNotFound):
		o.code = exitUsage
	case err == nil && rep.Status == "pending":
		o.code = exitPending
	case rep.Status == "partial" && (o.code == exitError || o.code == exitOK):
		o.code = exitPartial
	}
	return o
}
