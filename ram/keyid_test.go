package ram

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKeyID(t *testing.T) {
	secret := "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0" // 30 characters, like a secret
	tests := []struct {
		name    string
		in      string
		want    error // nil: valid
		mustNot string
	}{
		{"modern id", "LTAI5tAbCdEfGhIjKlMnOpQr", nil, ""},
		{"old 16-char id", "AbCdEfGh12345678", nil, ""},
		{"empty", "", ErrKeyIDInvalid, ""},
		{"leading space", " LTAI5tAbCdEfGhIjKlMnOpQr", ErrKeyIDInvalid, ""},
		{"newline inside", "LTAI5tAbCd\nEfGhIjKlMnOpQr", ErrKeyIDInvalid, ""},
		{"punctuation", "LTAI5tAbCd-EfGhIjKlMn", ErrKeyIDInvalid, "LTAI5tAbCd"},
		{"id and secret on one line", "LTAI5tAbCdEfGhIjKlMnOpQr," + secret, ErrKeyIDInvalid,
			secret},
		{"too short", "LTAI5tAbCd", ErrKeyIDInvalid, ""},
		{"too long", "LTAI5tAbCdEfGhIjKlMnOpQrS", ErrKeyIDInvalid, ""},
		{"pasted secret", secret, ErrLooksLikeKey, secret},
		{"secret with symbol", secret[:29] + "/", ErrKeyIDInvalid, secret[:29]},
		{"sts id", "STS.NUgYrLnoC37mZZCNnAbCdEfGh", ErrSTSKeyID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateKeyID(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateKeyID(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("ValidateKeyID(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if tt.mustNot != "" && strings.Contains(err.Error(), tt.mustNot) {
				t.Fatalf("error echoes the secret: %v", err)
			}
		})
	}
}
