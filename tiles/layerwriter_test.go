package tiles_test

import (
	"reflect"
	"testing"

	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

func TestLayerWriter(t *testing.T) {
	t.Parallel()
	if b := tiles.NewLayerWriter("empty").Tile(); b != nil {
		t.Errorf("a layer without features wrote %d bytes; want none", len(b))
	}
	w := tiles.NewLayerWriter("hex")
	rings := [][][2]int32{
		{{0, 0}, {100, 0}, {100, 100}, {0, 100}},
		{{200, 200}, {300, 250}, {200, 300}},
	}
	w.Polygon(7, rings[0], tiles.StringProp("h3", "a"), tiles.NumberProp("count", 3))
	w.Polygon(9, rings[1], tiles.StringProp("h3", "b"), tiles.NumberProp("count", 3), tiles.NumberProp("open", -1))
	d, err := tilestest.Decode(w.Tile())
	if err != nil {
		t.Fatal(err)
	}
	l := d.Layer("hex")
	if l == nil || l.Version != 2 || l.Extent != tiles.Extent || len(l.Features) != 2 {
		t.Fatalf("decoded %+v; want layer hex, version 2, extent %d, 2 features", d, tiles.Extent)
	}
	want := []struct {
		id    uint64
		props map[string]any
	}{
		{7, map[string]any{"h3": "a", "count": int64(3)}},
		{9, map[string]any{"h3": "b", "count": int64(3), "open": int64(0)}},
	}
	for i, f := range l.Features {
		if f.ID != want[i].id || f.Type != 3 || !reflect.DeepEqual(f.Props, want[i].props) ||
			len(f.Polygons) != 1 || !reflect.DeepEqual(f.Polygons[0][0], rings[i]) {
			t.Errorf("feature %d = %+v; want id %d, polygon %v, props %v", i, f, want[i].id, rings[i], want[i].props)
		}
	}
}
