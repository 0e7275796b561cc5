package pii_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gridmap/pii"
)

func noEnv(string) string { return "" }

func TestLoadKeyFromEnv(t *testing.T) {
	t.Parallel()
	_, raw := testKey(t, 3)
	want, _ := pii.NewKey(raw)
	path := filepath.Join(t.TempDir(), "data.key")
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == pii.KeyEnv {
				return v
			}
			return ""
		}
	}
	k, src, err := pii.LoadKey(env(hex.EncodeToString(raw)), path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID() != want.ID() || !src.Env || src.String() != "environment variable GRIDMAP_DATA_KEY" {
		t.Fatalf("key %s from %v, want %s from the environment", k.ID(), src, want.ID())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a key from the environment made a key file: %v", err)
	}
	const bad = "not-a-key-but-a-secret-anyway"
	_, _, err = pii.LoadKey(env(bad), path)
	if err == nil || !strings.Contains(err.Error(), pii.KeyEnv) || strings.Contains(err.Error(), bad) {
		t.Fatalf("a bad key in the environment: want an error naming %s without the value, got %v", pii.KeyEnv, err)
	}
}

func TestLoadKeyFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "gridmap")
	path := filepath.Join(dir, "data.key")
	k1, src, err := pii.LoadKey(noEnv, path)
	if err != nil {
		t.Fatal(err)
	}
	if !src.Created || src.Path != path {
		t.Fatalf("first load: source %v, want the created file %s", src, path)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	k2, src, err := pii.LoadKey(noEnv, path)
	if err != nil {
		t.Fatal(err)
	}
	if src.Created || k2.ID() != k1.ID() {
		t.Fatalf("second load: key %s (created %v), want the same key %s", k2.ID(), src.Created, k1.ID())
	}
	// The value sealed under the first load opens under the second.
	if got, err := k2.Open(pii.FieldPhone, k1.Seal(pii.FieldPhone, "13912345678")); err != nil || got != "13912345678" {
		t.Fatalf("a value sealed before a restart: %q, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the key directory holds %d entries, want only data.key (no temporary file left)", len(entries))
	}

	// Readable by others: refused, with what to do.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pii.LoadKey(noEnv, path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file with mode 0644: want a chmod 600 error, got %v", err)
	}
	// A damaged file is an error, never replaced by a new key.
	if err := os.WriteFile(path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o600)
	if _, _, err := pii.LoadKey(noEnv, path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a damaged key file: want an error naming it, got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "garbage\n" {
		t.Fatal("a damaged key file was overwritten")
	}
	if _, _, err := pii.LoadKey(noEnv, ""); err == nil || !strings.Contains(err.Error(), pii.KeyEnv) {
		t.Fatalf("no env and no path: want an error naming %s, got %v", pii.KeyEnv, err)
	}
}

// TestLoadKeyFileRace: processes starting at once all end up with the
// one key that was linked into place first.
func TestLoadKeyFileRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gridmap", "data.key")
	const n = 16
	ids := make([]string, n)
	created := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, src, err := pii.LoadKey(noEnv, path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = k.ID(), src.Created
		})
	}
	wg.Wait()
	nCreated := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("loads at once gave keys %s and %s", ids[0], ids[i])
		}
		if created[i] {
			nCreated++
		}
	}
	if nCreated != 1 {
		t.Fatalf("%d loads say they created the key file, want 1", nCreated)
	}
}

func TestDefaultKeyPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		uid  int
		want string // empty: an error
	}{
		{"root", map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/root"}, 0, "/var/lib/gridmap/data.key"},
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/home/a"}, 1000, "/s/gridmap/data.key"},
		{"relative XDG_STATE_HOME is ignored", map[string]string{"XDG_STATE_HOME": "s", "HOME": "/home/a"}, 1000, "/home/a/.local/state/gridmap/data.key"},
		{"HOME", map[string]string{"HOME": "/home/a"}, 1000, "/home/a/.local/state/gridmap/data.key"},
		{"nothing", nil, 1000, ""},
	}
	for _, tt := range tests {
		got, err := pii.DefaultKeyPath(func(k string) string { return tt.env[k] }, tt.uid)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: got %q, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
