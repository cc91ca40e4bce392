package auth

import "testing"

func TestCheckDevAddr(t *testing.T) {
	tests := []struct {
		addr    string
		wantErr bool
	}{
		{"127.0.0.1:8080", false},
		{"127.1.2.3:8080", false},
		{"localhost:8080", false},
		{"LOCALHOST:8080", false},
		{"[::1]:8080", false},
		{"[::ffff:127.0.0.1]:8080", false},

		{":8080", true},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"192.168.1.10:8080", true},
		{"10.0.0.1:8080", true},
		{"128.0.0.1:8080", true},
		{"[::2]:8080", true},
		{"[fe80::1%lo0]:8080", true},
		{"[::1%lo]:8080", true},
		{"example.com:8080", true},
		{"localhost.example.com:8080", true},
		{"127.0.0.1", true},
		{"localhost", true},
		{"", true},
		{"::1:8080", true},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			err := CheckDevAddr(tc.addr)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("CheckDevAddr(%q) = %v; want error %t", tc.addr, err, tc.wantErr)
			}
		})
	}
}

func TestCheckDevHost(t *testing.T) {
	tests := []struct {
		host    string
		wantErr bool
	}{
		{"127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"127.1.2.3:8080", false},
		{"localhost", false},
		{"localhost:8080", false},
		{"LocalHost:8080", false},
		{"[::1]", false},
		{"[::1]:8080", false},
		{"[::ffff:127.0.0.1]:8080", false},

		{"", true},
		{"evil.example", true},
		{"evil.example:8080", true},
		{"localhost.:8080", true},
		{"localhost.evil.example:8080", true},
		{"127.0.0.1.nip.io:8080", true},
		{"0.0.0.0:8080", true},
		{"192.168.1.10:8080", true},
		{"[::]:8080", true},
		{"::1", true},
		{"::1:8080", true},
		{"[127.0.0.1]:8080", true},
		{"[fe80::1%25lo]:8080", true},
		{"127.0.0.1:", true},
		{"127.0.0.1:80x", true},
		{"localhost:8080:8080", true},
		{"127.1:8080", true},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			err := CheckDevHost(tc.host)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("CheckDevHost(%q) = %v; want error %t", tc.host, err, tc.wantErr)
			}
		})
	}
}
