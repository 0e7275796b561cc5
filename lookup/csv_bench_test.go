package lookup

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestParseFloatMatchesStrconv: the fast decimal path gives the same bits
// as strconv.ParseFloat, and the same error status, on hand cases and on
// random decimals of every length.
func TestParseFloatMatchesStrconv(t *testing.T) {
	t.Parallel()
	cases := []string{"0", "-0", "0.0", "-0.0", "1", "120.1234567", "-33.9999999", "180", "-180.0000000",
		"9007199254740991", "9007199254740992", "9007199254740993", "123456789012345678", "1234567890123456789",
		"0.1", "0.30000000000000004", "1.", ".5", "-", "+1.5", "1e5", "1.5e-3", "NaN", "Inf", "-inf", "1,5", "1.2.3",
		"00000000000000000000000000001.5", "0.0000000000000000000000001", "4.9406564584124654e-324",
		"1.7976931348623157e308", "12a", " 1", "1_000", "0x1p3", "120.12345678901234567890"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		b := []byte{}
		if r.IntN(2) == 0 {
			b = append(b, '-')
		}
		for range 1 + r.IntN(10) {
			b = append(b, byte('0'+r.IntN(10)))
		}
		if r.IntN(4) > 0 {
			b = append(b, '.')
			for range 1 + r.IntN(20) {
				b = append(b, byte('0'+r.IntN(10)))
			}
		}
		cases = append(cases, string(b), strconv.FormatFloat(r.Float64()*360-180, 'f', r.IntN(17), 64),
			strconv.FormatFloat(r.NormFloat64()*1e3, 'f', -1, 64))
	}
	for _, s := range cases {
		got, gerr := parseFloat([]byte(s))
		want, werr := strconv.ParseFloat(s, 64)
		if (gerr == nil) != (werr == nil) || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseFloat(%q) = %v, %v; strconv: %v, %v", s, got, gerr, want, werr)
		}
	}
}

// BenchmarkParseFloat: a 7-decimal coordinate, fast path against strconv.
func BenchmarkParseFloat(b *testing.B) {
	in := []byte("120.1234567")
	b.Run("fast", func(b *testing.B) {
		var sink float64
		for b.Loop() {
			f, _ := parseFloat(in)
			sink += f
		}
		_ = sink
	})
	b.Run("strconv", func(b *testing.B) {
		var sink float64
		for b.Loop() {
			f, _ := strconv.ParseFloat(string(in), 64)
			sink += f
		}
		_ = sink
	})
}
