package cloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		name, raw  string
		wantScheme string
		wantHost   string
		wantErr    string
	}{
		{"loopback http", "http://127.0.0.1:8080", "HTTP", "127.0.0.1:8080", ""},
		{"localhost http", "http://localhost:9", "HTTP", "localhost:9", ""},
		{"ipv6 loopback", "http://[::1]:80", "HTTP", "[::1]:80", ""},
		{"https anywhere", "https://ram.example.com", "HTTPS", "ram.example.com", ""},
		{"trailing slash", "https://h.example.com/", "HTTPS", "h.example.com", ""},
		{"http remote refused", "http://10.0.0.1:80", "", "", "not loopback"},
		{"http lookalike refused", "http://127.0.0.1.example.com", "", "", "not loopback"},
		{"no scheme", "127.0.0.1:80", "", "", ""},
		{"ftp", "ftp://127.0.0.1", "", "", "scheme must be"},
		{"path", "https://h.example.com/api", "", "", "without path"},
		{"user info", "https://u:p@h.example.com", "", "", "without path"},
		{"empty", "", "", "", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := ParseEndpoint(tt.raw)
			if tt.wantScheme == "" {
				if err == nil {
					t.Fatalf("ParseEndpoint(%q) = %+v, want error", tt.raw, ep)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.Scheme != tt.wantScheme || ep.Host != tt.wantHost {
				t.Fatalf("got %s %s, want %s %s", ep.Scheme, ep.Host, tt.wantScheme, tt.wantHost)
			}
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	const canary = "CANARYxSECRETxDOxNOTxPRINTx0001"
	s := Secret(canary)
	type holder struct{ S Secret }

	var logBuf bytes.Buffer
	log := zerolog.New(&logBuf)
	log.Info().Interface("s", s).Str("t", s.String()).
		Stringer("u", s).Msg("x")
	j, _ := json.Marshal(holder{s})
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %X", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", holder{s}, holder{s}, holder{s}),
		string(j), logBuf.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, canary) || strings.Contains(o, "CANARY") {
			t.Errorf("secret leaked in %q", o)
		}
	}
	if s.Reveal() != canary {
		t.Fatal("Reveal lost the value")
	}
}

func TestMaskKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"LTAI5tAbCdEfGhIjKlMnOpQr": "LTAI…OpQr",
		"short":                    "*****",
		"":                         "",
	} {
		if got := MaskKeyID(in); got != want {
			t.Errorf("MaskKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		code   string
		status int
		is     []error
		isNot  []error
	}{
		{"EntityNotExist.User", 404, []error{ErrNotFound}, []error{ErrAuth, ErrDenied}},
		{"InvalidAccessKeyId.NotFound", 404, []error{ErrAuth}, []error{ErrNotFound}},
		{"NoPermission", 403, []error{ErrDenied}, []error{ErrAuth}},
		{"Forbidden.RAM", 403, []error{ErrDenied}, nil},
		{"Forbidden.AccessKey.Active", 403, nil, []error{ErrDenied}},
		{"Throttling.User", 400, []error{ErrThrottled}, []error{ErrUnavailable}},
		{"ServiceUnavailable", 503, []error{ErrUnavailable}, []error{ErrThrottled}},
		{"DeleteConflict.Role.Policy", 409, []error{ErrConflict}, []error{ErrNotFound}},
	}
	for _, tt := range tests {
		e := fmt.Errorf("wrapped: %w", &Error{ErrCode: tt.code, Status: tt.status})
		for _, want := range tt.is {
			if !errors.Is(e, want) {
				t.Errorf("%s is not %v", tt.code, want)
			}
		}
		for _, not := range tt.isNot {
			if errors.Is(e, not) {
				t.Errorf("%s is %v", tt.code, not)
			}
		}
	}
}

func TestTransportErrorsDropTheRequest(t *testing.T) {
	const token = "CAISCANARYsecurityTOKEN0001"
	raw := &url.Error{Op: "Post",
		URL: "http://127.0.0.1:9/?AccessKeyId=STS.x&SecurityToken=" + token + "&Signature=abc",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	err := fromSDK("ram", "GetUser", fmt.Errorf("sdk: %w", raw))
	if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "Signature") {
		t.Fatalf("transport error keeps the request: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:9") || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("transport error lost the host or its cause: %v", err)
	}
	var te *TransportError
	if !errors.As(err, &te) || !retryable(err) {
		t.Fatalf("%v: want a retryable TransportError", err)
	}
}
