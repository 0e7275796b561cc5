package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gridmap/geo"
	"gridmap/geocode/geocodetest"
	"gridmap/store/storetest"
)

// TestGeocodeCommand: gridd geocode codes a CSV of addresses with their
// standard addresses and grids, in input order, with a progress bar.
func TestGeocodeCommand(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	if _, stderr, err := runGridd(t, url, "", "demo", "--county", "320971", "--scale", "0.3", "--seed", "3"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	ctx := context.Background()
	st := openTestStore(t, url)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as := geocodetest.Generate(snap, geo.NewIndex(snap, geo.IndexOptions{}), geocodetest.Options{Seed: 1, PerGrid: 2})
	if _, err := geocodetest.Replace(ctx, st, as); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	in.WriteString("id,address\n")
	for i, a := range as {
		fmt.Fprintf(&in, "a%d,%s\n", i, a.Text())
	}
	in.WriteString("x,火星路1号\n")
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "addresses.csv"), filepath.Join(dir, "coded.csv")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runGridd(t, url, "", "geocode", "--in", inPath, "--out", outPath)
	if err != nil || !strings.Contains(stderr, fmt.Sprintf("%d addresses (%d matched", len(as)+1, len(as))) || !strings.Contains(stderr, "] 100%") {
		t.Fatalf("geocode: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(as)+2 {
		t.Fatalf("%d rows, want %d", len(rows), len(as)+2)
	}
	for i, a := range as {
		if r := rows[i+1]; r[0] != fmt.Sprintf("a%d", i) || r[1] != "matched" || r[2] != string(a.Grid) || r[3] != a.Code || r[4] != a.Text() {
			t.Fatalf("row %d: %v, want %s %s", i, r, a.Code, a.Grid)
		}
	}
	if r := rows[len(rows)-1]; r[0] != "x" || r[1] != "unmatched" || r[2] != "" {
		t.Errorf("last row %v, want x unmatched", r)
	}
}
