package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridmap/api/apitest"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
	"gridmap/store/storetest"

	"github.com/paulmach/orb"
)

// testDataKey is the fixed data key of the tests.
func testDataKey(t testing.TB) *pii.Key {
	t.Helper()
	k, err := pii.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRecordsOverHTTP imports addresses and residents through the API,
// reads them back masked within the token's area (401 without a token,
// 403 outside the area), reveals one for a reason, and scans the public
// routes (tiles, grids, OGC items, lookup, the viewer) for anything
// personal.
func TestRecordsOverHTTP(t *testing.T) {
	t.Parallel()
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

	// A grid, a point inside it and the names of its areas; another town
	// of the county for a token that does not cover it.
	var grid, village, county, town, vname, otherTown string
	var lon, lat float64
	if err := st.Pool().QueryRow(ctx, `
		SELECT g.code, g.village, c.name, t.name, v.name, ST_X(p), ST_Y(p),
		       (SELECT code FROM area WHERE level = 'town' AND code <> t.code ORDER BY code LIMIT 1)
		FROM grid_current g
		JOIN area v ON v.code = g.village JOIN area t ON t.code = v.parent JOIN area c ON c.code = t.parent
		CROSS JOIN LATERAL ST_PointOnSurface(g.geom) p
		WHERE length(g.code) = 15 ORDER BY g.code LIMIT 1`).Scan(&grid, &village, &county, &town, &vname, &lon, &lat, &otherTown); err != nil {
		t.Fatal(err)
	}
	token := func(role, area string) string {
		_, secret, err := st.CreateToken(ctx, store.NewToken{Name: role + area, Role: role, Area: geo.Code(area)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	adminTok, viewerTok, outsideTok := token("admin", ""), token("viewer", village), token("approver", otherTown)

	do := func(method, path, tok, ctype string, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if strings.HasPrefix(path, "/records") || strings.HasPrefix(path, "/residents") || strings.HasPrefix(path, "/addresses") || strings.HasSuffix(path, "/residents") {
			apitest.CheckResponse(t, req, res.StatusCode, res.Header, b)
		}
		return res.StatusCode, string(b)
	}

	text := county + town + vname + "1号"
	if code, body := do("POST", "/records/import?kind=addresses", adminTok, "text/csv",
		fmt.Sprintf("address,lon,lat\n%s,%.7f,%.7f\n", text, lon, lat)); code != 200 || !strings.Contains(body, `"accepted":1`) {
		t.Fatalf("import addresses: %d %s", code, body)
	}
	mk := func(birth time.Time, seq int) string {
		id, err := records.MakeIDNumber("320902", birth, seq)
		if err != nil {
			t.Fatal(err)
		}
		return id.Clear()
	}
	id1, id2 := mk(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 1), mk(time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC), 2)
	residents := "name,id_number,phone,address\n欧阳建国," + id1 + ",13912345678," + text + "\n李秀英," + id2 + ",13812348765," + text + "\n"
	// A bad row: 422, nothing written, the row and column named.
	if code, body := do("POST", "/records/import?kind=residents", adminTok, "text/csv", residents+"王五,"+id1[:17]+string("10"[id1[17]&1])+",,"+text+"\n"); code != 422 ||
		!strings.Contains(body, `"row":4`) || !strings.Contains(body, `"column":"id_number"`) || !strings.Contains(body, "check digit") {
		t.Fatalf("import with a bad row: %d %s", code, body)
	}
	if code, body := do("POST", "/records/import?kind=residents", outsideTok, "text/csv", residents); code != 422 || !strings.Contains(body, "outside the area") {
		t.Fatalf("import outside the token's area: %d %s", code, body)
	}
	if code, body := do("POST", "/records/import?kind=residents", adminTok, "text/csv", residents); code != 200 || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("import residents: %d %s", code, body)
	}
	var addrID, resID int64
	st.Pool().QueryRow(ctx, `SELECT a.id, min(r.id) FROM standard_address a JOIN resident r ON r.address_id = a.id GROUP BY a.id`).Scan(&addrID, &resID)

	clear := []string{"欧阳建国", "李秀英", id1, id2, "13912345678", "13812348765", "19800101", "1980-01-01"}
	masks := []string{"欧***", "李**", id1[:6] + "********" + id1[14:], "139****5678"}
	for _, c := range []struct {
		path, tok string
		status    int
	}{
		{"/grids/" + grid + "/residents", "", 401},
		{"/grids/" + grid + "/residents", outsideTok, 403},
		{"/grids/" + grid + "/residents", viewerTok, 200},
		{fmt.Sprintf("/addresses/%d", addrID), "", 401},
		{fmt.Sprintf("/addresses/%d", addrID), outsideTok, 403},
		{fmt.Sprintf("/addresses/%d", addrID), viewerTok, 200},
		{"/residents?id_number=" + id1, "", 401},
		{"/residents?id_number=" + id1, outsideTok, 403},
		{"/residents?id_number=" + id1, viewerTok, 200},
	} {
		code, body := do("GET", c.path, c.tok, "", "")
		if code != c.status {
			t.Errorf("GET %s: %d, want %d: %s", c.path, code, c.status, body)
			continue
		}
		for _, v := range clear {
			if strings.Contains(body, v) {
				t.Errorf("GET %s shows a clear value: %s", c.path, body)
			}
		}
		if code == 200 && (!strings.Contains(body, masks[0]) || !strings.Contains(body, masks[2]) || !strings.Contains(body, masks[3]) || !strings.Contains(body, `"age":`)) {
			t.Errorf("GET %s: want masked values and the age: %s", c.path, body)
		}
	}
	reveal := fmt.Sprintf("/residents/%d/reveal", resID)
	for _, c := range []struct {
		tok, body string
		status    int
	}{
		{"", `{"reason":"走访核实"}`, 401},
		{viewerTok, `{"reason":"走访核实"}`, 403},
		{outsideTok, `{"reason":"走访核实"}`, 403},
		{adminTok, `{"reason":""}`, 400},
		{adminTok, `{"reason":"走访核实身份"}`, 200},
	} {
		code, body := do("POST", reveal, c.tok, "application/json", c.body)
		if code != c.status {
			t.Errorf("POST %s with %s: %d, want %d: %s", reveal, c.body, code, c.status, body)
		}
		if code == 200 && (!strings.Contains(body, id1) || !strings.Contains(body, "欧阳建国") || !strings.Contains(body, `"birth_date":"1980-01-01"`)) {
			t.Errorf("reveal: %s", body)
		}
	}
	if n := storetest.Int(t, st, `SELECT count(*) FROM audit_log WHERE action = 'resident.reveal' AND after->>'reason' = '走访核实身份'`); n != 1 {
		t.Errorf("reveals in the audit log: %d, want 1", n)
	}

	// Public routes: nothing personal, clear or masked.
	x, y := tileAt(orb.Point{lon, lat}, 14)
	x16, y16 := tileAt(orb.Point{lon, lat}, 16)
	for _, path := range []string{
		"/", "/tiles.json", fmt.Sprintf("/tiles/14/%d/%d.mvt", x, y), fmt.Sprintf("/tiles/16/%d/%d.mvt", x16, y16),
		"/grids/" + grid, "/grids/" + grid + "/versions", "/areas/" + village, "/areas/" + village + "/children",
		"/collections/grids/items?limit=1000", "/collections/grids/items/" + grid, "/collections/areas/items/" + village,
		fmt.Sprintf("/lookup?lon=%.7f&lat=%.7f", lon, lat),
	} {
		code, body := do("GET", path, "", "", "")
		if code != 200 {
			t.Errorf("GET %s: %d", path, code)
		}
		for _, v := range append(clear, masks...) {
			if strings.Contains(body, v) {
				t.Errorf("public GET %s shows a resident's data", path)
			}
		}
	}
}

// TestRecordsCommands: gridd import records with its progress bar, the
// key file made once with mode 0600, a rejected file (exit non-zero,
// nothing written), and gridd export with grids equal to the lookup.
func TestRecordsCommands(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.2, Seed: 5, County: geo.MustParseCode("320902")})
	url := st.Pool().Config().ConnString()
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "state", "data.key")
	gridd := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	rows, err := st.Pool().Query(ctx, `
		SELECT c.name || t.name || v.name || (row_number() OVER ()) || '号', ST_X(p), ST_Y(p)
		FROM (SELECT * FROM grid_current WHERE length(code) = 15 ORDER BY code LIMIT 20) g
		JOIN area v ON v.code = g.village JOIN area t ON t.code = v.parent JOIN area c ON c.code = t.parent
		CROSS JOIN generate_series(1, 3) n
		CROSS JOIN LATERAL ST_GeneratePoints(g.geom, 1, n) gp CROSS JOIN LATERAL ST_GeometryN(gp, 1) p`)
	if err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("address,lon,lat\n")
	n := 0
	for rows.Next() {
		var text string
		var lon, lat float64
		if err := rows.Scan(&text, &lon, &lat); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&file, "%s,%.7f,%.7f\n", text, lon, lat)
		n++
	}
	good := filepath.Join(dir, "addresses.csv")
	os.WriteFile(good, []byte(file.String()), 0o644)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(file.String()+"亭湖区,abc,33\n"), 0o644)

	const countAddresses = `SELECT count(*) FROM standard_address`
	before := storetest.Int(t, st, countAddresses) // the demo's own
	out, stderr, err := gridd("import", "records", "--kind", "addresses", "--data-key-file", keyFile, bad)
	if err == nil || !strings.Contains(out, fmt.Sprintf("row %d, column lon (B): is not a number", n+2)) {
		t.Fatalf("a bad file: %v\n%s\n%s", err, out, stderr)
	}
	if c := storetest.Int(t, st, countAddresses); c != before {
		t.Fatalf("a rejected import wrote %d addresses", c-before)
	}
	out, stderr, err = gridd("import", "records", "--kind", "addresses", "--data-key-file", keyFile, good)
	if err != nil || !strings.Contains(out, fmt.Sprintf("imported %d addresses", n)) || !strings.Contains(stderr, "100%") {
		t.Fatalf("import: %v\n%s\n%s", err, out, stderr)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	export := filepath.Join(dir, "export.csv")
	if _, stderr, err := gridd("export", "addresses", "-o", export, "--data-key-file", keyFile); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	f, _ := os.Open(export)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || int64(len(recs)) != before+int64(n)+1 || strings.Join(recs[0][:6], ",") != "id,code,address,lon,lat,grid_code" {
		t.Fatalf("export: %d rows, %v; want the header and %d addresses (%d of the demo, %d imported)", len(recs), err, before+int64(n), before, n)
	}
	snap, _ := st.LoadSnapshot(ctx)
	ix := geo.NewIndex(snap, geo.IndexOptions{})
	for _, r := range recs[1:] {
		lon, _ := strconv.ParseFloat(r[3], 64)
		lat, _ := strconv.ParseFloat(r[4], 64)
		if h := ix.Lookup(orb.Point{lon, lat}); h.Grid < 0 || string(snap.Grids[h.Grid].Code) != r[5] {
			t.Errorf("address %s: grid_code %s is not the lookup of its point", r[1], r[5])
		}
	}
}
