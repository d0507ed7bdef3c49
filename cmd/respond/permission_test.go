package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/respond-sec/respond/playbook"
	"github.com/respond-sec/respond/sim"
)

// withPolicy gives the user "limited" exactly the respond policy minus the
// actions in without.
func withPolicy(t *testing.T, without ...string) *world {
	t.Helper()
	var perms []playbook.Permission
	for _, p := range playbook.KeyPermissions() {
		if !slices.Contains(without, p.Action) {
			perms = append(perms, p)
		}
	}
	doc, err := playbook.PolicyDocument(perms)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorldWith(t, func(sc *sim.Scenario) {
		a := &sc.Accounts[0]
		a.Policies = append(a.Policies, sim.ScenarioPolicy{Name: "respond-minimal",
			Document: sim.PolicyText(doc)})
		for i := range a.Users {
			if a.Users[i].Name == "limited" {
				a.Users[i].Policies = []sim.ScenarioAttachment{
					{Name: "respond-minimal", Type: "Custom"}}
			}
		}
	})
	w.as(limitedKey, limitedSecret)
	return w
}

func TestKeyLeastPrivilegePolicy(t *testing.T) {
	tests := []struct {
		name      string
		without   []string
		key       string
		code      int
		keyAfter  string
		hint      string // the denied action the output must name
		unreadble string // an owner_profile part that must be reported unreadable
	}{
		{"full policy", nil, leakedKey, exitOK, "deleted", "", ""},
		{"no ims GetUser: falls back to listing users",
			[]string{"ram:GetUser"}, leakedKey, exitOK, "deleted", "", ""},
		{"no GetUser nor ListUsers", []string{"ram:GetUser", "ram:ListUsers"},
			leakedKey, exitAuth, "Active", "ram:ListUsers", ""},
		{"no ListAccessKeys", []string{"ram:ListAccessKeys"},
			leakedKey, exitAuth, "Active", "ram:ListAccessKeys", ""},
		{"no UpdateAccessKey", []string{"ram:UpdateAccessKey"},
			leakedKey, exitAuth, "Active", "ram:UpdateAccessKey", ""},
		{"no DeleteAccessKey: disabled all the same", []string{"ram:DeleteAccessKey"},
			leakedKey, exitAuth, "Inactive", "ram:DeleteAccessKey", ""},
		{"no GetAccessKeyLastUsed", []string{"ram:GetAccessKeyLastUsed"},
			leakedKey, exitOK, "deleted", "", "key_last_used"},
		{"no GetLoginProfile", []string{"ram:GetLoginProfile"},
			leakedKey, exitOK, "deleted", "", "login_profile"},
		{"no ListGroupsForUser", []string{"ram:ListGroupsForUser"},
			leakedKey, exitOK, "deleted", "", "groups"},
		{"no ListPoliciesForUser", []string{"ram:ListPoliciesForUser"},
			leakedKey, exitOK, "deleted", "", "policies"},
		{"root key recognised", nil, rootKey, exitRefused, "Active", "", ""},
		{"no GetAccessKeyLastUsedInfo: a root key cannot be told from none",
			[]string{"actiontrail:GetAccessKeyLastUsedInfo"}, rootKey, exitAuth, "Active",
			"actiontrail:GetAccessKeyLastUsedInfo", ""},
		{"no ims GetUser: root key recognised after the scan",
			[]string{"ram:GetUser"}, rootKey, exitRefused, "Active", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := withPolicy(t, tt.without...)
			r := w.respond(w.keyArgs("inc-perm", "--yes", "--delete", tt.key)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if s := w.keyStatus(tt.key); s != tt.keyAfter {
				t.Fatalf("key %s, want %s", s, tt.keyAfter)
			}
			doc := decode(t, r.stdout)
			if tt.hint != "" {
				hint, _ := doc["hint"].(string)
				if !strings.Contains(hint, tt.hint) || !strings.Contains(hint, "respond policy") {
					t.Fatalf("hint %q does not name %s and `respond policy`", hint, tt.hint)
				}
			}
			if tt.unreadble != "" {
				prof, _ := doc["owner_profile"].(map[string]any)
				unread, _ := prof["unreadable"].(map[string]any)
				if _, ok := unread[tt.unreadble]; !ok {
					t.Fatalf("owner_profile.unreadable lacks %s: %v", tt.unreadble, prof)
				}
			}
		})
	}
}
