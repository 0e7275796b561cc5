package lookup

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestParseFastQuery: only plain lon=X&lat=Y queries with valid, in-range
// numbers take the fast path; everything else goes to the general path,
// which answers it or says what is wrong.
func TestParseFastQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw      string
		lon, lat float64
		ok       bool
	}{
		{"lon=120.1234567&lat=33.3", 120.1234567, 33.3, true},
		{"lat=33.3&lon=120.5", 120.5, 33.3, true},
		{"lon=-180&lat=90", -180, 90, true},
		{"lon=1e-7&lat=-0", 1e-7, math.Copysign(0, -1), true},
		{"lon=120&lat=33&", 0, 0, false}, // a trailing separator: general path
		{"lon=120&lat=33&at=2020-01-01T00:00:00Z", 0, 0, false},
		{"lon=120%2E5&lat=33", 0, 0, false}, // escapes
		{"lon=1e+2&lat=33", 0, 0, false},    // '+' is a space
		{"lon=120&lon=121", 0, 0, false},    // twice
		{"lat=33&lat=34", 0, 0, false},
		{"lon=120", 0, 0, false},
		{"", 0, 0, false},
		{"lon=&lat=33", 0, 0, false},
		{"lon=abc&lat=33", 0, 0, false},
		{"lon=NaN&lat=33", 0, 0, false},
		{"lon=Inf&lat=33", 0, 0, false},
		{"lon=180.0001&lat=33", 0, 0, false},
		{"lon=120&lat=-90.5", 0, 0, false},
		{"lon=120&x=1", 0, 0, false},
		{"lon=120;lat=33", 0, 0, false},
		{"lon=120&lat=33;x", 0, 0, false},
		{"LON=120&lat=33", 0, 0, false},
	}
	for _, tt := range tests {
		lon, lat, ok := parseFastQuery(tt.raw)
		if ok != tt.ok || ok && (lon != tt.lon || lat != tt.lat || math.Signbit(lon) != math.Signbit(tt.lon) || math.Signbit(lat) != math.Signbit(tt.lat)) {
			t.Errorf("parseFastQuery(%q) = %v, %v, %v; want %v, %v, %v", tt.raw, lon, lat, ok, tt.lon, tt.lat, tt.ok)
		}
	}
}

// TestAppendEncodedFloatMatchesEncodingJSON: the fast path writes lon and
// lat byte for byte as encoding/json does (the general path's encoder).
func TestAppendEncodedFloatMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 180, -180, 90, 1e-6, 9.999999e-7, 1e-7, -1e-7, 1.5e-9, 5e-324,
		math.SmallestNonzeroFloat64, 1e20, 1e21, 123456789012345678901234.0, math.MaxFloat64, 120.1234567, 33.35, 0.1 + 0.2}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		fs = append(fs, (r.Float64()*2-1)*180, math.Float64frombits(r.Uint64()&^(0x7ff<<52)|uint64(r.IntN(0x7ff))<<52))
	}
	for _, f := range fs {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEncodedFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendEncodedFloat(%v) = %s; encoding/json writes %s", f, got, want)
		}
	}
}
