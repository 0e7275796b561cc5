package lookup

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// jsonDecoder streams a JSON array whose elements are [lon, lat],
// {"id": …, "lon": …, "lat": …}, or — with geo set — a GeoJSON
// FeatureCollection of Point features. Only one element is in memory at a
// time. A malformed element becomes a row error; malformed JSON ends the
// batch with an error, since nothing after it can be trusted.
type jsonDecoder struct {
	dec     *json.Decoder
	geo     bool
	index   int
	started bool
	done    bool
}

func newJSONDecoder(r io.Reader, geo bool) *jsonDecoder {
	return &jsonDecoder{dec: json.NewDecoder(bufio.NewReaderSize(r, 64<<10)), geo: geo}
}

// ErrFormat marks whole-request format errors (answered 400).
var ErrFormat = errors.New("bad batch format")

func (d *jsonDecoder) start() error {
	d.started = true
	if !d.geo {
		return d.expectDelim('[', "a JSON array of [lon, lat] pairs or {id, lon, lat} objects")
	}
	if err := d.expectDelim('{', "a GeoJSON FeatureCollection"); err != nil {
		return err
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrFormat, err)
		}
		key, _ := tok.(string)
		if key == "features" {
			return d.expectDelim('[', `"features" to be an array`)
		}
		var skip json.RawMessage
		if err := d.dec.Decode(&skip); err != nil {
			return fmt.Errorf("%w: %v", ErrFormat, err)
		}
		if key == "type" && string(skip) != `"FeatureCollection"` {
			return fmt.Errorf(`%w: GeoJSON "type" is %s; want "FeatureCollection"`, ErrFormat, skip)
		}
	}
	return fmt.Errorf(`%w: the FeatureCollection has no "features" array`, ErrFormat)
}

func (d *jsonDecoder) expectDelim(want json.Delim, what string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return fmt.Errorf("%w: want %s: %v", ErrFormat, what, err)
	}
	if tok != want {
		return fmt.Errorf("%w: want %s, found %v", ErrFormat, what, tok)
	}
	return nil
}

type jsonPoint struct {
	ID  any      `json:"id"`
	Lon *float64 `json:"lon"`
	Lat *float64 `json:"lat"`
}

type geoFeature struct {
	ID         any            `json:"id"`
	Properties map[string]any `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// next implements decoder (ids are ordinary strings; arena is unused).
func (d *jsonDecoder) next(rows []Row, arena []byte) (int, []byte, error) {
	n, err := d.fill(rows)
	return n, arena, err
}

func (d *jsonDecoder) fill(rows []Row) (int, error) {
	if !d.started {
		if err := d.start(); err != nil {
			return 0, err
		}
	}
	if d.done {
		return 0, io.EOF
	}
	n := 0
	for n < len(rows) {
		if !d.dec.More() {
			d.done = true
			if _, err := d.dec.Token(); err != nil { // the closing ]
				return n, fmt.Errorf("%w: %v", ErrFormat, err)
			}
			return n, io.EOF
		}
		d.index++
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("%w: element %d: %v", ErrFormat, d.index, err)
		}
		rows[n] = d.parse(raw)
		n++
	}
	return n, nil
}

func (d *jsonDecoder) parse(raw json.RawMessage) Row {
	row := Row{ID: strconv.Itoa(d.index)}
	fail := func(format string, args ...any) Row {
		row.Err = fmt.Sprintf("element %d: ", d.index) + fmt.Sprintf(format, args...)
		return row
	}
	var coords json.RawMessage
	if d.geo {
		var f geoFeature
		if err := json.Unmarshal(raw, &f); err != nil {
			return fail("not a GeoJSON Feature: %v", err)
		}
		if id := idString(f.ID); id != "" {
			row.ID = id
		} else if id := idString(f.Properties["id"]); id != "" {
			row.ID = id
		}
		if f.Geometry == nil {
			return fail("feature has no geometry")
		}
		if f.Geometry.Type != "Point" {
			return fail("geometry type is %q; want Point", f.Geometry.Type)
		}
		coords = f.Geometry.Coordinates
	} else if len(raw) > 0 && raw[0] == '{' {
		var p jsonPoint
		if err := json.Unmarshal(raw, &p); err != nil {
			return fail("want {\"id\":…, \"lon\":…, \"lat\":…}: %v", err)
		}
		if id := idString(p.ID); id != "" {
			row.ID = id
		}
		if p.Lon == nil || p.Lat == nil {
			return fail("missing lon or lat")
		}
		row.Pt = [2]float64{*p.Lon, *p.Lat}
		if msg := checkPoint(*p.Lon, *p.Lat); msg != "" {
			return fail("%s", msg)
		}
		return row
	} else {
		coords = raw
	}
	var xy []float64
	if err := json.Unmarshal(coords, &xy); err != nil {
		return fail("want [lon, lat] numbers: %v", err)
	}
	if len(xy) < 2 {
		return fail("want [lon, lat], got %d numbers", len(xy))
	}
	row.Pt = [2]float64{xy[0], xy[1]}
	if msg := checkPoint(xy[0], xy[1]); msg != "" {
		return fail("%s", msg)
	}
	return row
}

func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonEncoder writes a JSON array of answer objects, or a GeoJSON
// FeatureCollection of the input points with the answer as properties.
type jsonEncoder struct {
	w       *bufio.Writer
	geo     bool
	first   bool
	version int64
	buf     []byte
}

func newJSONEncoder(w io.Writer, geo bool, version int64) *jsonEncoder {
	e := &jsonEncoder{w: bufio.NewWriterSize(w, 256<<10), geo: geo, first: true, version: version}
	if geo {
		fmt.Fprintf(e.w, `{"type":"FeatureCollection","dataset_version":%d,"features":[`, version)
	} else {
		e.w.WriteString("[")
	}
	return e
}

func (e *jsonEncoder) write(rows []Row, res []Result) error {
	b := e.buf[:0]
	for i := range rows {
		if !e.first {
			b = append(b, ',')
		}
		e.first = false
		b = append(b, '\n')
		if e.geo {
			b = append(b, `{"type":"Feature","id":`...)
			b = strconv.AppendQuote(b, rows[i].ID)
			b = append(b, `,"geometry":`...)
			if rows[i].Err == "" || rows[i].Pt != [2]float64{} {
				b = append(b, `{"type":"Point","coordinates":[`...)
				b = appendJSONFloat(b, rows[i].Pt[0])
				b = append(b, ',')
				b = appendJSONFloat(b, rows[i].Pt[1])
				b = append(b, `]}`...)
			} else {
				b = append(b, "null"...)
			}
			b = append(b, `,"properties":`...)
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendQuote(b, rows[i].ID)
		if rows[i].Err != "" {
			b = append(b, `,"error":`...)
			b = strconv.AppendQuote(b, rows[i].Err)
		} else {
			r := &res[i]
			b = appendOptString(b, "grid", r.Grid)
			b = appendOptString(b, "subgrid", r.SubGrid)
			b = appendOptString(b, "kind", r.Kind)
			b = appendOptString(b, "area", r.Area)
		}
		b = append(b, '}')
		if e.geo {
			b = append(b, '}')
		}
	}
	e.buf = b
	_, err := e.w.Write(b)
	return err
}

func appendOptString(b []byte, key, v string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	if v == "" {
		return append(b, "null"...)
	}
	return strconv.AppendQuote(b, v)
}

// appendJSONFloat writes a finite float; NaN and infinities, which JSON
// cannot carry, become null.
func appendJSONFloat(b []byte, f float64) []byte {
	if f != f || f > 1e308 || f < -1e308 {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

func (e *jsonEncoder) close() error {
	if e.geo {
		e.w.WriteString("\n]}\n")
	} else {
		e.w.WriteString("\n]\n")
	}
	return e.w.Flush()
}
