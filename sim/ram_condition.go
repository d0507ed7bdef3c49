package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// condContext holds the condition key values of one evaluation, keyed by
// the lower-cased key name ("acs:sourceip").
type condContext map[string]string

// condition is one operator/key test of a Condition block. Operator and key
// are lower case; the test holds when any value matches (for a negated
// operator: when none does).
type condition struct {
	op     string
	key    string
	values []string
}

// conditionsHold says whether every condition holds in ctx. A key the
// emulator cannot resolve makes the condition, hence the statement, fail.
func (st *statement) conditionsHold(ctx condContext) bool {
	for _, c := range st.Conditions {
		v, ok := ctx[c.key]
		if !ok || !c.holds(v) {
			return false
		}
	}
	return true
}

func (c condition) holds(have string) bool {
	base, negated := baseOperator(c.op)
	match := false
	for _, want := range c.values {
		if compare(base, have, want) {
			match = true
			break
		}
	}
	return match != negated
}

// baseOperator maps a negated operator to its positive form.
func baseOperator(op string) (string, bool) {
	switch op {
	case "stringnotequals":
		return "stringequals", true
	case "stringnotequalsignorecase":
		return "stringequalsignorecase", true
	case "stringnotlike":
		return "stringlike", true
	case "numericnotequals":
		return "numericequals", true
	case "datenotequals":
		return "dateequals", true
	case "notipaddress":
		return "ipaddress", true
	}
	return op, false
}

// knownOperator says whether op (lower case) is a supported operator.
func knownOperator(op string) bool {
	base, _ := baseOperator(op)
	switch base {
	case "stringequals", "stringequalsignorecase", "stringlike", "bool", "ipaddress":
		return true
	}
	_, _, ok := orderedOperator(base)
	return ok
}

// orderedOperator splits a Numeric* or Date* operator into its family and
// its comparison.
func orderedOperator(op string) (family, cmp string, ok bool) {
	for _, f := range []string{"numeric", "date"} {
		rest, found := strings.CutPrefix(op, f)
		if !found {
			continue
		}
		switch rest {
		case "equals", "lessthan", "lessthanequals", "greaterthan", "greaterthanequals":
			return f, rest, true
		}
	}
	return "", "", false
}

// compare applies a positive operator to the context value and one policy
// value. Values that do not parse never match.
func compare(op, have, want string) bool {
	switch op {
	case "stringequals":
		return have == want
	case "stringequalsignorecase":
		return strings.EqualFold(have, want)
	case "stringlike":
		return wildcardMatch(want, have)
	case "bool":
		return strings.EqualFold(have, want)
	case "ipaddress":
		return ipMatches(have, want)
	}
	family, cmp, _ := orderedOperator(op)
	if family == "numeric" {
		return compareNumbers(cmp, have, want)
	}
	return compareDates(cmp, have, want)
}

func ipMatches(have, want string) bool {
	ip, err := netip.ParseAddr(have)
	if err != nil {
		return false
	}
	prefix, err := parsePrefix(want)
	return err == nil && prefix.Contains(ip.Unmap())
}

// parsePrefix accepts a CIDR block or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func compareNumbers(cmp, have, want string) bool {
	h, err1 := strconv.ParseFloat(have, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return ordered(cmp, h < w, h == w)
}

func compareDates(cmp, have, want string) bool {
	h, err1 := time.Parse(time.RFC3339, have)
	w, err2 := time.Parse(time.RFC3339, want)
	if err1 != nil || err2 != nil {
		return false
	}
	return ordered(cmp, h.Before(w), h.Equal(w))
}

func ordered(cmp string, less, equal bool) bool {
	switch cmp {
	case "equals":
		return equal
	case "lessthan":
		return less
	case "lessthanequals":
		return less || equal
	case "greaterthan":
		return !less && !equal
	case "greaterthanequals":
		return !less
	}
	return false
}

// parseConditions parses a Condition block: operator → key → value(s).
func parseConditions(raw json.RawMessage) ([]condition, error) {
	if raw == nil {
		return nil, nil
	}
	ops, err := decodeObject(raw)
	if err != nil {
		return nil, errors.New(`"Condition" must be an object`)
	}
	var out []condition
	for op, body := range ops {
		cs, err := parseOperator(op, body)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

func parseOperator(op string, body json.RawMessage) ([]condition, error) {
	lop := strings.ToLower(op)
	if !knownOperator(lop) {
		return nil, fmt.Errorf("unsupported condition operator %q", op)
	}
	keys, err := decodeObject(body)
	if err != nil || len(keys) == 0 {
		return nil, fmt.Errorf("condition %q must map keys to values", op)
	}

	var out []condition
	for key, raw := range keys {
		values, err := conditionValues(raw)
		if err != nil {
			return nil, fmt.Errorf("condition %q key %q: %w", op, key, err)
		}
		if err := checkValues(lop, values); err != nil {
			return nil, fmt.Errorf("condition %q key %q: %w", op, key, err)
		}
		out = append(out, condition{op: lop, key: strings.ToLower(key), values: values})
	}
	return out, nil
}

// conditionValues accepts a scalar (string, number, bool) or a non-empty
// array of scalars, and returns them as text.
func conditionValues(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errors.New("the value is not valid JSON")
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	if len(list) == 0 {
		return nil, errors.New("the value list is empty")
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := scalarText(item)
		if !ok {
			return nil, errors.New("values must be strings, numbers or booleans")
		}
		out = append(out, s)
	}
	return out, nil
}

func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// checkValues rejects values an operator could never compare.
func checkValues(op string, values []string) error {
	base, _ := baseOperator(op)
	family, _, ordered := orderedOperator(base)
	for _, v := range values {
		if err := checkValue(base, family, ordered, v); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(base, family string, ordered bool, v string) error {
	switch {
	case base == "ipaddress":
		if _, err := parsePrefix(v); err != nil {
			return fmt.Errorf("%q is not an IP address or CIDR block", v)
		}
	case base == "bool":
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return fmt.Errorf("%q is not true or false", v)
		}
	case ordered && family == "numeric":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
	case ordered && family == "date":
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return fmt.Errorf("%q is not a date like 2006-01-02T15:04:05Z", v)
		}
	}
	return nil
}
