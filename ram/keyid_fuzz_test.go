package ram

import (
	"strings"
	"testing"
)

// FuzzValidateKeyID: whatever is pasted, validation never panics, accepts
// only ids of the documented form, and never repeats a rejected argument
// (it may hold a secret) in its error.
func FuzzValidateKeyID(f *testing.F) {
	for _, s := range []string{"LTAI5tAbCdEfGhIjKlMnOpQr", "", " ", "STS.abc",
		"Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0", "AbCdEfGh12345678\n", "ЛТАИ5tAbCdEfGhIjKlMn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateKeyID(s)
		if err == nil {
			if len(s) < minKeyIDLen || len(s) > maxKeyIDLen ||
				strings.IndexFunc(s, notAlnum) >= 0 {
				t.Fatalf("accepted %q", s)
			}
			return
		}
		if len(s) >= 8 && strings.Contains(err.Error(), s) {
			t.Fatalf("error repeats a rejected argument: %v", err)
		}
	})
}
