package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Policy language constants.
const (
	effectAllow  = "Allow"
	effectDeny   = "Deny"
	policySystem = "System"
	policyCustom = "Custom"
)

// policyKind says which grammar a document follows: a permission policy
// needs Resource, a trust policy needs Principal.
type policyKind int

const (
	permissionPolicy policyKind = iota
	trustPolicy
)

// policyDoc is a parsed policy document.
type policyDoc struct {
	Version    string
	Statements []statement
}

// statement is one parsed statement. Exactly one of Action and NotAction is
// non-nil; in a permission policy exactly one of Resource and NotResource.
type statement struct {
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Principal   principal
	Conditions  []condition
}

// principal is the Principal element of a trust policy.
type principal struct {
	RAM       []string
	Service   []string
	Federated []string
}

// parsePolicy parses and checks a document. The error text explains what is
// wrong, for the MalformedPolicyDocument message.
func parsePolicy(doc string, kind policyKind) (*policyDoc, error) {
	top, err := decodeObject([]byte(doc))
	if err != nil {
		return nil, err
	}
	for k := range top {
		if k != "Version" && k != "Statement" {
			return nil, fmt.Errorf("unknown element %q", k)
		}
	}

	var version string
	if err := json.Unmarshal(top["Version"], &version); err != nil || version != "1" {
		return nil, errors.New(`"Version" must be the string "1"`)
	}
	raws, err := statementList(top["Statement"])
	if err != nil {
		return nil, err
	}

	p := &policyDoc{Version: version}
	for i, raw := range raws {
		st, err := parseStatement(raw, kind)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// decodeObject decodes exactly one JSON object, keeping numbers as text.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("the document is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return m, nil
}

// statementList accepts an array of statements or a single statement.
func statementList(raw json.RawMessage) ([]json.RawMessage, error) {
	if raw == nil {
		return nil, errors.New(`"Statement" is required`)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		if len(list) == 0 {
			return nil, errors.New(`"Statement" must not be empty`)
		}
		return list, nil
	}
	if _, err := decodeObject(raw); err != nil {
		return nil, errors.New(`"Statement" must be an array of objects`)
	}
	return []json.RawMessage{raw}, nil
}

// statementKeys lists the elements a statement may carry, per kind.
func statementKeys(kind policyKind) []string {
	if kind == trustPolicy {
		return []string{"Sid", "Effect", "Action", "NotAction", "Principal", "Condition"}
	}
	return []string{"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
		"Condition"}
}

func parseStatement(raw json.RawMessage, kind policyKind) (statement, error) {
	var st statement
	m, err := decodeObject(raw)
	if err != nil {
		return st, errors.New("a statement must be a JSON object")
	}
	if err := checkKeys(m, statementKeys(kind)); err != nil {
		return st, err
	}

	if err := json.Unmarshal(m["Effect"], &st.Effect); err != nil ||
		(st.Effect != effectAllow && st.Effect != effectDeny) {
		return st, errors.New(`"Effect" must be "Allow" or "Deny"`)
	}
	st.Action, st.NotAction, err = pair(m, "Action", "NotAction", checkAction)
	if err != nil {
		return st, err
	}
	if kind == permissionPolicy {
		st.Resource, st.NotResource, err = pair(m, "Resource", "NotResource",
			checkResource)
	} else {
		st.Principal, err = parsePrincipal(m["Principal"])
	}
	if err != nil {
		return st, err
	}
	st.Conditions, err = parseConditions(m["Condition"])
	return st, err
}

func checkKeys(m map[string]json.RawMessage, allowed []string) error {
	for k := range m {
		found := false
		for _, a := range allowed {
			found = found || k == a
		}
		if !found {
			return fmt.Errorf("unknown element %q", k)
		}
	}
	return nil
}

// pair parses an element that comes in a positive and a negated form, of
// which exactly one must be present.
func pair(m map[string]json.RawMessage, pos, neg string,
	check func(string) error) ([]string, []string, error) {
	rp, rn := m[pos], m[neg]
	if (rp == nil) == (rn == nil) {
		return nil, nil, fmt.Errorf("exactly one of %q and %q is required", pos, neg)
	}
	name, raw := pos, rp
	if rp == nil {
		name, raw = neg, rn
	}
	list, err := stringList(raw, name)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range list {
		if err := check(s); err != nil {
			return nil, nil, fmt.Errorf("%q: %w", name, err)
		}
	}
	if rp == nil {
		return nil, list, nil
	}
	return list, nil, nil
}

// stringList accepts a non-empty string or a non-empty array of them.
func stringList(raw json.RawMessage, name string) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil && one != "" {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%q must be a string or a non-empty array of strings",
			name)
	}
	for _, s := range list {
		if s == "" {
			return nil, fmt.Errorf("%q must not hold an empty string", name)
		}
	}
	return list, nil
}

// checkAction accepts "*" and "<service>:<action pattern>".
func checkAction(s string) error {
	if s == "*" {
		return nil
	}
	svc, api, ok := strings.Cut(s, ":")
	if !ok || svc == "" || api == "" || strings.Contains(api, ":") {
		return fmt.Errorf("%q is not of the form \"<service>:<action>\"", s)
	}
	return nil
}

// checkResource accepts "*" and ARNs starting with "acs:".
func checkResource(s string) error {
	if s == "*" || strings.HasPrefix(s, "acs:") {
		return nil
	}
	return fmt.Errorf("%q is neither \"*\" nor an ARN starting with \"acs:\"", s)
}

func parsePrincipal(raw json.RawMessage) (principal, error) {
	var p principal
	if raw == nil {
		return p, errors.New(`"Principal" is required in a trust policy`)
	}
	m, err := decodeObject(raw)
	if err != nil {
		return p, errors.New(`"Principal" must be an object`)
	}
	if err := checkKeys(m, []string{"RAM", "Service", "Federated"}); err != nil {
		return p, fmt.Errorf("in \"Principal\": %w", err)
	}
	lists := map[string]*[]string{"RAM": &p.RAM, "Service": &p.Service,
		"Federated": &p.Federated}
	for k, raw := range m {
		list, err := stringList(raw, "Principal."+k)
		if err != nil {
			return p, err
		}
		*lists[k] = list
	}
	if len(m) == 0 {
		return p, errors.New(`"Principal" must name at least one principal`)
	}
	for _, arn := range p.RAM {
		if _, rel, ok := splitRAMARN(arn); !ok || !validPrincipal(rel) {
			return p, fmt.Errorf("%q is not a RAM principal ARN "+
				"(acs:ram::<account>:root, :user/<name> or :role/<name>)", arn)
		}
	}
	return p, nil
}

// validPrincipal checks the relative part of a Principal.RAM ARN.
func validPrincipal(rel string) bool {
	kind, name, ok := strings.Cut(rel, "/")
	if !ok {
		return rel == "root"
	}
	return (kind == "user" || kind == "role") && name != ""
}
