package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/respond-sec/respond/cloud"
	"github.com/respond-sec/respond/playbook"
)

// keyDocument is the JSON result of `respond key` for one key.
type keyDocument struct {
	*playbook.KeyReport
	Error    string `json:"error,omitempty"`
	Hint     string `json:"hint,omitempty"`
	ExitCode int    `json:"exit_code"`
}

// multiDocument is the JSON result when several keys were given.
type multiDocument struct {
	SchemaVersion string        `json:"schema_version"`
	ExitCode      int           `json:"exit_code"`
	Results       []keyDocument `json:"results"`
}

func (a *app) reportKeys(outs []keyOutcome) error {
	code := combinedExit(outs)
	docs := make([]keyDocument, len(outs))
	for i, o := range outs {
		docs[i] = document(o)
	}

	var err error
	if a.g.output == "json" {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		if len(docs) == 1 {
			err = enc.Encode(docs[0])
		} else {
			err = enc.Encode(multiDocument{SchemaVersion: playbook.KeySchemaVersion,
				ExitCode: code, Results: docs})
		}
	} else {
		for _, d := range docs {
			writeKeyText(a.out, d)
		}
	}
	if err != nil {
		return err
	}
	for _, o := range outs {
		if o.err != nil {
			a.log.Error().Err(o.err).Str("incident_id", o.req.IncidentID).
				Str("access_key_id", cloud.MaskKeyID(o.req.KeyID)).
				Int("exit_code", o.code).Msg("key not contained")
		}
	}
	if code == exitOK {
		return nil
	}
	return reportedError{code: code}
}

func document(o keyOutcome) keyDocument {
	d := keyDocument{KeyReport: o.rep, ExitCode: o.code}
	if d.KeyReport == nil {
		d.KeyReport = &playbook.KeyReport{SchemaVersion: playbook.KeySchemaVersion,
			IncidentID: o.req.IncidentID, IncidentDir: o.req.IncidentDir,
			KeyID: o.req.KeyID, Status: "failed"}
	}
	if d.Status == "" {
		d.Status = "failed"
	}
	if o.err != nil {
		d.Error = o.err.Error()
		d.Hint = hint(o.err)
	}
	return d
}

// hint says what to do next about an error, when there is something to say.
func hint(err error) string {
	var ce *cloud.Error
	switch {
	case errors.As(err, &ce) && errors.Is(ce, cloud.ErrDenied):
		action := ce.DeniedFor
		if action == "" {
			action = ce.Service + ":" + ce.Action
		}
		return fmt.Sprintf("the responder is not allowed %s; `respond policy` prints "+
			"the RAM policy it needs", action)
	case errors.Is(err, cloud.ErrNoCredentials):
		return "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, pick " +
			"a profile with --profile, or run where an OIDC token or ECS RAM role is available"
	case errors.Is(err, cloud.ErrAuth):
		return "the responder's own credentials were rejected; check the credential " +
			"chain (env, profile, RAM role) and that the key is active"
	case errors.Is(err, playbook.ErrLocked):
		return "another respond run holds this incident; wait, or pass --lock-wait"
	}
	return ""
}

// combinedExit picks one code for several keys: the most serious wins.
func combinedExit(outs []keyOutcome) int {
	rank := []int{exitError, exitAuth, exitPartial, exitRefused, exitUsage, exitPending}
	for _, c := range rank {
		for _, o := range outs {
			if o.code == c {
				return c
			}
		}
	}
	return exitOK
}

func writeKeyText(w io.Writer, d keyDocument) {
	fmt.Fprintf(w, "incident %s  (%s)\n", d.IncidentID, d.IncidentDir)
	fmt.Fprintf(w, "key      %s", d.KeyID)
	if o := d.Owner; o != nil {
		switch o.Kind {
		case "ram-user":
			fmt.Fprintf(w, "  owned by RAM user %s", o.UserName)
		default:
			fmt.Fprintf(w, "  owned by %s", o.Kind)
		}
	}
	fmt.Fprintln(w)
	if c := d.Caller; c != nil {
		fmt.Fprintf(w, "acting as %s (account %s)\n", c.Arn, c.AccountID)
	}
	if d.Run != nil {
		for _, s := range d.Run.Steps {
			writeStepText(w, s)
		}
	}
	writeFindingsText(w, d)
	if d.Guard != nil {
		fmt.Fprintf(w, "refused  %s guard: %s\n         %s\n", d.Guard.Guard,
			d.Guard.Reason, d.Guard.Advice)
	} else if d.Error != "" {
		fmt.Fprintf(w, "error    %s\n", d.Error)
	}
	if d.Hint != "" {
		fmt.Fprintf(w, "hint     %s\n", d.Hint)
	}
	fmt.Fprintf(w, "result   %s (exit %d)\n\n", d.Status, d.ExitCode)
}

func writeStepText(w io.Writer, s playbook.StepResult) {
	fmt.Fprintf(w, "step     %-12s %s", s.Name, s.Status)
	if s.Reason != "" {
		fmt.Fprintf(w, " (%s)", s.Reason)
	}
	fmt.Fprintln(w)
	for _, c := range s.Calls {
		fmt.Fprintf(w, "         %s\n", callText(c.Call))
		if c.Call.Note != "" {
			fmt.Fprintf(w, "           %s\n", c.Call.Note)
		}
		if c.RequestID != "" {
			fmt.Fprintf(w, "           request %s\n", c.RequestID)
		}
		if c.Error != nil {
			fmt.Fprintf(w, "           failed: %s\n", c.Error.Code)
		}
	}
	if s.Error != nil && len(s.Calls) == 0 {
		fmt.Fprintf(w, "         failed: %s\n", s.Error.Message)
	}
}

func callText(c playbook.Call) string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{c.Service + ":" + c.Action}
	for _, k := range keys {
		parts = append(parts, k+"="+c.Params[k])
	}
	return strings.Join(parts, " ")
}

func writeFindingsText(w io.Writer, d keyDocument) {
	for _, k := range d.Keys {
		if k.ID != d.KeyID {
			fmt.Fprintf(w, "finding  owner has another key %s (%s, created %s)\n",
				k.ID, k.Status, k.CreateDate)
		}
	}
	p := d.Profile
	if p == nil {
		return
	}
	if p.KeyLastUsed != "" {
		fmt.Fprintf(w, "finding  key last used %s\n", p.KeyLastUsed)
	}
	if p.LoginProfile != nil {
		fmt.Fprintf(w, "finding  owner can sign in to the console (login profile "+
			"created %s)\n", p.LoginProfile.CreateDate)
	}
	if len(p.Groups) > 0 {
		fmt.Fprintf(w, "finding  owner's groups: %s\n", strings.Join(p.Groups, ", "))
	}
	for _, pol := range p.Policies {
		fmt.Fprintf(w, "finding  owner's policy: %s (%s)\n", pol.Name, pol.Type)
	}
	for part, e := range p.Unreadable {
		fmt.Fprintf(w, "finding  %s unreadable: %s\n", part, e)
	}
}

// writePlan prints the calls a run would make.
func writePlan(w io.Writer, p playbook.Plan) {
	for _, s := range p.Steps {
		if len(s.Calls) == 0 {
			fmt.Fprintf(w, "  %-12s nothing to do\n", s.Name)
			continue
		}
		for _, c := range s.Calls {
			fmt.Fprintf(w, "  %-12s %s\n", s.Name, callText(c))
			if c.Note != "" {
				fmt.Fprintf(w, "  %-12s   %s\n", "", c.Note)
			}
		}
	}
}
