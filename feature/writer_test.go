package feature

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	in := []*Feature{
		{ID: "320902", Properties: map[string]any{"code": "320902000000", "name": "亭湖区", "level": "county"},
			Geometry: orb.MultiPolygon{{{{120.219825, 33.165629}, {120.3, 33.2}, {120.2, 33.3}, {120.219825, 33.165629}}}}},
		{Properties: map[string]any{"code": "320902001001001", "kind": "urban"},
			Geometry: orb.Polygon{{{0.1, 0.2}, {1e-7, 0.3}, {-179.999999, 89.5}, {0.1, 0.2}}}},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, f := range in {
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("not JSON: %s", buf.String())
	}
	r := NewReader(&buf, ReaderOptions{})
	for i, want := range in {
		got, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Geometry, want.Geometry) {
			t.Errorf("feature %d geometry %v; want %v", i, got.Geometry, want.Geometry)
		}
		if got.Properties["code"] != want.Properties["code"] || got.ID != want.ID {
			t.Errorf("feature %d: %v %v; want %v %v", i, got.ID, got.Properties, want.ID, want.Properties)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last feature: %v; want io.EOF", err)
	}
}

func TestWriterEmptyAndErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Type     string
		Features []any
	}
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil || v.Type != "FeatureCollection" || v.Features == nil || len(v.Features) != 0 {
		t.Fatalf("empty collection %q: %v", buf.String(), err)
	}
	w = NewWriter(io.Discard)
	nan := orb.Polygon{{{0, 0}, {1, 0}, {0, math.Inf(1)}, {0, 0}}}
	if err := w.Write(&Feature{Geometry: nan}); err == nil {
		t.Fatal("infinite coordinate written without error")
	}
	if err := w.Write(&Feature{Geometry: orb.LineString{{0, 0}, {1, 1}}}); err == nil {
		t.Fatal("line string written without error")
	}
}
