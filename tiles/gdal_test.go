package tiles

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gridmap/tiles/tilestest"
)

// TestGDALReadsTiles has GDAL's MVT driver (ogrinfo, Debian gdal-bin)
// read our tiles: the same layers and feature counts as our strict
// decoder, the codes, and grid 001 (lean at z11-12: id and kind) as one
// polygon with its hole.
func TestGDALReadsTiles(t *testing.T) {
	t.Parallel()
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Fatalf("ogrinfo is not installed, so GDAL cannot check our tiles: install it with `apt-get install -y gdal-bin` (%v)", err)
	}
	fx := loadFixture(t)
	p := Prepare(fx.snapshot(t, 1))
	for _, z := range []int{8, 11, 12, 14, 16} {
		x, y := tileAt(120.11, 33.38, z)
		data, err := p.Render(nil, z, x, y)
		if err != nil {
			t.Fatal(err)
		}
		d, err := tilestest.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), strconv.Itoa(z), strconv.Itoa(x))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, strconv.Itoa(y)+".mvt")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-ro", "-al", "-oo", "Z=" + strconv.Itoa(z), "-oo", "X=" + strconv.Itoa(x), "-oo", "Y=" + strconv.Itoa(y), file}
		out, err := exec.Command(ogrinfo, append([]string{"-so"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("z%d: ogrinfo -so: %v\n%s", z, err, out)
		}
		counts := map[string]int{}
		var layer string
		for _, line := range strings.Split(string(out), "\n") {
			if s, ok := strings.CutPrefix(line, "Layer name: "); ok {
				layer = strings.TrimSpace(s)
			}
			if s, ok := strings.CutPrefix(line, "Feature Count: "); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(s))
				counts[layer] = n
			}
		}
		for _, l := range d.Layers {
			if counts[l.Name] != len(l.Features) {
				t.Errorf("z%d: GDAL counts %d features in %s; we wrote %d\n%s", z, counts[l.Name], l.Name, len(l.Features), out)
			}
		}
		if len(counts) != len(d.Layers) {
			t.Errorf("z%d: GDAL sees layers %v; we wrote %d", z, counts, len(d.Layers))
		}
		full, err := exec.Command(ogrinfo, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("z%d: ogrinfo: %v\n%s", z, err, full)
		}
		if strings.Contains(string(full), "ERROR") {
			t.Errorf("z%d: ogrinfo reported an error:\n%s", z, full)
		}
		if z == 11 || z == 12 {
			// Here the whole village is in the tile, so the hole is not
			// clipped. Grids are lean: the id (code×100 + 15), then the
			// kind, then the geometry.
			re := regexp.MustCompile(`mvt_id \(Integer64\) = 32090200100100115\n\s*kind \(String\) = (\w+)\n\s*((?:MULTI)?POLYGON[^\n]*)`)
			m := re.FindStringSubmatch(string(full))
			if m == nil {
				t.Fatalf("z%d: GDAL output has no lean grid 001 (id, kind, geometry):\n%s", z, full)
			}
			if m[1] != "urban" {
				t.Errorf("z%d: GDAL reads grid 001's kind as %q; want urban", z, m[1])
			}
			if g := m[2]; strings.Count(g, "((") != 1 || strings.Count(g, "),(") != 1 {
				t.Errorf("z%d: GDAL reads grid 001 as %s; want one polygon with one hole", z, g)
			}
		}
	}
}
