package tilearchive_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/store/storetest"
	"gridmap/tilearchive"
)

// TestExportRefuses covers what Export refuses before writing anything
// (an archive with tiles is TestExportTilesPMTiles in cmd/gridd, checked
// tile by tile against the server).
func TestExportRefuses(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := storetest.New(t)
	box := &orb.Bound{Min: orb.Point{120, 33}, Max: orb.Point{120.5, 33.5}}
	for _, tc := range []struct {
		name string
		opts tilearchive.ExportOptions
		want string
	}{
		{"empty dataset", tilearchive.ExportOptions{MaxZoom: 10}, "the dataset is empty"},
		{"zoom range", tilearchive.ExportOptions{MinZoom: 9, MaxZoom: 8, Bounds: box}, "zoom range 9-8"},
		{"flat bounds", tilearchive.ExportOptions{MaxZoom: 8, Bounds: &orb.Bound{Min: orb.Point{120, 33}, Max: orb.Point{120, 34}}}, "west < east"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tilearchive.Export(ctx, st, slog.New(slog.DiscardHandler), filepath.Join(t.TempDir(), "x.pmtiles"), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Export: %v; want an error saying %q", err, tc.want)
			}
		})
	}
}
