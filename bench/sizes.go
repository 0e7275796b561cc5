package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSizes reads the sizes of a scale run, comma-separated multiples of
// the city such as "1,4,12" (each above 0 and at most 50).
func ParseSizes(s string) ([]float64, error) {
	var sizes []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || v > 50 {
			return nil, fmt.Errorf("sizes %q: want positive multiples of the city up to 50, like 1,4,12", s)
		}
		sizes = append(sizes, v)
	}
	return sizes, nil
}
