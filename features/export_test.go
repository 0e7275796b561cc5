package features_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"gridmap/feature"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/importer"
	"gridmap/importer/importertest"
	"gridmap/store"
	"gridmap/store/storetest"
)

// exporter binds an export to a store.
func exporter(st *store.Store, export func(context.Context, *store.Store, *feature.Writer, features.ExportFilter) (int, error)) func(context.Context, *feature.Writer, features.ExportFilter) (int, error) {
	return func(ctx context.Context, w *feature.Writer, f features.ExportFilter) (int, error) {
		return export(ctx, st, w, f)
	}
}

func exportCodes(t *testing.T, export func(context.Context, *feature.Writer, features.ExportFilter) (int, error), f features.ExportFilter) ([]string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := feature.NewWriter(&buf)
	n, err := export(context.Background(), w, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := bytes.NewBuffer(append([]byte(nil), buf.Bytes()...))
	r := feature.NewReader(&buf, feature.ReaderOptions{})
	var codes []string
	for {
		ft, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("export is not a readable FeatureCollection: %v", err)
		}
		c, _ := ft.StringProperty("code")
		codes = append(codes, c)
	}
	if len(codes) != n {
		t.Fatalf("export said %d features, wrote %d", n, len(codes))
	}
	return codes, out
}

func TestExportFilters(t *testing.T) {
	t.Parallel()
	st := importertest.Base(t)
	cases := []struct {
		name   string
		grids  bool
		filter features.ExportFilter
		want   string
	}{
		{"all areas", false, features.ExportFilter{}, "[320900000000 320902000000 320902001000 320902001001 320902001002]"},
		{"villages", false, features.ExportFilter{Level: geo.LevelVillage}, "[320902001001 320902001002]"},
		{"within a village", false, features.ExportFilter{Within: "320902001002"}, "[320902001002]"},
		{"within the county", false, features.ExportFilter{Level: geo.LevelTown, Within: "320902000000"}, "[320902001000]"},
		{"all grids", true, features.ExportFilter{}, "[320902001001001 320902001001002 32090200100100201 320902001002001]"},
		{"sub-grids", true, features.ExportFilter{Level: geo.LevelSubGrid}, "[32090200100100201]"},
		{"grids within a village", true, features.ExportFilter{Level: geo.LevelGrid, Within: "320902001001"}, "[320902001001001 320902001001002]"},
		{"grids within a grid", true, features.ExportFilter{Within: "320902001001002"}, "[320902001001002 32090200100100201]"},
		{"grids before the import", true, features.ExportFilter{At: time.Now().Add(-time.Hour)}, "[]"},
	}
	for _, c := range cases {
		export := exporter(st, features.ExportAreas)
		if c.grids {
			export = exporter(st, features.ExportGrids)
		}
		codes, _ := exportCodes(t, export, c.filter)
		if got := fmt.Sprint(codes); got != c.want {
			t.Errorf("%s: %s; want %s", c.name, got, c.want)
		}
	}
	if _, err := features.ExportGrids(context.Background(), st, feature.NewWriter(io.Discard), features.ExportFilter{Level: geo.LevelVillage}); err == nil {
		t.Error("grids at village level exported without error")
	}
}

// TestExportRoundTrip exports areas and grids and imports them into an
// empty database: everything goes back in, with the same geometry.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	src := importertest.Base(t)
	dst := storetest.New(t)
	_, areas := exportCodes(t, exporter(src, features.ExportAreas), features.ExportFilter{})
	_, grids := exportCodes(t, exporter(src, features.ExportGrids), features.ExportFilter{})
	rep, err := importertest.Import(t, dst, feature.NewReader(areas, feature.ReaderOptions{}), importer.Options{})
	importertest.MustAccept(t, rep, err)
	rep, err = importertest.Import(t, dst, feature.NewReader(grids, feature.ReaderOptions{}), importer.Options{})
	importertest.MustAccept(t, rep, err)
	if rep.Grids != 4 {
		t.Fatalf("re-imported %d grids; want 4", rep.Grids)
	}
	sum := func(st *store.Store) string {
		var s string
		err := st.Pool().QueryRow(context.Background(), `SELECT md5(string_agg(code || kind || name || ST_AsEWKT(geom), ',' ORDER BY code)) FROM grid_current`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := sum(src), sum(dst); a != b {
		t.Fatalf("grids differ after the round trip: %s vs %s", a, b)
	}
}
