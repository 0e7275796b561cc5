package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/feature"
	"gridmap/importer"
	"gridmap/importer/importertest"
	"gridmap/refdata"
	"gridmap/store"
	"gridmap/store/storetest"
)

// rowCounts summarises every table an import writes.
func rowCounts(t *testing.T, st *store.Store) string {
	t.Helper()
	var out []string
	for _, table := range []string{"area", "grid", "grid_code", "grid_seq", "audit_log", "dataset_version"} {
		var n int
		if err := st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

// Shorthands for the GeoJSON builders of importertest.
var (
	box         = importertest.Box
	gridFeature = importertest.GridFeature
	collection  = importertest.Collection
)

// TestImportRejectsBadInput imports one bad file per class of bad input:
// each must be rejected with the right check, and leave every table as it
// was.
func TestImportRejectsBadInput(t *testing.T) {
	t.Parallel()
	st := importertest.Base(t)
	free := box(120.15, 33, 120.16, 33.01) // inside village 320902001002, no grid there
	ok := gridFeature("320902001002005", "新网格", "urban", free)
	cases := []struct {
		name, in, check string
		located         bool // the problem has a location
		opts            importer.Options
	}{
		{"not JSON", "this is not json", "not-json", false, importer.Options{}},
		{"no features", `{"type":"FeatureCollection","features":[]}`, "empty", false, importer.Options{}},
		{"wrong type", `{"type":"Feature","properties":{},"geometry":` + free + `}`, "not-feature-collection", false, importer.Options{}},
		{"crs EPSG:3857", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[` + ok + `]}`, "wrong-srid", false, importer.Options{}},
		{"coordinates out of range", collection(gridFeature("320902001002005", "x", "urban", box(13358338, 3895303, 13359338, 3896303))), "out-of-range", true, importer.Options{}},
		{"NaN in the text", collection(strings.Replace(ok, "120.16", "NaN", 1)), "not-json", false, importer.Options{}},
		{"unclosed ring", collection(gridFeature("320902001002005", "x", "urban", `{"type":"Polygon","coordinates":[[[120.15,33],[120.16,33],[120.16,33.01],[120.15,33.01]]]}`)), "unclosed-ring", true, importer.Options{}},
		{"self-intersection", collection(gridFeature("320902001002005", "x", "urban", `{"type":"Polygon","coordinates":[[[120.15,33],[120.16,33.01],[120.16,33],[120.15,33.01],[120.15,33]]]}`)), "self-intersection", true, importer.Options{}},
		{"PostGIS invalid geometry", collection(gridFeature("320902001002005", "x", "urban", `{"type":"Polygon","coordinates":[[[120.15,33],[120.16,33.01],[120.16,33],[120.15,33.01],[120.15,33]]]}`)), "invalid-geometry", true, importer.Options{}},
		{"unknown parent village", collection(gridFeature("320902001009001", "x", "urban", free)), "unknown-parent", false, importer.Options{}},
		{"unknown parent area", collection(`{"type":"Feature","properties":{"code":"320903001","name":"新镇","level":"town"},"geometry":` + box(120.3, 33.3, 120.4, 33.4) + `}`), "unknown-parent", false, importer.Options{}},
		{"sub-grid of a non-exclusive grid", collection(gridFeature("32090200100100101", "x", "exclusive", box(120, 33, 120.01, 33.01))), "parent-not-exclusive", false, importer.Options{}},
		{"duplicate code in file", collection(ok, gridFeature("320902001002005", "y", "urban", box(120.17, 33, 120.18, 33.01))), "duplicate-code", false, importer.Options{}},
		{"duplicate vs existing", collection(gridFeature("320902001002001", "x", "urban", free)), "code-exists", false, importer.Options{}},
		{"overlap vs existing grid", collection(gridFeature("320902001002005", "x", "urban", box(120.14, 33, 120.16, 33.01))), "overlap", true, importer.Options{}},
		{"overlap within file", collection(ok, gridFeature("320902001002006", "y", "urban", box(120.155, 33, 120.17, 33.01))), "overlap", true, importer.Options{}},
		{"grid outside village", collection(gridFeature("320902001002005", "x", "urban", box(120.19, 33, 120.21, 33.01))), "outside-village", true, importer.Options{}},
		{"bad code", collection(gridFeature("32090200100200X", "x", "urban", free)), "bad-code", false, importer.Options{}},
		{"missing code", collection(`{"type":"Feature","properties":{"name":"x"},"geometry":` + free + `}`), "missing-code", false, importer.Options{}},
		{"missing name", collection(gridFeature("320902001002005", "", "urban", free)), "missing-name", false, importer.Options{}},
		{"bad kind", collection(gridFeature("320902001002005", "x", "mixed", free)), "bad-kind", false, importer.Options{}},
		{"grid in an areas import", collection(ok), "wrong-kind", false, importer.Options{Kind: "areas"}},
		{"level does not fit the code", collection(`{"type":"Feature","properties":{"code":"320902001003","name":"三村","level":"town"},"geometry":` + box(120.3, 33.3, 120.4, 33.4) + `}`), "level-mismatch", false, importer.Options{}},
		{"no geometry", collection(gridFeature("320902001002005", "x", "urban", "null")), "missing-geometry", false, importer.Options{}},
		{"point geometry", collection(gridFeature("320902001002005", "x", "urban", `{"type":"Point","coordinates":[120.15,33]}`)), "unsupported-geometry", false, importer.Options{}},
		{"one bad among good", collection(ok, gridFeature("320902001002006", "", "urban", box(120.17, 33, 120.18, 33.01))), "missing-name", false, importer.Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := rowCounts(t, st)
			rep, err := importertest.ImportString(t, st, c.in, c.opts)
			if !errors.Is(err, importer.ErrRejected) || rep.Accepted {
				t.Fatalf("accepted (err %v); want rejected with %s", err, c.check)
			}
			if rep.Checks[c.check] == 0 {
				t.Fatalf("checks %v; want %s\nproblems: %v", rep.Checks, c.check, rep.Problems)
			}
			for _, p := range rep.Problems {
				if p.Check != c.check {
					continue
				}
				if p.Message == "" || p.Severity != "error" {
					t.Errorf("problem %+v: want an error with a message", p)
				}
				if c.located && p.Location == nil {
					t.Errorf("problem %v has no location", p)
				}
				t.Log(p)
				break
			}
			if after := rowCounts(t, st); after != before {
				t.Fatalf("rejected import changed the database:\nbefore %s\nafter  %s", before, after)
			}
			// The report marshals to JSON with locations as GeoJSON.
			if _, err := json.Marshal(rep); err != nil {
				t.Fatalf("report does not marshal: %v", err)
			}
		})
	}
}

func TestImportAcceptsAndAudits(t *testing.T) {
	t.Parallel()
	st := importertest.Base(t)
	ctx := context.Background()
	before := rowCounts(t, st)
	in := collection(
		gridFeature("320902001002005", "新网格", "urban", box(120.15, 33, 120.2, 33.05)),
		gridFeature("320902001002006", "新网格二", "rural", box(120.15, 33.05, 120.2, 33.1)),
	)
	// A dry run checks everything and writes nothing.
	rep, err := importertest.ImportString(t, st, in, importer.Options{DryRun: true})
	importertest.MustAccept(t, rep, err)
	if !rep.DryRun || rep.Grids != 2 || rep.Version != 0 {
		t.Fatalf("dry run report %+v", rep)
	}
	if after := rowCounts(t, st); after != before {
		t.Fatalf("dry run changed the database:\nbefore %s\nafter  %s", before, after)
	}
	v0, _ := st.Version(ctx)
	rep, err = importertest.ImportString(t, st, in, importer.Options{Actor: "alice"})
	importertest.MustAccept(t, rep, err)
	if rep.Version != v0+1 {
		t.Fatalf("version %d; want %d", rep.Version, v0+1)
	}
	var kind, village, actor string
	var after []byte
	if err := st.Pool().QueryRow(ctx, `SELECT kind, village FROM grid_current WHERE code = '320902001002006'`).Scan(&kind, &village); err != nil {
		t.Fatal(err)
	}
	if kind != "rural" || village != "320902001002" {
		t.Fatalf("stored grid kind %s village %s", kind, village)
	}
	if err := st.Pool().QueryRow(ctx, `SELECT actor, after FROM audit_log WHERE action = 'import' ORDER BY id DESC LIMIT 1`).Scan(&actor, &after); err != nil {
		t.Fatal(err)
	}
	if actor != "alice" || !strings.Contains(string(after), `"grids": 2`) {
		t.Fatalf("audit %s %s", actor, after)
	}
	// The geometry is stored as it was given, as a MultiPolygon.
	var wkt string
	if err := st.Pool().QueryRow(ctx, `SELECT ST_AsText(geom) FROM grid_current WHERE code = '320902001002005'`).Scan(&wkt); err != nil {
		t.Fatal(err)
	}
	if wkt != "MULTIPOLYGON(((120.15 33,120.2 33,120.2 33.05,120.15 33.05,120.15 33)))" {
		t.Fatalf("stored %s", wkt)
	}
	// Importing again is a duplicate.
	rep, err = importertest.ImportString(t, st, in, importer.Options{})
	if !errors.Is(err, importer.ErrRejected) || rep.Checks["code-exists"] != 2 {
		t.Fatalf("second import: %v %v", err, rep.Checks)
	}
}

func TestImportReportCapsProblems(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	var fs []string
	for i := range 30 {
		fs = append(fs, gridFeature(fmt.Sprintf("3209020010029%02d", i+1), "", "urban", box(120, 33, 120.1, 33.1)))
	}
	rep, err := importertest.ImportString(t, st, collection(fs...), importer.Options{MaxProblems: 10})
	if !errors.Is(err, importer.ErrRejected) {
		t.Fatal(err)
	}
	if len(rep.Problems) != 10 || rep.Omitted != rep.Errors-10 || rep.Checks["missing-name"] != 30 || rep.Checks["unknown-parent"] != 30 {
		t.Fatalf("%d listed, %d omitted, %d errors, checks %v", len(rep.Problems), rep.Omitted, rep.Errors, rep.Checks)
	}
}

// yanchengCity inserts the city row the real counties hang from.
func yanchengCity(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.New(t)
	if _, err := st.Pool().Exec(context.Background(), `INSERT INTO area (code, level, name) VALUES ('320900000000', 'city', '盐城市')`); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestMain runs the tests and says which did not run for want of the real
// Yancheng data beside the repository (refdata).
func TestMain(m *testing.M) { os.Exit(refdata.Run(m)) }

// realData returns the paths of files of the real Yancheng data, which lie
// outside the repository (their licence is unclear: never copied in), and
// false when any is absent: the test then returns without running, and
// refdata.Run says so.
func realData(t *testing.T, names ...string) ([]string, bool) {
	t.Helper()
	var paths []string
	for _, n := range names {
		p, ok := refdata.Path(t, n)
		if !ok {
			return nil, false
		}
		paths = append(paths, p)
	}
	return paths, true
}

// TestImportYanchengCounties imports the real county outlines: 滨海县
// (320922) is invalid, so the import is rejected naming it and the place
// (near 120.23355, 34.086212); with Repair all nine go in.
func TestImportYanchengCounties(t *testing.T) {
	data, ok := realData(t, "yancheng-counties.geojson")
	if !ok {
		return
	}
	t.Parallel()
	st := yanchengCity(t)
	before := rowCounts(t, st)
	rep, err := importertest.ImportFile(t, st, data[0], importer.Options{Kind: "areas"})
	if !errors.Is(err, importer.ErrRejected) {
		t.Fatalf("import of the counties: %v; want rejected", err)
	}
	if rep.Features != 9 || rep.Areas != 9 {
		t.Fatalf("%d features, %d areas; want 9, 9", rep.Features, rep.Areas)
	}
	near := false
	for _, p := range rep.Problems {
		t.Log(p)
		if p.Severity != "error" {
			continue
		}
		if p.Code != "320922" || p.Name != "滨海县" {
			t.Errorf("problem for county %s %s: %v; only 320922 滨海县 is invalid", p.Code, p.Name, p)
		}
		if pt, ok := p.Location.(orb.Point); ok && math.Abs(pt[0]-120.23355) < 0.001 && math.Abs(pt[1]-34.086212) < 0.001 {
			near = true
		}
	}
	if !near {
		t.Fatalf("no problem located within 0.001° of (120.23355, 34.086212)")
	}
	if rep.Checks["invalid-geometry"] != 1 {
		t.Fatalf("checks %v; want one invalid-geometry (PostGIS)", rep.Checks)
	}
	if after := rowCounts(t, st); after != before {
		t.Fatalf("rejected import changed the database:\nbefore %s\nafter  %s", before, after)
	}

	rep, err = importertest.ImportFile(t, st, data[0], importer.Options{Kind: "areas", Repair: true})
	importertest.MustAccept(t, rep, err)
	if rep.Repaired != 1 || rep.Areas != 9 {
		t.Fatalf("repaired %d, areas %d; want 1, 9", rep.Repaired, rep.Areas)
	}
	var n, valid int
	if err := st.Pool().QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE ST_IsValid(geom)) FROM area WHERE level = 'county'`).Scan(&n, &valid); err != nil {
		t.Fatal(err)
	}
	if n != 9 || valid != 9 {
		t.Fatalf("%d counties stored, %d valid; want 9, 9", n, valid)
	}
}

// TestImportSeparatelyDrawnCounties imports counties drawn one by one:
// neighbours overlap in real slivers, and the report names the pairs and
// the sliver areas (PostGIS measures 320923/320925 at 69,888 m²).
func TestImportSeparatelyDrawnCounties(t *testing.T) {
	data, ok := realData(t, "yancheng-counties-separately-drawn.geojson")
	if !ok {
		return
	}
	t.Parallel()
	st := yanchengCity(t)
	before := rowCounts(t, st)
	rep, err := importertest.ImportFile(t, st, data[0], importer.Options{Kind: "areas"})
	if !errors.Is(err, importer.ErrRejected) {
		t.Fatalf("import: %v; want rejected", err)
	}
	pairs := map[string]float64{}
	for _, p := range rep.Problems {
		t.Log(p)
		if p.Check != "overlap" {
			continue
		}
		other := ""
		for _, w := range strings.Fields(p.Message) {
			if len(w) == 12 && strings.HasPrefix(w, "3209") {
				other = w[:6]
			}
		}
		pairs[p.Code+"/"+other] = p.AreaM2
	}
	// 320922 is invalid here too, so only the pairs of valid counties.
	want := map[string]float64{"320923/320925": 69888, "320902/320903": 56620, "320902/320924": 18264, "320904/320981": 11608}
	for pair, area := range want {
		got, ok := pairs[pair]
		if !ok {
			t.Errorf("overlap %s not reported (got %v)", pair, pairs)
			continue
		}
		if math.Abs(got-area) > area*0.01 {
			t.Errorf("overlap %s: %.0f m²; want %.0f", pair, got, area)
		}
	}
	if after := rowCounts(t, st); after != before {
		t.Fatalf("rejected import changed the database:\nbefore %s\nafter  %s", before, after)
	}
}

// TestImportConcurrentOverlapping runs two imports at once whose grids
// overlap each other: imports are serialised, so exactly one is accepted
// and the other sees its grids and is rejected.
func TestImportConcurrentOverlapping(t *testing.T) {
	t.Parallel()
	st := importertest.Base(t)
	files := []string{
		collection(gridFeature("320902001002005", "甲", "urban", box(120.15, 33, 120.2, 33.05))),
		collection(gridFeature("320902001002006", "乙", "urban", box(120.15, 33.04, 120.2, 33.1))),
	}
	type result struct {
		rep *importer.Report
		err error
	}
	results := make(chan result, len(files))
	for _, f := range files {
		go func() {
			rep, err := importer.Import(context.Background(), st, feature.NewReader(strings.NewReader(f), feature.ReaderOptions{}), importer.Options{})
			results <- result{rep, err}
		}()
	}
	accepted, overlaps := 0, 0
	for range files {
		r := <-results
		switch {
		case r.err == nil:
			accepted++
		case errors.Is(r.err, importer.ErrRejected):
			overlaps += r.rep.Checks["overlap"]
		default:
			t.Fatal(r.err)
		}
	}
	if accepted != 1 || overlaps != 1 {
		t.Fatalf("%d accepted, %d overlaps reported; want 1 and 1", accepted, overlaps)
	}
}

// TestImportRepairAndValidFrom repairs a bow-tie grid and starts the
// grids at a given time.
func TestImportRepairAndValidFrom(t *testing.T) {
	t.Parallel()
	st := importertest.Base(t)
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bowtie := `{"type":"Polygon","coordinates":[[[120.15,33],[120.2,33.05],[120.2,33],[120.15,33.05],[120.15,33]]]}`
	rep, err := importertest.ImportString(t, st, collection(gridFeature("320902001002005", "蝴蝶", "urban", bowtie)),
		importer.Options{Repair: true, ValidFrom: from})
	importertest.MustAccept(t, rep, err)
	if rep.Repaired != 1 || rep.Checks["repaired"] != 1 || rep.Checks["self-intersection"] != 1 || rep.Errors != 0 {
		t.Fatalf("report %+v; want one repair, the self-intersection as a warning, no errors", rep)
	}
	var valid bool
	var parts int
	var lower time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT ST_IsValid(geom), ST_NumGeometries(geom), lower(valid) FROM grid WHERE code = '320902001002005'`).Scan(&valid, &parts, &lower); err != nil {
		t.Fatal(err)
	}
	if !valid || parts != 2 || !lower.Equal(from) {
		t.Fatalf("stored grid valid=%v parts=%d from %s; want a valid 2-part grid from %s", valid, parts, lower, from)
	}
}

// TestImportSyntheticTownsFloatNoise imports the synthetic towns after the
// real counties. The towns were cut from the counties one by one, so
// neighbours' shared edges differ in the last digits: the import finds
// those float-noise overlaps, locates each and says what causes them.
func TestImportSyntheticTownsFloatNoise(t *testing.T) {
	data, ok := realData(t, "yancheng-counties.geojson", "yancheng-towns-synthetic.geojson")
	if !ok {
		return
	}
	t.Parallel()
	st := yanchengCity(t)
	rep, err := importertest.ImportFile(t, st, data[0], importer.Options{Kind: "areas", Repair: true})
	importertest.MustAccept(t, rep, err)
	before := rowCounts(t, st)
	rep, err = importertest.ImportFile(t, st, data[1], importer.Options{Kind: "areas"})
	if !errors.Is(err, importer.ErrRejected) {
		t.Fatalf("towns: %v; want rejected for float-noise overlaps", err)
	}
	if rep.Features != 152 || rep.Checks["overlap"] == 0 || rep.Checks["overlap"] != rep.Errors {
		t.Fatalf("%d features, checks %v; want 152 features and only overlaps", rep.Features, rep.Checks)
	}
	for _, p := range rep.Problems {
		if p.Location == nil || p.AreaM2 >= 1 || !strings.Contains(p.Message, "float noise") {
			t.Errorf("problem %v (%g m²): want a located float-noise overlap", p, p.AreaM2)
		}
	}
	t.Logf("%d float-noise overlaps; first: %v", rep.Checks["overlap"], rep.Problems[0])
	if after := rowCounts(t, st); after != before {
		t.Fatalf("rejected import changed the database:\nbefore %s\nafter  %s", before, after)
	}
}
