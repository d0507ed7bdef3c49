package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/respond-sec/respond/sim"
)

// TestSecretsNeverLeave plants canary secrets in the responder's
// credentials and checks every byte the tool writes: stdout, stderr at
// trace level in both log formats, and every file of the incident. It
// covers a successful run, a rejected signature, and STS credentials
// minted for --assume-role (whose secret and token the tool handles too).
func TestSecretsNeverLeave(t *testing.T) {
	role := []string{"--assume-role", "acs:ram::" + accountID + ":role/incident-responder"}
	tests := []struct {
		name   string
		secret string
		extra  []string
		faults map[string]sim.FaultRule
		code   int
	}{
		{"success", responderSecret, nil, nil, exitOK},
		{"wrong secret", "CANARYwrongSECRETvalue00000001", nil, nil, exitAuth},
		{"assumed role", responderSecret, role, nil, exitOK},
		// Transport errors quote the request URL, security token included.
		{"dropped connections", responderSecret, role, map[string]sim.FaultRule{
			"GetUser":           {DropNext: 1},
			"ListGroupsForUser": {DropNext: 100},
		}, exitOK},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "console"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				w := newWorld(t)
				w.as(responderKey, tt.secret)
				for api, rule := range tt.faults {
					if err := w.inst.World.Faults.SetRule(api, rule); err != nil {
						t.Fatal(err)
					}
				}
				args := w.keyArgs("inc-canary", "--yes", "--delete", "--log-level", "trace",
					"--log-format", format)
				for _, output := range []string{"json", "text"} {
					r := w.respond(append(append(args, tt.extra...), "--output", output, leakedKey)...)
					if r.code != tt.code {
						t.Fatalf("exit %d, want %d:\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
					}
					tokens := w.tokenSecrets()
					if len(tt.extra) > 0 && len(tokens) == 0 {
						t.Fatal("no STS credentials were minted: the role case tests nothing")
					}
					var canaries []string
					for _, c := range append([]string{tt.secret}, tokens...) {
						// As is, and as a URL or a signature would quote it.
						canaries = append(canaries, c, url.QueryEscape(c), url.PathEscape(c))
					}
					places := filesUnder(t, w.incident("inc-canary"))
					places["stdout"] = r.stdout
					places["stderr"] = r.stderr
					for where, text := range places {
						for _, c := range canaries {
							if strings.Contains(text, c) {
								t.Fatalf("a secret reached %s", where)
							}
						}
					}
					if tt.faults != nil && !strings.Contains(r.stdout, "no answer") {
						t.Fatalf("no transport error reached the report; the case tests nothing:\n%s",
							r.stdout)
					}
					if !strings.Contains(r.stderr, "api call") {
						t.Fatalf("trace log does not show the api calls; the check proves little:\n%s",
							r.stderr)
					}
				}
			})
		}
	}
}

// tokenSecrets returns the secret and security token of every STS
// credential the emulator minted during the test.
func (w *world) tokenSecrets() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range w.inst.Calls() {
		if !strings.HasPrefix(c.AccessKeyID, "STS.") || seen[c.AccessKeyID] {
			continue
		}
		seen[c.AccessKeyID] = true
		w.inst.World.Lock()
		if tok := w.inst.World.TokenByID(c.AccessKeyID); tok != nil {
			out = append(out, tok.Secret, tok.SecurityToken)
		}
		w.inst.World.Unlock()
	}
	return out
}
