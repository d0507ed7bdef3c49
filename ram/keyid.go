package ram

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AccessKey ids are 16 to 24 letters and digits; newer ones start with
// LTAI, older ones have no prefix. Secrets are 30 characters of the same
// alphabet, which is how a mistakenly pasted secret is told apart.
const (
	minKeyIDLen = 16
	maxKeyIDLen = 24
	secretLen   = 30
)

// Errors of ValidateKeyID; every one is a usage error.
var (
	ErrKeyIDInvalid = errors.New("invalid access key id")
	ErrLooksLikeKey = errors.New("looks like an access key secret")
	ErrSTSKeyID     = errors.New("temporary sts access key id")
)

// ValidateKeyID checks that s can be an AccessKey id. The errors never
// repeat s when it could be a secret.
func ValidateKeyID(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: the id is empty; give an AccessKey id such as "+
			"LTAI5tExample1234567890", ErrKeyIDInvalid)
	case strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsSpace):
		return fmt.Errorf("%w: the id contains white space; give the id alone, "+
			"without spaces or line breaks", ErrKeyIDInvalid)
	case strings.HasPrefix(s, "STS."):
		return fmt.Errorf("%w: ids starting STS. are temporary credentials, which "+
			"cannot be disabled; they expire on their own, and revoking them means "+
			"rotating the role that issued them: find the long-term key that minted "+
			"the token and respond to that key instead", ErrSTSKeyID)
	}
	if i := strings.IndexFunc(s, notAlnum); i >= 0 {
		// The argument is not shown: a pasted "id,secret" line or a secret
		// with a symbol in it would be echoed to the terminal and the logs.
		return fmt.Errorf("%w: character %d of the argument is not a letter or digit; "+
			"AccessKey ids have only letters and digits (the argument is not shown, "+
			"in case it holds a secret)", ErrKeyIDInvalid, utf8.RuneCountInString(s[:i])+1)
	}
	if len(s) == secretLen {
		return fmt.Errorf("%w: the argument is %d characters, the length of an "+
			"AccessKey secret, not an id; it was not printed or logged. Treat the "+
			"secret as exposed and pass its AccessKey id (16 to 24 characters, "+
			"usually starting LTAI)", ErrLooksLikeKey, len(s))
	}
	if len(s) < minKeyIDLen || len(s) > maxKeyIDLen {
		return fmt.Errorf("%w: the id is %d characters; AccessKey ids have %d to %d",
			ErrKeyIDInvalid, len(s), minKeyIDLen, maxKeyIDLen)
	}
	return nil
}

func notAlnum(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}
