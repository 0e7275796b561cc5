package bench

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"testing"
	"time"

	"gridmap/api"
	"gridmap/demo"
	"gridmap/geo"
	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
	"gridmap/live"
	"gridmap/pii"
	"gridmap/records"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestBenchGeocode runs the geocoding bench with a small set on a small
// demo county with generated addresses and checks the report has both
// sides, their accuracy and the ratio.
func TestBenchGeocode(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.1, Seed: 1, County: geo.MustParseCode("320902")})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if as, err := geocodetest.Read(ctx, st); err != nil || len(as) == 0 { // the demo's own standard addresses
		t.Fatalf("%d standard addresses: %v", len(as), err)
	}
	_, token, err := st.CreateToken(ctx, store.NewToken{Name: "bench", Role: "viewer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, admin, err := st.CreateToken(ctx, store.NewToken{Name: "bench admin", Role: "admin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := func(ctx context.Context) (http.Handler, error) {
		log := slog.New(slog.DiscardHandler)
		lv, err := live.New(ctx, st, log)
		if err != nil {
			return nil, err
		}
		gh, err := geocode.NewHolder(ctx, st, lv, "", log)
		if err != nil {
			return nil, err
		}
		go lv.Run(ctx)
		go gh.Run(ctx)
		return api.NewServer(api.Deps{Store: st, Log: log, Records: records.NewService(st, pii.RandomKey(), lv.Index),
			Geocode: (&geocode.Service{Index: gh, Live: lv, Store: st}).Handler()}), nil
	}
	var out bytes.Buffer
	if err := Geocode(ctx, &out, st, svc, GeocodeOptions{PerKind: 20, Batch: 3000, PGQueries: 50, Seed: 1, Token: token, Runs: 2, Fresh: 2, AdminToken: admin}); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)\d+ live standard addresses; noisy set: \d+ cases.*address index: [0-9.]+ MiB.*` +
		`gridmap POST /geocode \(CSV, streamed, loopback\): 3000 addresses in \S+: \d+ addresses/s.*\n  noisy: [0-9.]+% right grid.*\n    exact .*` +
		`pg_trgm nearest text .*: 50 addresses in \S+: [0-9.e+]+ addresses/s\n  noisy: [0-9.]+% right grid.*\ngridmap / pg_trgm: \d+x\nfreshness: 2 addresses imported .*: min \S+, median \S+, max \S+\n`)
	if !re.MatchString(out.String()) {
		t.Errorf("report:\n%s", out.String())
	}
	t.Log(out.String())
}
