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
	if !loopbackIP(host) {
		return fmt.Errorf("auth: dev mode listen address %q: host must be localhost or a loopback IP", addr)
	}
	return nil
}

func loopbackIP(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// CheckDevHost reports whether host, a request's Host header ("HOST" or
// "HOST:PORT"), names this machine by loopback, as dev mode requires: a page
// of another site whose name the attacker re-points at 127.0.0.1 (DNS
// rebinding) is same-origin with itself, so the browser sends its requests,
// with that site's name as Host, to the dev server, which would answer them
// as the dev user. It returns nil only for "localhost" (any case), a
// loopback IP literal (127.0.0.0/8; IPv6 "[::1]" in brackets), each with an
// optional numeric port.
func CheckDevHost(host string) error {
	name, port := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		name, port = host[:i], host[i+1:]
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return fmt.Errorf("auth: dev mode: Host %q has a malformed port", host)
		}
	}
	if strings.EqualFold(name, "localhost") {
		return nil
	}
	if ip, ok := strings.CutPrefix(name, "["); ok {
		if ip, ok = strings.CutSuffix(ip, "]"); ok && strings.Contains(ip, ":") && loopbackIP(ip) {
			return nil
		}
	} else if !strings.Contains(name, ":") && loopbackIP(name) {
		return nil
	}
	return fmt.Errorf("auth: dev mode answers only requests for localhost or a loopback IP, not Host %q", host)
}
