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
		name  string
		size  int64
		read  int
		count bool // Size counts things, not bytes read
		unit  string
		want  string
	}{
		{"size unknown", 0, 10, false, "", "\rread 7 rows\n"},
		{"half", 20, 10, false, "", "\r[###############               ]  50% 7 rows\n"},
		{"past the size", 5, 10, false, "", "\r[##############################] 100% 7 rows\n"},
		{"things counted", 14, 0, true, "tiles", "\r[###############               ]  50% 7 tiles\n"},
		{"things, size unknown", 0, 0, true, "tiles", "\rread 7 tiles\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &progress.Reader{R: strings.NewReader(strings.Repeat("x", tc.read))}
			io.ReadAll(r)
			if r.N != int64(tc.read) {
				t.Fatalf("counted %d bytes; want %d", r.N, tc.read)
			}
			var out bytes.Buffer
			b := progress.Bar{W: &out, Size: tc.size, Read: r, Unit: tc.unit}
			if tc.count {
				b.Read = nil
			}
			b.Show(7)
			b.Done()
			if out.String() != tc.want {
				t.Errorf("drew %q; want %q", out.String(), tc.want)
			}
		})
	}
}
