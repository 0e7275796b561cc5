package bench_test

import (
	"slices"
	"testing"

	"gridmap/bench"
)

func TestParseSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []float64 // nil: refused
	}{
		{"1,4,12", []float64{1, 4, 12}},
		{" 0.5 , 2", []float64{0.5, 2}},
		{"50", []float64{50}},
		{"0", nil},
		{"-1", nil},
		{"51", nil},
		{"1,,4", nil},
		{"x", nil},
		{"", nil},
	}
	for _, tc := range tests {
		got, err := bench.ParseSizes(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ParseSizes(%q) = %v; want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseSizes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
