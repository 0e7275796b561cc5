package progress_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"gridmap/progress"
)

func TestBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int64
		read int
		want string
	}{
		{"size unknown", 0, 10, "\rread 7 rows\n"},
		{"half", 20, 10, "\r[###############               ]  50% 7 rows\n"},
		{"past the size", 5, 10, "\r[##############################] 100% 7 rows\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &progress.Reader{R: strings.NewReader(strings.Repeat("x", tc.read))}
			io.ReadAll(r)
			if r.N != int64(tc.read) {
				t.Fatalf("counted %d bytes; want %d", r.N, tc.read)
			}
			var out bytes.Buffer
			b := progress.Bar{W: &out, Size: tc.size, Read: r}
			b.Show(7)
			b.Done()
			if out.String() != tc.want {
				t.Errorf("drew %q; want %q", out.String(), tc.want)
			}
		})
	}
}
