package workers

import "math"

// GCJ-02 is the datum-obfuscation of the Chinese survey rules: maps and
// phones in China report positions shifted from WGS-84 by a smooth,
// published-by-leak function (hundreds of metres). WGSToGCJ is that
// function (Krasovsky 1940 ellipsoid constants, the formula every
// implementation shares); GCJToWGS inverts it by fixed-point iteration,
// since the function has no closed inverse. Outside China the two are the
// same.

const (
	gcjA  = 6378245.0             // Krasovsky 1940 semi-major axis
	gcjEE = 0.0066934216229659433 // its first eccentricity squared
)

// outOfChina reports whether a point lies outside the rough box where
// GCJ-02 applies.
func outOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

func gcjDelta(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105, lat-35
	dLat = -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLat += (20*math.Sin(y*math.Pi) + 40*math.Sin(y/3*math.Pi)) * 2 / 3
	dLat += (160*math.Sin(y/12*math.Pi) + 320*math.Sin(y*math.Pi/30)) * 2 / 3
	dLon = 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	dLon += (20*math.Sin(x*math.Pi) + 40*math.Sin(x/3*math.Pi)) * 2 / 3
	dLon += (150*math.Sin(x/12*math.Pi) + 300*math.Sin(x/30*math.Pi)) * 2 / 3
	radLat := lat / 180 * math.Pi
	magic := 1 - gcjEE*math.Sin(radLat)*math.Sin(radLat)
	sqrtMagic := math.Sqrt(magic)
	dLat = dLat * 180 / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = dLon * 180 / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// WGSToGCJ converts a WGS-84 position to GCJ-02.
func WGSToGCJ(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	dLon, dLat := gcjDelta(lon, lat)
	return lon + dLon, lat + dLat
}

// GCJToWGS converts a GCJ-02 position to WGS-84: the WGS-84 point whose
// GCJ-02 image is the given point, to within 1e-10° (about 0.01 mm),
// found by fixed-point iteration (the offset changes by under 1e-4 of a
// degree per degree, so each step gains about four digits).
func GCJToWGS(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	wLon, wLat := lon, lat
	for range 30 {
		gLon, gLat := WGSToGCJ(wLon, wLat)
		eLon, eLat := gLon-lon, gLat-lat
		wLon, wLat = wLon-eLon, wLat-eLat
		if math.Abs(eLon) < 1e-10 && math.Abs(eLat) < 1e-10 {
			break
		}
	}
	return wLon, wLat
}
