package lookup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// cellResolver answers the grid "G<floor(lon)>_<floor(lat)>": enough to
// check that every answer lands on its own row.
type cellResolver struct{ calls int }

func (c *cellResolver) Version() int64 { return 7 }
func (c *cellResolver) Resolve(pts []orb.Point, out []Result) {
	c.calls++
	for i, p := range pts {
		out[i] = Result{Grid: fmt.Sprintf("G%d_%d", int(math.Floor(p[0])), int(math.Floor(p[1]))), Kind: "rural", Area: "A"}
	}
}

func TestBatchCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"header and rows", "id,lon,lat\na,120.5,33.5\nb,121.5,34.5\n",
			CSVHeader + "a,G120_33,,rural,A,\nb,G121_34,,rural,A,\n"},
		{"no header, no final newline, CRLF", "a,120.5,33.5\r\nb,1,2",
			CSVHeader + "a,G120_33,,rural,A,\nb,G1_2,,rural,A,\n"},
		{"two columns take line numbers", "120.5,33.5\n\n1,2\n",
			CSVHeader + "1,G120_33,,rural,A,\n3,G1_2,,rural,A,\n"},
		{"quoted id with comma", "\"x,1\",120.5,33.5\n",
			CSVHeader + "\"x,1\",G120_33,,rural,A,\n"},
		{"bad rows keep the rest", "a,200,33\nb,120,NaN\nc,abc,1\nd,1\ne,1,2,3\nf,120.5,33.5\ng,1,-91\n",
			CSVHeader +
				"a,,,,,\"line 1: lon out of range [-180, 180]\"\n" +
				"b,,,,,line 2: coordinate is NaN\n" +
				"c,,,,,\"line 3: lon \"\"abc\"\" is not a number\"\n" +
				"4,,,,,\"line 4: lon \"\"d\"\" is not a number\"\n" +
				"5,,,,,\"line 5 has more than 3 fields; want id,lon,lat\"\n" +
				"f,G120_33,,rural,A,\n" +
				"g,,,,,\"line 7: lat out of range [-90, 90]\"\n"},
		{"infinity", "a,+Inf,1\n", CSVHeader + "a,,,,,\"line 1: lon out of range [-180, 180]\"\n"},
		{"empty", "", CSVHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if _, err := Batch(context.Background(), FormatCSV, strings.NewReader(tt.in), &out, &cellResolver{}, nil); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", out.String(), tt.want)
			}
		})
	}
}

func TestBatchCSVLongLine(t *testing.T) {
	t.Parallel()
	in := "a,1,2\n" + strings.Repeat("x", maxLine+10) + "\nb,3,4\n"
	var out bytes.Buffer
	st, err := Batch(context.Background(), FormatCSV, strings.NewReader(in), &out, &cellResolver{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[2], "longer than") || !strings.HasPrefix(lines[3], "b,G3_4") {
		t.Fatalf("got %q", lines)
	}
	if st.Rows != 3 || st.Errors != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBatchJSON(t *testing.T) {
	t.Parallel()
	in := `[[120.5,33.5], {"id":"h1","lon":121.5,"lat":34.5}, {"id":5,"lon":1}, [1], "x", [500,1]]`
	var out bytes.Buffer
	if _, err := Batch(context.Background(), FormatJSON, strings.NewReader(in), &out, &cellResolver{}, nil); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, out.String())
	}
	want := []map[string]any{
		{"id": "1", "grid": "G120_33"},
		{"id": "h1", "grid": "G121_34"},
		{"id": "5", "error": "element 3: missing lon or lat"},
		{"id": "4", "error": "element 4: want [lon, lat], got 1 numbers"},
		{"id": "5", "error": ""},
		{"id": "6", "error": "element 6: lon out of range [-180, 180]"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d answers, want %d: %s", len(got), len(want), out.String())
	}
	for i, w := range want {
		if got[i]["id"] != w["id"] {
			t.Errorf("answer %d id %v, want %v", i, got[i]["id"], w["id"])
		}
		if g, ok := w["grid"]; ok && got[i]["grid"] != g {
			t.Errorf("answer %d grid %v, want %v", i, got[i]["grid"], g)
		}
		if e, ok := w["error"]; ok {
			ge, _ := got[i]["error"].(string)
			if ge == "" || (e != "" && ge != e) {
				t.Errorf("answer %d error %q, want %q", i, ge, e)
			}
		}
	}
}

func TestBatchGeoJSON(t *testing.T) {
	t.Parallel()
	in := `{"type":"FeatureCollection","name":"pts","features":[
		{"type":"Feature","id":"a","properties":{},"geometry":{"type":"Point","coordinates":[120.5,33.5]}},
		{"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
		{"type":"Feature","properties":{"id":"c"},"geometry":null}]}`
	var out bytes.Buffer
	if _, err := Batch(context.Background(), FormatGeoJSON, strings.NewReader(in), &out, &cellResolver{}, nil); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string `json:"type"`
		Version  int64  `json:"dataset_version"`
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out.Bytes(), &fc); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, out.String())
	}
	if fc.Type != "FeatureCollection" || fc.Version != 7 || len(fc.Features) != 3 {
		t.Fatalf("got %+v", fc)
	}
	if fc.Features[0].ID != "a" || fc.Features[0].Properties["grid"] != "G120_33" {
		t.Errorf("feature 0: %+v", fc.Features[0])
	}
	if e, _ := fc.Features[1].Properties["error"].(string); !strings.Contains(e, "want Point") {
		t.Errorf("feature 1 error %q", e)
	}
	if e, _ := fc.Features[2].Properties["error"].(string); !strings.Contains(e, "no geometry") {
		t.Errorf("feature 2 error %q", e)
	}
}

func TestBatchWholeRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Format
		in   string
	}{
		{"json not an array", FormatJSON, `{"a":1}`},
		{"json truncated", FormatJSON, `[[1,2],[3,`},
		{"geojson wrong type", FormatGeoJSON, `{"type":"Feature","features":[]}`},
		{"geojson no features", FormatGeoJSON, `{"type":"FeatureCollection"}`},
		{"geojson not json", FormatGeoJSON, `hello`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Batch(context.Background(), tt.f, strings.NewReader(tt.in), io.Discard, &cellResolver{}, nil)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("want ErrFormat, got %v", err)
			}
		})
	}
	if _, err := FormatFor("application/xml"); !errors.Is(err, ErrFormat) {
		t.Fatalf("xml accepted: %v", err)
	}
}

// peakHeap runs a CSV batch of n generated rows and returns the largest
// heap seen between chunks.
func peakHeap(t *testing.T, n int) uint64 {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		var b []byte
		for i := 0; i < n; i++ {
			b = fmt.Appendf(b[:0], "%d,%.6f,%.6f\n", i, 120+float64(i%1000)/1000, 33+float64(i%777)/777)
			pw.Write(b)
		}
		pw.Close()
	}()
	runtime.GC()
	var peak uint64
	var ms runtime.MemStats
	st, err := Batch(context.Background(), FormatCSV, pr, io.Discard, &cellResolver{}, func(Stats) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != int64(n) {
		t.Fatalf("rows %d, want %d", st.Rows, n)
	}
	return peak
}

// A big batch runs in bounded memory: ten times the rows must not need
// (anywhere near) ten times the heap. Comparing two runs keeps the test
// meaningful under the race detector, which inflates every allocation.
func TestBatchConstantMemory(t *testing.T) {
	small := peakHeap(t, 200_000)
	big := peakHeap(t, 2_000_000)
	t.Logf("peak heap: %d MiB for 200k rows, %d MiB for 2M rows", small>>20, big>>20)
	if big > 2*small+(8<<20) {
		t.Fatalf("peak heap %d MiB for 2M rows against %d MiB for 200k: memory grows with the input", big>>20, small>>20)
	}
}

func FuzzBatchCSV(f *testing.F) {
	f.Add("id,lon,lat\na,1,2\n")
	f.Add("\"a\"\"b\",1,2\r\n,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		st, err := Batch(context.Background(), FormatCSV, strings.NewReader(in), &out, &cellResolver{}, nil)
		if err != nil {
			t.Fatalf("csv batch failed: %v", err)
		}
		if got := int64(strings.Count(out.String(), "\n")) - 1; got < st.Rows {
			t.Fatalf("%d rows but %d answer lines", st.Rows, got)
		}
	})
}

func FuzzBatchJSON(f *testing.F) {
	f.Add(`[[1,2],{"id":"x","lon":1,"lat":2}]`, false)
	f.Add(`{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1,2]}}]}`, true)
	f.Fuzz(func(t *testing.T, in string, geo bool) {
		fm := FormatJSON
		if geo {
			fm = FormatGeoJSON
		}
		var out bytes.Buffer
		if _, err := Batch(context.Background(), fm, strings.NewReader(in), &out, &cellResolver{}, nil); err == nil {
			if !json.Valid(out.Bytes()) {
				t.Fatalf("answer is not valid JSON: %s", out.String())
			}
		}
	})
}
