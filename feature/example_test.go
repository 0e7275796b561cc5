package feature_test

import (
	"fmt"
	"io"
	"os"
	"strings"

	"gridmap/feature"
)

func ExampleReader() {
	in := `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"320902","name":"亭湖区"},
		 "geometry":{"type":"Polygon","coordinates":[[[120,33],[120.1,33],[120.1,33.1],[120,33]]]}},
		{"type":"Feature","properties":{"code":"320903"},"geometry":null}]}`
	r := feature.NewReader(strings.NewReader(in), feature.ReaderOptions{MaxBytes: 1 << 20})
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("rejected:", err)
			return
		}
		code, _ := f.StringProperty("code")
		fmt.Println(f.Index, code, f.Geometry != nil, f.Problems)
	}
	// Output:
	// 0 320902 true []
	// 1 320903 false [{missing-geometry feature #1 has no geometry: every area and grid needs a Polygon or MultiPolygon boundary}]
}

func ExampleWriter() {
	w := feature.NewWriter(os.Stdout)
	w.Write(&feature.Feature{ID: "320902", Properties: map[string]any{"name": "亭湖区"}})
	w.Close()
	// Output:
	// {"type":"FeatureCollection","features":[
	// {"type":"Feature","id":"320902","properties":{"name":"亭湖区"},"geometry":null}
	// ]}
}
