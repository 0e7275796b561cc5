package outfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gridmap/outfile"
)

func TestCommitAndClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		commit bool
		want   string // content of the target after Close; "" = absent
	}{
		{"committed", true, "hello"},
		{"failed run", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".csv")
			f, err := outfile.Create(path, nil, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("hello"))
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("target exists before Commit: %v", err)
			}
			if tc.commit {
				if err := f.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			f.Close()
			got, err := os.ReadFile(path)
			if tc.want == "" {
				if !os.IsNotExist(err) {
					t.Fatalf("target %q written by a run that did not commit", got)
				}
			} else if string(got) != tc.want {
				t.Fatalf("target %q, %v; want %q", got, err, tc.want)
			}
			if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v; want 0644", fi.Mode().Perm())
			}
			left, _ := filepath.Glob(filepath.Join(dir, "."+tc.name+"*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func TestStdout(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	f, err := outfile.Create("-", &out, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x"))
	if err := f.Commit(); err != nil || out.String() != "x" {
		t.Fatalf("stdout %q, %v", out.String(), err)
	}
}
