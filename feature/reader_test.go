package feature

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

const square = `{"type":"Polygon","coordinates":[[[120,33],[120.1,33],[120.1,33.1],[120,33.1],[120,33]]]}`

func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func feat(props, geom string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
}

// readAll reads every feature, returning them and the terminating error
// (nil at a clean io.EOF).
func readAll(t *testing.T, r *Reader) ([]*Feature, error) {
	t.Helper()
	var out []*Feature
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader does not stop")
		}
		f, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
}

func TestReaderFileErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, code string
		max            int64
		inMessage      string
	}{
		{"empty", "", CodeNotJSON, 0, "empty"},
		{"not json", "hello", CodeNotJSON, 0, "not valid JSON"},
		{"truncated", `{"type":"FeatureCollection","features":[` + feat(`{}`, square), CodeNotJSON, 0, "truncated"},
		{"array", `[1,2]`, CodeNotFeatureCollection, 0, "FeatureCollection"},
		{"number", `42`, CodeNotFeatureCollection, 0, "FeatureCollection"},
		{"feature", feat(`{}`, square), CodeNotFeatureCollection, 0, "wrap it"},
		{"geometry", square, CodeNotFeatureCollection, 0, "\"Polygon\""},
		{"no type", `{"features":[]}`, CodeNotFeatureCollection, 0, "no \"type\""},
		{"features not array", `{"type":"FeatureCollection","features":{}}`, CodeNotFeatureCollection, 0, "array"},
		{"crs 3857", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[]}`, CodeWrongSRID, 0, "reproject to EPSG:4326"},
		{"crs 4490", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4490"}},"features":[]}`, CodeWrongSRID, 0, "EPSG:4490"},
		{"crs after features", `{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}`, CodeWrongSRID, 0, "wrong SRID"},
		{"crs garbage", `{"type":"FeatureCollection","crs":7,"features":[]}`, CodeWrongSRID, 0, "wrong SRID"},
		{"NaN", fc(feat(`{}`, `{"type":"Polygon","coordinates":[[[NaN,33],[1,2],[3,4],[NaN,33]]]}`)), CodeNotJSON, 0, "NaN and Infinity"},
		{"trailing data", fc() + `{}`, CodeNotJSON, 0, "after"},
		{"too large", fc(feat(`{}`, square), feat(`{}`, square)), CodeTooLarge, 100, "larger than the limit of 100 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := NewReader(strings.NewReader(c.in), ReaderOptions{MaxBytes: c.max})
			_, err := readAll(t, r)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T); want *feature.Error %s", err, err, c.code)
			}
			if fe.Code != c.code || !strings.Contains(fe.Message, c.inMessage) {
				t.Fatalf("error %s %q; want %s containing %q", fe.Code, fe.Message, c.code, c.inMessage)
			}
			// Sticky: the next call gives the same error.
			if _, err2 := r.Next(); err2 != err {
				t.Fatalf("second Next: %v; want the same error", err2)
			}
		})
	}
}

func TestReaderAcceptsWGS84CRS(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326"} {
		in := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"` + name + `"}},"features":[` + feat(`{"code":"320902"}`, square) + `]}`
		fs, err := readAll(t, NewReader(strings.NewReader(in), ReaderOptions{}))
		if err != nil || len(fs) != 1 {
			t.Fatalf("crs %s: %d features, %v; want 1, nil", name, len(fs), err)
		}
	}
}

func TestReaderFeatureProblems(t *testing.T) {
	t.Parallel()
	in := fc(
		feat(`{"code":"320902","name":"亭湖区"}`, square),
		feat(`{"code":320903}`, `null`),
		feat(`{}`, `{"type":"Point","coordinates":[120,33]}`),
		`{"type":"Feature","properties":{}}`,
		`42`,
		feat(`{}`, `{"type":"Polygon","coordinates":[[["a",33]]]}`),
		feat(`{}`, `{"type":"Polygon","coordinates":[[[1e400,33]]]}`),
		`{"type":"Thing","properties":[],"geometry":`+square+`}`,
		feat(`{}`, `{"type":"MultiPolygon","coordinates":[[[[120,33,5],[121,33,5],[121,34,5],[120,33,5]]]]}`),
		feat(`{}`, `{"type":"Polygon","coordinates":[]}`),
		feat(`{}`, `{"type":"Polygon","coordinates":[[[120]]]}`),
	)
	fs, err := readAll(t, NewReader(strings.NewReader(in), ReaderOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		nil,
		{CodeMissingGeometry},
		{CodeUnsupportedGeometry},
		{CodeMissingGeometry},
		{CodeNotAFeature},
		{CodeBadGeometry},
		{CodeBadGeometry},
		{CodeNotAFeature, CodeBadProperties},
		nil,
		{CodeBadGeometry},
		{CodeBadGeometry},
	}
	if len(fs) != len(want) {
		t.Fatalf("%d features; want %d", len(fs), len(want))
	}
	for i, f := range fs {
		var got []string
		for _, p := range f.Problems {
			got = append(got, p.Code)
			if !strings.Contains(p.Message, fmt.Sprintf("#%d", i)) {
				t.Errorf("feature %d: message %q does not name the feature", i, p.Message)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("feature %d: problems %v (%v); want %v", i, got, f.Problems, want[i])
		}
		if f.Index != i {
			t.Errorf("feature %d has Index %d", i, f.Index)
		}
	}
	if code, ok := fs[1].StringProperty("code"); !ok || code != "320903" {
		t.Errorf("numeric code read as %q, %v; want \"320903\"", code, ok)
	}
	if name, _ := fs[0].StringProperty("name"); name != "亭湖区" {
		t.Errorf("name %q", name)
	}
	if g, ok := fs[0].Geometry.(orb.Polygon); !ok || len(g[0]) != 5 || g[0][1] != (orb.Point{120.1, 33}) {
		t.Errorf("geometry %v", fs[0].Geometry)
	}
	if g, ok := fs[8].Geometry.(orb.MultiPolygon); !ok || g[0][0][1] != (orb.Point{121, 33}) {
		t.Errorf("3D multipolygon read as %v", fs[8].Geometry)
	}
}

func TestReaderMemberOrder(t *testing.T) {
	t.Parallel()
	// "type" after "features", foreign members and bbox anywhere.
	in := `{"name":"x","features":[` + feat(`{}`, square) + `],"bbox":[1,2,3,4],"meta":{"a":[1,{"b":2}]},"type":"FeatureCollection"}`
	fs, err := readAll(t, NewReader(strings.NewReader(in), ReaderOptions{}))
	if err != nil || len(fs) != 1 {
		t.Fatalf("%d features, %v; want 1, nil", len(fs), err)
	}
	in = `{"features":[` + feat(`{}`, square) + `],"type":"Topology"}`
	_, err = readAll(t, NewReader(strings.NewReader(in), ReaderOptions{}))
	var fe *Error
	if !errors.As(err, &fe) || fe.Code != CodeNotFeatureCollection {
		t.Fatalf("type after features: %v; want not-feature-collection", err)
	}
}

func TestReaderFeatureTooLarge(t *testing.T) {
	t.Parallel()
	big := feat(`{"pad":"`+strings.Repeat("x", 300_000)+`"}`, square)
	_, err := readAll(t, NewReader(strings.NewReader(fc(feat(`{}`, square), big)), ReaderOptions{MaxFeatureBytes: 1000}))
	var fe *Error
	if !errors.As(err, &fe) || fe.Code != CodeTooLarge || !strings.Contains(fe.Message, "feature #1") {
		t.Fatalf("error %v; want too-large naming feature #1", err)
	}
}

// TestReaderStreams reads 200,000 features from a pipe and checks that the
// heap never holds more than a small fraction of the JSON.
func TestReaderStreams(t *testing.T) {
	const n = 200_000
	pr, pw := io.Pipe()
	var size int64
	go func() {
		w := NewWriter(countWriter{pw, &size})
		for i := range n {
			x, y := 120+float64(i%1000)*0.001, 33+float64(i/1000)*0.001
			f := &Feature{Properties: map[string]any{"code": fmt.Sprintf("320902001001%03d", i%1000+1), "kind": "urban", "name": fmt.Sprintf("网格 %d", i)},
				Geometry: orb.Polygon{{{x, y}, {x + 0.001, y}, {x + 0.001, y + 0.001}, {x, y + 0.001}, {x, y}}}}
			if err := w.Write(f); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	r := NewReader(pr, ReaderOptions{})
	count := 0
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Problems) > 0 || f.Index != count {
			t.Fatalf("feature %d: %v", count, f.Problems)
		}
		count++
		if count%10_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if count != n {
		t.Fatalf("read %d features; want %d", count, n)
	}
	grown := int64(peak) - int64(base)
	t.Logf("%d features, %d MB of JSON, heap grew by at most %.1f MB", n, size>>20, float64(grown)/(1<<20))
	if grown > size/10 {
		t.Fatalf("heap grew by %d bytes reading %d bytes of JSON: the reader does not stream", grown, size)
	}
}

type countWriter struct {
	w io.Writer
	n *int64
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(fc(feat(`{"code":"320902001001001","kind":"urban","name":"a"}`, square))))
	f.Add([]byte(fc(feat(`{}`, `null`), `7`)))
	f.Add([]byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`))
	f.Add([]byte(`{"features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[1,2],[3,4]]]]}}],"type":"FeatureCollection"}`))
	f.Add([]byte(`[{"type":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(strings.NewReader(string(data)), ReaderOptions{MaxBytes: 1 << 20})
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("%d features from %d bytes: the reader loops", i, len(data))
			}
			f, err := r.Next()
			if err != nil {
				if _, err2 := r.Next(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
			if f.Geometry == nil && len(f.Problems) == 0 {
				t.Fatalf("feature %d without geometry and without problems", f.Index)
			}
			if f.Geometry != nil {
				if _, err := AppendGeometry(nil, f.Geometry); err != nil {
					t.Fatalf("read geometry cannot be written back: %v", err)
				}
			}
		}
	})
}
