package pii

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySource says where LoadKey found the key, for a log line at start-up
// (it never holds the key).
type KeySource struct {
	Env     bool   // from the environment variable KeyEnv
	Path    string // the key file, when not from the environment
	Created bool   // the key file was made by this call
}

func (s KeySource) String() string {
	switch {
	case s.Env:
		return "environment variable " + KeyEnv
	case s.Created:
		return "key file " + s.Path + " (created)"
	default:
		return "key file " + s.Path
	}
}

// LoadKey returns the data key: from KeyEnv when getenv gives it, else
// from the key file at path. A missing key file is created once: 32 random
// bytes in base64, mode 0600, in a directory made with mode 0700, linked
// into place only when complete, so two processes starting at once end up
// with the same key. A key file that group or others may read is refused.
// The key never goes into the database: losing the file (without a copy)
// loses every sealed value, so back it up apart from the database.
func LoadKey(getenv func(string) string, path string) (*Key, KeySource, error) {
	if v := getenv(KeyEnv); v != "" {
		k, err := ParseKey(v)
		if err != nil {
			return nil, KeySource{Env: true}, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return k, KeySource{Env: true}, nil
	}
	src := KeySource{Path: path}
	if path == "" {
		return nil, src, fmt.Errorf("no data key: set %s or give a key file path", KeyEnv)
	}
	k, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var created bool
		created, err = createKeyFile(path)
		src.Created = created
		if err == nil {
			k, err = readKeyFile(path)
		}
	}
	if err != nil {
		return nil, src, err
	}
	return k, src, nil
}

func readKeyFile(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("data key file %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("data key file %s: mode %04o lets others read it; chmod 600 %s", path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	k, err := ParseKey(string(text))
	clear(text)
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new key beside path and links it into place. It
// reports false without error when another process linked its key first.
func createKeyFile(path string) (bool, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("data key file: %w", err)
	}
	raw := make([]byte, KeySize)
	rand.Read(raw)
	tmp, err := os.CreateTemp(dir, ".data.key-*") // mode 0600
	if err != nil {
		return false, fmt.Errorf("data key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("data key file: %w", err)
	}
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	clear(raw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("data key file: write %s: %w", tmp.Name(), err)
	}
	// A link never replaces an existing file: the first process wins.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("data key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return true, nil
}

// DefaultKeyPath is where the key file goes when none is given: for root
// (uid 0) /var/lib/gridmap/data.key, otherwise $XDG_STATE_HOME/gridmap/data.key,
// or ~/.local/state/gridmap/data.key when XDG_STATE_HOME is unset.
func DefaultKeyPath(getenv func(string) string, uid int) (string, error) {
	if uid == 0 {
		return "/var/lib/gridmap/data.key", nil
	}
	if s := getenv("XDG_STATE_HOME"); filepath.IsAbs(s) {
		return filepath.Join(s, "gridmap", "data.key"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "gridmap", "data.key"), nil
	}
	return "", fmt.Errorf("%w: set %s, XDG_STATE_HOME or HOME", ErrNoKeyPlace, KeyEnv)
}

// ErrNoKeyPlace is DefaultKeyPath's error when the environment names no
// place for the key file.
var ErrNoKeyPlace = errors.New("no place for the data key file")
