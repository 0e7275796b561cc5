package api

import (
	"context"
	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/events"
	"gridmap/records"
	"gridmap/suggest"
	"gridmap/tiles"
	"gridmap/workers"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// TestRoutesMatchOpenAPI walks the router and the OpenAPI document: every
// served route is documented with its method, and every documented
// operation is served.
func TestRoutesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	stub := http.NotFoundHandler()
	ts := tiles.NewService(nil, nil, nil, tiles.Options{})
	routes := NewServer(Deps{Lookup: stub, Geocode: stub, Tiles: ts.Handler(), TileJSON: ts.TileJSON(),
		Adjust: adjust.New(nil, ops.Options{}), Workers: workers.New(nil, nil, nil, nil, workers.Options{}), Events: events.New(nil, nil, nil, events.Options{}), Records: records.NewService(nil, nil, nil),
		EventStats: stub, EventTiles: stub, EventTileJSON: stub, Suggest: suggest.New(nil, nil)}).(chi.Routes)
	err = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served = append(served, method+" "+strings.TrimSuffix(route, "/*"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("routes and openapi.json differ:\nserved     %v\ndocumented %v", served, documented)
	}
}
