package pii_test

import (
	"testing"

	"gridmap/pii"
)

func TestKeyPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		path string
		uid  int
		want string
	}{
		{"given", map[string]string{pii.KeyFileEnv: "/etc/k", pii.KeyEnv: "x"}, "/tmp/k", 1000, "/tmp/k"},
		{"from the environment", map[string]string{pii.KeyFileEnv: "/etc/k", "HOME": "/home/a"}, "", 1000, "/etc/k"},
		{"the key itself in the environment", map[string]string{pii.KeyEnv: "x", "HOME": "/home/a"}, "", 1000, ""},
		{"default for a user", map[string]string{"HOME": "/home/a"}, "", 1000, "/home/a/.local/state/gridmap/data.key"},
		{"default for root", nil, "", 0, "/var/lib/gridmap/data.key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pii.KeyPath(func(k string) string { return tc.env[k] }, tc.path, tc.uid)
			if err != nil || got != tc.want {
				t.Errorf("KeyPath = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := pii.KeyPath(func(string) string { return "" }, "", 1000); err == nil {
		t.Error("KeyPath with no home: no error")
	}
}
