package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"
)

// TestEventHexLayerInBrowser turns the event density layer on in Debian's
// chromium (web/test/eventhex.mjs) over the demo county's year of events,
// and checks that MapLibre drew hexagons whose counts are PostGIS's count
// of the events inside each (as geography: H3's edges are great-circle
// arcs), that the layer's tiles carry the events version, and that the
// toggle hides it again.
func TestEventHexLayerInBrowser(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, srv := servedDemo(ctx, t)
	// The middle of the busiest town's events.
	var lon, lat float64
	var seq int64
	if err := st.Pool().QueryRow(ctx, `SELECT ST_X(c), ST_Y(c), (SELECT max(change_seq) FROM event) FROM (
		SELECT ST_Centroid(ST_Collect(location)) c FROM event
		WHERE left(grid_code, 9) = (SELECT left(grid_code, 9) FROM event GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)) s`).Scan(&lon, &lat, &seq); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "hex.png")
	cctx, ccancel := context.WithTimeout(ctx, 3*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, "node", "test/eventhex.mjs", srv.URL+"/",
		strconv.FormatFloat(lon, 'f', -1, 64), strconv.FormatFloat(lat, 'f', -1, 64), "11", shot)
	cmd.Dir = "../../web"
	out, err := cmd.Output()
	var res struct {
		Failure string         `json:"failure"`
		Hexes   map[string]int `json:"hexes"`
		Tiles   string         `json:"tiles"`
		Hidden  string         `json:"hidden"`
		Label   string         `json:"label"`
		Errors  []string       `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || res.Failure != "" {
		t.Fatalf("browser run failed: %v %v %s\n%s", err, jerr, res.Failure, out)
	}
	for _, msg := range res.Errors {
		if !strings.Contains(msg, "404") { // the favicon
			t.Errorf("page error: %s", msg)
		}
	}
	if !strings.HasSuffix(res.Tiles, fmt.Sprintf("/tiles/events/{z}/{x}/{y}.mvt?v=%d", seq)) {
		t.Errorf("the layer's tiles are %q, want the events version %d", res.Tiles, seq)
	}
	if len(res.Hexes) < 5 {
		t.Fatalf("only %d hexagons drawn: %v", len(res.Hexes), res.Hexes)
	}
	for cell, n := range res.Hexes {
		c := h3.Cell(h3.IndexFromString(cell))
		if !c.IsValid() || c.Resolution() != 8 {
			t.Errorf("hexagon %q drawn at z11 is not a cell of resolution 8", cell)
			continue
		}
		var b strings.Builder
		bd := c.Boundary()
		for i := 0; i <= len(bd); i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%.12f %.12f", bd[i%len(bd)].Lng, bd[i%len(bd)].Lat)
		}
		var want int
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM event WHERE ST_Covers(ST_GeogFromText('POLYGON(('||$1||'))'), location::geography)`,
			b.String()).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("hexagon %s shows %d events, PostGIS counts %d inside it", cell, n, want)
		}
	}
	if res.Hidden != "none" || !strings.Contains(res.Label, "Event density") {
		t.Errorf("after the toggle the layer's visibility is %q (label %q)", res.Hidden, res.Label)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if colours, _ := distinctColours(img, 880); colours < 20 {
		t.Errorf("screenshot has %d distinct colours: blank map", colours)
	}
}
