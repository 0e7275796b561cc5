package tiles_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"gridmap/geo"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

// holder stands for the service's snapshot holder, which swaps in a new
// snapshot on every dataset version.
type holder struct{ snap *geo.Snapshot }

func (h holder) Snapshot() *geo.Snapshot { return h.snap }

// The service renders tiles from the current snapshot; the api mounts
// Handler at /tiles and TileJSON at the root.
func ExampleService() {
	svc := tiles.NewService(holder{tilestest.SyntheticCity(8, 8)}, nil, nil, tiles.Options{})
	mux := http.NewServeMux()
	mux.Handle("/tiles/", http.StripPrefix("/tiles", svc.Handler()))
	mux.Handle("/tiles.json", svc.TileJSON())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tiles/grid/13/6818/3304.mvt?v=1", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	d, _ := tilestest.Decode(rec.Body.Bytes())
	fmt.Println(d.Layers[0].Name, d.Layers[0].Version, len(d.Layers[0].Features) > 0)
	// Output:
	// 200 application/vnd.mapbox-vector-tile public, max-age=31536000, immutable
	// grid 2 true
}

// Prepared.Render is the renderer without the cache, for commands.
func ExamplePrepared_Render() {
	p := tiles.Prepare(tilestest.SyntheticCity(8, 8))
	b, err := p.Render(nil, 0, 0, 0)
	if err != nil {
		panic(err)
	}
	d, _ := tilestest.Decode(b)
	for _, l := range d.Layers {
		fmt.Println(l.Name, len(l.Features))
	}
	// Output:
	// county 1
}
