package cloud

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Endpoint is a parsed --endpoint override: every product is sent to Host
// over Scheme instead of its public host name.
type Endpoint struct {
	Scheme string // "HTTP" or "HTTPS", as the SDK spells it
	Host   string // host[:port]
}

// ParseEndpoint checks an --endpoint value. Plain http is accepted only for
// loopback hosts: credentials must never cross a network in the clear.
func ParseEndpoint(raw string) (*Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not a URL: give one like https://host:port", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("endpoint %q must be a base URL without path, query "+
			"or user info", u.Redacted())
	}
	switch u.Scheme {
	case "https":
		return &Endpoint{Scheme: "HTTPS", Host: u.Host}, nil
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("endpoint %q uses plain http to a host that is not "+
				"loopback: use https, or http only for 127.0.0.1, ::1 or localhost", raw)
		}
		return &Endpoint{Scheme: "HTTP", Host: u.Host}, nil
	}
	return nil, fmt.Errorf("endpoint %q: scheme must be http or https", raw)
}

// IsLoopback reports whether host names this machine only: localhost or a
// loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL renders the endpoint back as a base URL.
func (e *Endpoint) URL() string {
	return strings.ToLower(e.Scheme) + "://" + e.Host
}
