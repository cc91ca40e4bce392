package auth

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// CheckDevAddr reports whether addr, a listen address "HOST:PORT", is safe
// for dev mode, which skips IAP. It returns nil only when HOST is
// "localhost" or a loopback IP (127.0.0.0/8 or ::1). An empty host (":8080"),
// 0.0.0.0, ::, any other address and any malformed addr are refused.
func CheckDevAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("auth: dev mode listen address: %w", err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("auth: dev mode listen address %q: host must be localhost or a loopback IP", addr)
	}
	return nil
}
