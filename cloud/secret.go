package cloud

import (
	"fmt"
	"strings"
)

// Secret holds a credential value. It prints as [redacted] through fmt,
// encoding/json and zerolog; Reveal is the only way to the value.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value, for the SDK and nothing else.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// Format covers verbs that bypass String, such as %q and %x.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MaskKeyID shortens an AccessKey id for human-facing text: the first four
// and last four characters stay, so an engineer can still match it.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + "…" + id[len(id)-4:]
}
