package main

import (
	"strings"
	"testing"
)

// TestSecretsNeverLeave plants canary secrets in the responder's
// credentials and checks every byte the tool writes: stdout, stderr at
// trace level in both log formats, and every file of the incident. It
// covers a successful run, a rejected signature, and STS credentials
// minted for --assume-role (whose secret and token the tool handles too).
func TestSecretsNeverLeave(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		extra  []string
		code   int
	}{
		{"success", responderSecret, nil, exitOK},
		{"wrong secret", "CANARYwrongSECRETvalue00000001", nil, exitAuth},
		{"assumed role", responderSecret,
			[]string{"--assume-role", "acs:ram::" + accountID + ":role/incident-responder"}, exitOK},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "console"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				w := newWorld(t)
				w.as(responderKey, tt.secret)
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
					canaries := append([]string{tt.secret}, tokens...)
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
