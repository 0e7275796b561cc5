// Package importertest is test support for imports, shared by the tests of
// importer and of the packages whose tests start from imported data: a
// small fixture (two villages with four grids, testdata/), imports that
// fail the test on an internal error, and GeoJSON built from boxes. Only
// tests import it.
package importertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"gridmap/feature"
	"gridmap/importer"
	"gridmap/store"
	"gridmap/store/storetest"
)

// The fixture: a city, county and town, villages 320902001001 and
// 320902001002 side by side, grids 001 and 002 (with sub-grid 00201) in
// the first and grid 001 on the west half of the second.
var (
	//go:embed testdata/areas.geojson
	areasGeoJSON string
	//go:embed testdata/grids.geojson
	gridsGeoJSON string
)

// Base returns a fresh test database (storetest.New) with the fixture
// imported: village 320902001002's east half (120.15-120.2) is free.
func Base(t testing.TB) *store.Store {
	t.Helper()
	st := storetest.New(t)
	rep, err := ImportString(t, st, areasGeoJSON, importer.Options{Kind: "areas", Actor: "test"})
	MustAccept(t, rep, err)
	if rep.Areas != 5 || rep.Grids != 0 {
		t.Fatalf("areas import: %d areas, %d grids; want 5, 0", rep.Areas, rep.Grids)
	}
	rep, err = ImportString(t, st, gridsGeoJSON, importer.Options{Actor: "test"})
	MustAccept(t, rep, err)
	if rep.Grids != 4 {
		t.Fatalf("grids import: %d grids; want 4", rep.Grids)
	}
	return st
}

// Import imports from r, failing the test on an internal error (a
// rejection is returned, with its report).
func Import(t testing.TB, st *store.Store, r *feature.Reader, opts importer.Options) (*importer.Report, error) {
	t.Helper()
	rep, err := importer.Import(context.Background(), st, r, opts)
	if err != nil && !errors.Is(err, importer.ErrRejected) {
		t.Fatalf("import: internal error %v", err)
	}
	if rep == nil {
		t.Fatal("import returned no report")
	}
	if (err == nil) != rep.Accepted {
		t.Fatalf("import error %v but Accepted=%v", err, rep.Accepted)
	}
	return rep, err
}

// ImportFile imports a file as Import does.
func ImportFile(t testing.TB, st *store.Store, path string, opts importer.Options) (*importer.Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Import(t, st, feature.NewReader(f, feature.ReaderOptions{}), opts)
}

// ImportString imports the GeoJSON s as Import does.
func ImportString(t testing.TB, st *store.Store, s string, opts importer.Options) (*importer.Report, error) {
	t.Helper()
	return Import(t, st, feature.NewReader(strings.NewReader(s), feature.ReaderOptions{}), opts)
}

// MustAccept fails the test, logging the problems, unless the import was
// accepted.
func MustAccept(t testing.TB, rep *importer.Report, err error) {
	t.Helper()
	if err != nil {
		for _, p := range rep.Problems {
			t.Log(p)
		}
		t.Fatalf("import rejected: %v", err)
	}
}

// Box is a GeoJSON Polygon: the box from (x0, y0) to (x1, y1).
func Box(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// GridFeature is a GeoJSON Feature of a grid with the GeoJSON geometry
// geom; an empty name is left out.
func GridFeature(code, name, kind, geom string) string {
	props := map[string]any{"code": code, "kind": kind}
	if name != "" {
		props["name"] = name
	}
	b, _ := json.Marshal(props)
	return `{"type":"Feature","properties":` + string(b) + `,"geometry":` + geom + `}`
}

// Collection is a GeoJSON FeatureCollection of the features.
func Collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}
