package outfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gridmap/outfile"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string // the target's content; "" for none
	}{
		{"complete", nil, "data"},
		{"failed", errors.New("boom"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.csv")
			err := outfile.Write(path, nil, 0o600, func(w io.Writer) error {
				io.WriteString(w, "data")
				return tc.err
			})
			if !errors.Is(err, tc.err) {
				t.Fatalf("Write: %v; want %v", err, tc.err)
			}
			b, rerr := os.ReadFile(path)
			if string(b) != tc.want || (tc.want == "") != errors.Is(rerr, os.ErrNotExist) {
				t.Errorf("target holds %q (%v); want %q", b, rerr, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) > 1 || (tc.want == "" && len(ents) != 0) {
				t.Errorf("left behind %v", ents)
			}
		})
	}
}
