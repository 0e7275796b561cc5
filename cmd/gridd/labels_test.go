package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// TestMapLabelsInBrowser checks the map's labels are Chinese text, not
// boxes or blanks: a grid's label (Chinese and a digit, 伍新村第3网格) is
// screenshotted as the page draws it with the machine's fonts, and again
// with only fonts that have no Chinese (what a machine without
// fonts-noto-cjk shows: boxes). The two must differ, and the first must
// hold dark text strokes in every character's place.
func TestMapLabelsInBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: geo.MustParseCode("320902")})
	e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	h, err := newHandler(ctx, e, st, testDataKey(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// An urban grid whose name has a digit; its label is at its centroid
	// (where the tiles put it for a compact grid), in the middle of the view.
	var name string
	var lon, lat float64
	if err := st.Pool().QueryRow(ctx, `
		SELECT name, ST_X(c), ST_Y(c) FROM (
			SELECT code, name, ST_Centroid(geom) AS c, geom FROM grid_current
			WHERE length(code) = 15 AND kind = 'urban' AND name ~ '[0-9]') g
		WHERE ST_Contains(geom, ST_Buffer(c, 0.001)) ORDER BY code LIMIT 1`).Scan(&name, &lon, &lat); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shots := dir
	if keep := os.Getenv("GRIDMAP_PAGE_SHOTS"); keep != "" {
		shots = keep
	}
	fonts, err := fontsWithoutChinese(dir)
	if err != nil {
		t.Fatal(err)
	}
	plan := map[string]any{"url": srv.URL + "/", "zoom": 17, "lon": lon, "lat": lat, "name": name,
		"shot": filepath.Join(shots, "label.png"), "tofuShot": filepath.Join(shots, "label-without-cjk-font.png"),
		"pageShot": filepath.Join(shots, "labels-page.png"), "tofuFonts": fonts}
	res := runNode(t, ctx, "test/labels.mjs", plan)
	t.Logf("label %q at (%.6f, %.6f): %s", name, lon, lat, res)

	got, ref := readPNG(t, plan["shot"].(string)), readPNG(t, plan["tofuShot"].(string))
	n := len([]rune(name))
	ink, refInk := darkPixels(got), darkPixels(ref)
	differ := differingPixels(got, ref)
	t.Logf("dark pixels %d (without the CJK font %d); %d pixels differ", ink, refInk, differ)
	// 12 px CJK characters have 15-40 dark pixels each.
	if ink < 10*n {
		t.Errorf("label %q: %d dark pixels in its box, want at least %d: blank or boxes", name, ink, 10*n)
	}
	if differ < 8*n {
		t.Errorf("label %q looks like the boxes drawn without a CJK font (%d pixels differ): install fonts-noto-cjk", name, differ)
	}
}

// fontsWithoutChinese writes a fontconfig file naming only a font
// directory without Chinese, and returns its path.
func fontsWithoutChinese(dir string) (string, error) {
	for _, d := range []string{"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"} {
		if _, err := os.Stat(d); err == nil {
			conf := filepath.Join(dir, "fonts.conf")
			xml := fmt.Sprintf(`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>
`, d, filepath.Join(dir, "fontcache"))
			return conf, os.WriteFile(conf, []byte(xml), 0o644)
		}
	}
	return "", fmt.Errorf("no DejaVu or Liberation fonts (chromium's own) to draw the reference without Chinese")
}

// runNode runs a web/test script with a plan (as a JSON file) and returns
// its JSON answer, failing the test on a failed run or a page error.
func runNode(t *testing.T, ctx context.Context, script string, plan map[string]any) string {
	t.Helper()
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(planFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 3*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "node", script, planFile)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure string   `json:"failure"`
		Errors  []string `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		if !strings.Contains(msg, "404") { // the favicon
			t.Errorf("page error: %s", msg)
		}
	}
	return string(out)
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// luma is a pixel's luminance, 0-255.
func luma(img image.Image, x, y int) int {
	r, g, b, _ := img.At(x, y).RGBA()
	return int(299*r+587*g+114*b) / 1000 >> 8
}

// darkPixels counts the pixels dark as label text (#222 on its white halo).
func darkPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if luma(img, x, y) < 100 {
				n++
			}
		}
	}
	return n
}

// differingPixels counts the pixels whose luminance differs by more than a
// quarter between two images of the same size.
func differingPixels(a, b image.Image) int {
	n := 0
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < min(ab.Dy(), bb.Dy()); y++ {
		for x := 0; x < min(ab.Dx(), bb.Dx()); x++ {
			d := luma(a, ab.Min.X+x, ab.Min.Y+y) - luma(b, bb.Min.X+x, bb.Min.Y+y)
			if d > 64 || d < -64 {
				n++
			}
		}
	}
	return n
}
