package progress_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

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
		secs  float64 // the elapsed time given to the bar; 0: none
		want  string
	}{
		{"size unknown", 0, 10, false, "", 0, "\rread 7 rows\n"},
		{"half", 20, 10, false, "", 0, "\r[###############               ]  50% 7 rows\n"},
		{"past the size", 5, 10, false, "", 0, "\r[##############################] 100% 7 rows\n"},
		{"things counted", 14, 0, true, "tiles", 0, "\r[###############               ]  50% 7 tiles\n"},
		{"things, size unknown", 0, 0, true, "tiles", 0, "\rread 7 tiles\n"},
		{"rate", 20, 10, false, "addresses", 2, "\r[###############               ]  50% 7 addresses, 4/s\n"},
		{"rate, size unknown", 0, 0, true, "points", 0.5, "\rread 7 points, 14/s\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &progress.Reader{R: strings.NewReader(strings.Repeat("x", tc.read))}
			io.ReadAll(r)
			if r.N() != int64(tc.read) {
				t.Fatalf("counted %d bytes; want %d", r.N(), tc.read)
			}
			var out bytes.Buffer
			b := progress.Bar{W: &out, Size: tc.size, Read: r, Unit: tc.unit}
			if tc.count {
				b.Read = nil
			}
			if tc.secs > 0 {
				b.Elapsed = func() time.Duration { return time.Duration(tc.secs * float64(time.Second)) }
			}
			b.Show(7)
			b.Done()
			if out.String() != tc.want {
				t.Errorf("drew %q; want %q", out.String(), tc.want)
			}
		})
	}
}
