package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gridmap/store/storetest"
)

func runGridd(t *testing.T, url, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestImportExportCommands(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	areas := "../../importer/importertest/testdata/areas.geojson"

	out, _, err := runGridd(t, url, "", "import", "--kind", "grids", areas)
	if err == nil || !strings.Contains(err.Error(), "rejected") || !strings.Contains(out, "[wrong-kind]") || !strings.Contains(out, "#0 320900 盐城市 [wrong-kind] error") {
		t.Fatalf("areas as grids: %v\n%s", err, out)
	}
	out, _, err = runGridd(t, url, "", "import", areas, "--dry-run")
	if err != nil || !strings.Contains(out, "would be accepted") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, _, err = runGridd(t, url, "", "import", areas)
	if err != nil || !strings.Contains(out, "5 features (5 areas, 0 grids), 0 errors") || !strings.Contains(out, "accepted, dataset version 1") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	grids, err := os.ReadFile("../../importer/importertest/testdata/grids.geojson")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runGridd(t, url, string(grids), "import", "-")
	if err != nil || !strings.Contains(out, "4 grids") || !strings.Contains(stderr, "read 4 features") {
		t.Fatalf("import from stdin: %v\n%s\n%s", err, out, stderr)
	}
	// Bad input: non-zero exit, and the problem with index, code, check
	// and location.
	bad := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"320902001002005","name":"x","kind":"urban"},
		"geometry":{"type":"Polygon","coordinates":[[[120.15,33],[120.16,33.01],[120.16,33],[120.15,33.01],[120.15,33]]]}}]}`
	out, _, err = runGridd(t, url, bad, "import", "-")
	if err == nil || !strings.Contains(out, "#0 320902001002005 x [self-intersection] error") || !strings.Contains(out, "@ 120.155000,33.005000") {
		t.Fatalf("bad import: %v\n%s", err, out)
	}
	out, _, err = runGridd(t, url, bad, "import", "--json", "-")
	var rep struct {
		Accepted bool
		Problems []struct {
			Index    int
			Check    string
			Location struct{ Type string }
		}
	}
	if err == nil || json.Unmarshal([]byte(out), &rep) != nil || rep.Accepted || rep.Problems[0].Location.Type != "Point" {
		t.Fatalf("json report: %v\n%s", err, out)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "grids.geojson")
	_, stderr, err = runGridd(t, url, "", "export", "grids", "--within", "320902001001", "-o", file)
	if err != nil || !strings.Contains(stderr, "exported 3 grids") {
		t.Fatalf("export: %v %s", err, stderr)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("exported file mode: %v %v; want 0644", fi.Mode(), err)
	}
	b, err := os.ReadFile(file)
	if err != nil || !json.Valid(b) || !strings.Contains(string(b), "32090200100100201") {
		t.Fatalf("exported file: %v\n%s", err, b)
	}
	out, _, err = runGridd(t, url, "", "export", "areas", "--level", "village")
	if err != nil || strings.Count(out, `"type":"Feature"`) != 2 {
		t.Fatalf("export villages: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"export"}, {"export", "households"}, {"export", "areas", "--level", "hamlet"}, {"export", "grids", "--at", "yesterday"}, {"export", "grids", "--within", "12x"}} {
		if _, _, err := runGridd(t, url, "", args...); err == nil {
			t.Errorf("gridd %v: no error", args)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("export left %d files behind", len(entries))
	}
}
