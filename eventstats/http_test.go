package eventstats_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gridmap/api"
	"gridmap/api/apitest"
	"gridmap/eventhex"
	"gridmap/eventstats"
	"gridmap/eventstats/eventstatstest"
	"gridmap/geo"
	"gridmap/store"
)

// TestStatsRoute asks GET /stats/events through the whole server, by
// role and area, with bad parameters, and checks every answer against
// the OpenAPI document and the figures against PostgreSQL; and reads the
// hexagon tileset's routes.
func TestStatsRoute(t *testing.T) {
	t.Parallel()
	st := eventstatstest.NewDemo(t)
	ctx := context.Background()
	h, err := eventstats.New(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := eventstatstest.Until.Add(time.Hour)
	hex := eventhex.NewService(h.Current, eventhex.Options{})
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st,
		EventStats: eventstats.Handler(h.Current, nil, func() time.Time { return now }),
		EventTiles: hex.Handler(), EventTileJSON: hex.TileJSON()}))
	defer srv.Close()
	var town string
	if err := st.Pool().QueryRow(ctx, `SELECT substr(grid_code, 1, 9) FROM event GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	var other string
	if err := st.Pool().QueryRow(ctx, `SELECT left(code, 9) FROM area WHERE level = 'town' AND left(code, 9) <> $1 ORDER BY code LIMIT 1`, town).Scan(&other); err != nil {
		t.Fatal(err)
	}
	token := func(role, area string) string {
		var c geo.Code
		if area != "" {
			c = geo.MustParseCode(area)
		}
		_, secret, err := st.CreateToken(ctx, store.NewToken{Name: role, Role: role, Area: c}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin, approver, operator := token("admin", ""), token("approver", "320902"), token("operator", town)
	otherOperator, viewer, planner := token("operator", other), token("viewer", ""), token("planner", "320902")
	get := func(path, tok string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		apitest.CheckResponse(t, req, res.StatusCode, res.Header, b)
		return res.StatusCode, b
	}
	for _, c := range []struct {
		name, path, token string
		status            int
	}{
		{"admin, the city", "/stats/events?area=320900", admin, 200},
		{"admin, a town in a date range", "/stats/events?area=" + town + "&from=2026-01-01&to=2026-04-01T00:00:00%2B08:00", admin, 200},
		{"approver, its county", "/stats/events?area=320902", approver, 200},
		{"approver, the city", "/stats/events?area=320900", approver, 403},
		{"operator, its town", "/stats/events?area=" + town, operator, 200},
		{"operator, a village of its town", "/stats/events?area=" + town + "001", operator, 200},
		{"operator, its county", "/stats/events?area=320902", operator, 403},
		{"operator, another town", "/stats/events?area=" + town, otherOperator, 403},
		{"viewer", "/stats/events?area=320900", viewer, 403},
		{"planner of the county", "/stats/events?area=320902", planner, 403},
		{"no token", "/stats/events?area=320900", "", 401},
		{"no area", "/stats/events", admin, 400},
		{"bad area", "/stats/events?area=32090x", admin, 400},
		{"bad from", "/stats/events?area=320900&from=yesterday", admin, 400},
		{"to before from", "/stats/events?area=320900&from=2026-03-01&to=2026-02-01", admin, 400},
	} {
		status, b := get(c.path, c.token)
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, b, c.status)
			continue
		}
		if status != 200 {
			continue
		}
		var got eventstats.Stats
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		q, bad := eventstats.ParseQuery(req)
		if len(bad) > 0 {
			t.Fatal(bad)
		}
		q.Now = now
		want, err := eventstats.FromPostgres(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, c.name, got, want)
		if got.Total == 0 {
			t.Errorf("%s: no events counted", c.name)
		}
	}
	if status, b := get("/tiles/events.json", ""); status != 200 {
		t.Errorf("/tiles/events.json: %d %s", status, b)
	}
	if status, b := get("/tiles/events/5/26/12.mvt", ""); status != 200 || len(b) == 0 {
		t.Errorf("/tiles/events/5/26/12.mvt: %d, %d bytes", status, len(b))
	}
	if status, _ := get("/tiles/events/30/0/0.mvt", ""); status != 404 {
		t.Errorf("/tiles/events/30/0/0.mvt: %d, want 404", status)
	}
}
