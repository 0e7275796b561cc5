package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/lookup"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestDemoCheckLookupCommands runs the demo, check and lookup commands as a
// user would: the demo of one county passes check; a planted overlap and a
// misassigned household make check exit non-zero; lookup codes a CSV file
// exactly as PostGIS does.
func TestDemoCheckLookupCommands(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	out, stderr, err := runGridd(t, url, "", "demo", "--county", "320971", "--scale", "0.3", "--seed", "3")
	if err != nil || !strings.Contains(out, "dataset version 1") || !strings.Contains(stderr, "households") {
		t.Fatalf("demo: %v\n%s\n%s", err, out, stderr)
	}
	out, _, err = runGridd(t, url, "", "demo", "--if-empty")
	if err != nil || !strings.Contains(out, "nothing to do") {
		t.Fatalf("demo --if-empty on a full database: %v\n%s", err, out)
	}
	if _, _, err := runGridd(t, url, "", "demo", "--scale", "-1"); err == nil {
		t.Fatal("demo --scale -1 accepted")
	}
	out, _, err = runGridd(t, url, "", "check")
	if err != nil || !strings.Contains(out, "0 error(s)") {
		t.Fatalf("check on the demo: %v\n%s", err, out)
	}
	out, _, err = runGridd(t, url, "", "switch")
	if err != nil || !strings.Contains(out, "no adjustment is due") {
		t.Fatalf("switch with nothing due: %v\n%s", err, out)
	}

	// Lookup: a CSV of household points plus a bad row.
	ctx := context.Background()
	st := openTestStore(t, url)
	rows, err := st.Pool().Query(ctx, `SELECT id, ST_X(geom), ST_Y(geom) FROM household ORDER BY id LIMIT 500`)
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	in.WriteString("id,lon,lat\n")
	var pts []orb.Point
	for rows.Next() {
		var id int64
		var p orb.Point
		if err := rows.Scan(&id, &p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		pts = append(pts, p)
		in.WriteString(strings.Join([]string{"h" + itoa(id), ftoa(p[0]), ftoa(p[1])}, ",") + "\n")
	}
	rows.Close()
	in.WriteString("bad,1000,1\n")
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "points.csv"), filepath.Join(dir, "coded.csv")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runGridd(t, url, "", "lookup", "--in", inPath, "--out", outPath)
	if err != nil || !strings.Contains(stderr, "501 points (1 bad rows)") {
		t.Fatalf("lookup: %v\n%s", err, stderr)
	}
	f, err := os.Open(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, err := lookup.NewPostGIS(st).LookupPoints(ctx, pts)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(pts)+2 {
		t.Fatalf("%d lines, want %d", len(recs), len(pts)+2)
	}
	for i := range pts {
		if recs[i+1][1] != string(want[i]) || want[i] == "" {
			t.Fatalf("row %d: %v, PostGIS %q", i, recs[i+1], want[i])
		}
	}
	if last := recs[len(recs)-1]; last[0] != "bad" || !strings.Contains(last[5], "out of range") {
		t.Fatalf("bad row: %v", last)
	}
	if _, _, err := runGridd(t, url, "", "lookup", "--in", inPath, "--format", "xml"); err == nil {
		t.Fatal("--format xml accepted")
	}

	// Plant an overlap and a misassigned household: check must fail and
	// name both.
	if _, err := st.Pool().Exec(ctx, `
		UPDATE grid SET geom = ST_Multi(ST_Buffer(geom, 0.001, 'join=mitre'))
		 WHERE id = (SELECT min(id) FROM grid WHERE length(code) = 15 AND kind <> 'exclusive');
		UPDATE household SET grid_code = (SELECT max(code) FROM grid_code WHERE length(code) = 15)
		 WHERE id = (SELECT min(id) FROM household)`); err != nil {
		t.Fatal(err)
	}
	out, _, err = runGridd(t, url, "", "check")
	if err == nil || !strings.Contains(out, "grid-overlap") || !strings.Contains(out, "record-misassigned") {
		t.Fatalf("check after planting defects: %v\n%s", err, out)
	}
}

func openTestStore(t *testing.T, url string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func itoa(n int64) string   { return strconv.FormatInt(n, 10) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
