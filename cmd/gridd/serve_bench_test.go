package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// quietEnv is an env with no environment, no input and no log.
func quietEnv(stdout io.Writer) *env {
	return &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: stdout, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler)}
}

// BenchmarkHotHandlers measures the real handler (newHandler: router,
// middleware, lookup and tiles) in process for the two hot requests, a
// single lookup and a cached tile, without client or socket: what the
// server itself spends on each, and its allocations.
func BenchmarkHotHandlers(b *testing.B) {
	st := storetest.NewDemo(b, demo.Options{Scale: 0.1, Seed: 1, County: geo.MustParseCode("320902")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := quietEnv(io.Discard)
	h, err := newHandler(ctx, e, st, testDataKey(b))
	if err != nil {
		b.Fatal(err)
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c := snap.Grids[0].Geom.Bound().Center()
	x, y := tileAt(c, 14)
	for _, tt := range []struct{ name, path string }{
		{"lookup", fmt.Sprintf("/lookup?lon=%.7f&lat=%.7f", c[0], c[1])},
		{"tile", fmt.Sprintf("/tiles/14/%d/%d.mvt", x, y)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Fatalf("GET %s: status %d", tt.path, w.status)
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func tileAt(p orb.Point, z int) (int, int) {
	t := maptile.At(p, maptile.Zoom(z))
	return int(t.X), int(t.Y)
}
