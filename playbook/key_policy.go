package playbook

import "encoding/json"

// Permission is one RAM action the responder needs, and why.
type Permission struct {
	Action string `json:"action"`
	Why    string `json:"why"`
}

// KeyPermissions lists every action `respond key` calls, as RAM authorises
// it (IMS calls are authorised as ram: actions). STS GetCallerIdentity
// needs no permission and is absent. A test runs the playbook as a user
// holding exactly this policy, and with each action removed in turn.
func KeyPermissions() []Permission {
	return []Permission{
		{"ram:GetUser", "find the owner of a key (IMS GetUser by UserAccessKeyId)"},
		{"ram:ListUsers", "fallback owner search when IMS is not readable"},
		{"ram:ListAccessKeys", "read the key's status and the owner's other keys"},
		{"ram:UpdateAccessKey", "disable the key"},
		{"ram:DeleteAccessKey", "delete the key (only with --delete)"},
		{"ram:GetAccessKeyLastUsed", "report when the key was last used"},
		{"ram:GetLoginProfile", "report whether the owner can sign in to the console"},
		{"ram:ListGroupsForUser", "report the owner's groups"},
		{"ram:ListPoliciesForUser", "report the owner's policies"},
		{"actiontrail:GetAccessKeyLastUsedInfo", "tell a root key from an unknown one"},
	}
}

// PolicyDocument renders permissions as a RAM policy document.
func PolicyDocument(perms []Permission) ([]byte, error) {
	actions := make([]string, 0, len(perms))
	for _, p := range perms {
		actions = append(actions, p.Action)
	}
	doc := map[string]any{
		"Version": "1",
		"Statement": []map[string]any{{
			"Effect":   "Allow",
			"Action":   actions,
			"Resource": "*",
		}},
	}
	return json.MarshalIndent(doc, "", "  ")
}
