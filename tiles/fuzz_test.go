package tiles

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gridmap/tiles/tilestest"
)

var fuzzSvc struct {
	once sync.Once
	h    http.Handler
}

// FuzzTilePath sends arbitrary paths and queries to the tile handler: it
// must never panic nor fail with a server error, and every error must be
// a problem document.
func FuzzTilePath(f *testing.F) {
	for _, s := range []string{"/0/0/0.mvt", "/grid/14/13658/6578.mvt?v=1", "/a/b/c.mvt", "/-1/0/0.mvt",
		"/99999999999999999999/0/0.mvt", "/1/0/0.mvt?at=2024-01-01T00:00:00Z", "/label.json", "/%zz/0/0.mvt", "/1/0/0.mvt?v=-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		fuzzSvc.once.Do(func() {
			fx := loadFixture(t)
			fuzzSvc.h = NewService(newSwapSource(fx.snapshot(t, 1)), nil, nil, Options{}).Handler()
		})
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		if err != nil {
			return // not a URL a client could send
		}
		rec := httptest.NewRecorder()
		fuzzSvc.h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500 && rec.Code != http.StatusNotImplemented:
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		case rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json":
			t.Fatalf("%s: status %d with Content-Type %q", path, rec.Code, rec.Header().Get("Content-Type"))
		case rec.Code == 200 && rec.Header().Get("Content-Type") == ContentType:
			if _, err := tilestest.Decode(rec.Body.Bytes()); err != nil {
				t.Fatalf("%s: tile fails the strict decoder: %v", path, err)
			}
		}
	})
}
