package feature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

// DefaultMaxBytes is the input limit when ReaderOptions.MaxBytes is 0.
const DefaultMaxBytes = 2 << 30

// ReaderOptions tunes a Reader.
type ReaderOptions struct {
	// MaxBytes is the largest input accepted (DefaultMaxBytes when 0, no
	// limit when negative). Reading more fails with a "too-large" Error.
	MaxBytes int64
	// MaxFeatureBytes is the largest single feature accepted (64 MiB when
	// 0). It bounds the memory one feature can take.
	MaxFeatureBytes int64
}

// Reader reads the features of a GeoJSON FeatureCollection one at a time.
// It walks the JSON token by token, so it holds one feature in memory
// however many the collection has.
type Reader struct {
	dec    *json.Decoder
	in     *countingReader
	opts   ReaderOptions
	state  int
	index  int
	err    error // sticky: returned by every Next after the first
	sawTyp bool
}

// The reader's position in the document.
const (
	stateStart    = iota // before the opening brace
	stateMembers         // between members of the top-level object
	stateFeatures        // inside the "features" array
	stateDone            // after the closing brace
)

// NewReader returns a Reader of the FeatureCollection in r.
func NewReader(r io.Reader, opts ReaderOptions) *Reader {
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxFeatureBytes <= 0 {
		opts.MaxFeatureBytes = 64 << 20
	}
	in := &countingReader{r: r, max: opts.MaxBytes}
	dec := json.NewDecoder(in)
	dec.UseNumber()
	return &Reader{dec: dec, in: in, opts: opts}
}

// BytesRead returns how many bytes of input the reader has consumed.
func (r *Reader) BytesRead() int64 { return r.in.n }

// Next returns the next feature, io.EOF after the last one, or an *Error
// when the input is not a FeatureCollection this package can read (or an
// error of the underlying reader). After an error every call returns it.
func (r *Reader) Next() (*Feature, error) {
	if r.err != nil {
		return nil, r.err
	}
	f, err := r.next()
	if err == io.EOF && r.state == stateDone {
		r.err = io.EOF
		return nil, io.EOF
	}
	if err != nil {
		r.err = r.classify(err)
		return nil, r.err
	}
	return f, nil
}

func (r *Reader) next() (*Feature, error) {
	for {
		switch r.state {
		case stateStart:
			tok, err := r.dec.Token()
			if err == io.EOF {
				return nil, r.fail(CodeNotJSON, "the input is empty: want a GeoJSON FeatureCollection")
			}
			if err != nil {
				return nil, err
			}
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return nil, r.fail(CodeNotFeatureCollection, fmt.Sprintf("the input starts with %s: want a GeoJSON FeatureCollection object {\"type\":\"FeatureCollection\",\"features\":[...]}", describe(tok)))
			}
			r.state = stateMembers
		case stateMembers:
			if !r.dec.More() {
				if _, err := r.dec.Token(); err != nil { // the closing brace
					return nil, err
				}
				if !r.sawTyp {
					return nil, r.fail(CodeNotFeatureCollection, `the object has no "type": want "type":"FeatureCollection"`)
				}
				// Nothing may follow the object.
				if _, err := r.dec.Token(); err != io.EOF {
					if err != nil {
						return nil, err
					}
					return nil, r.fail(CodeNotJSON, "unexpected data after the FeatureCollection")
				}
				r.state = stateDone
				return nil, io.EOF
			}
			tok, err := r.dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := tok.(string)
			if err := r.member(key); err != nil {
				return nil, err
			}
		case stateFeatures:
			if !r.dec.More() {
				if _, err := r.dec.Token(); err != nil { // the closing bracket
					return nil, err
				}
				r.state = stateMembers
				continue
			}
			return r.feature()
		case stateDone:
			return nil, io.EOF
		}
	}
}

// member reads the value of one top-level member.
func (r *Reader) member(key string) error {
	switch key {
	case "type":
		var typ any
		if err := r.dec.Decode(&typ); err != nil {
			return err
		}
		if typ != "FeatureCollection" {
			hint := ""
			if typ == "Feature" || typ == "Polygon" || typ == "MultiPolygon" {
				hint = " (wrap it: {\"type\":\"FeatureCollection\",\"features\":[...]})"
			}
			return r.fail(CodeNotFeatureCollection, fmt.Sprintf("the GeoJSON type is %s: want \"FeatureCollection\"%s", describe(typ), hint))
		}
		r.sawTyp = true
	case "crs":
		var crs json.RawMessage
		if err := r.dec.Decode(&crs); err != nil {
			return err
		}
		if name, ok := crsIsWGS84(crs); !ok {
			return r.fail(CodeWrongSRID, fmt.Sprintf("wrong SRID: the file declares crs %s; reproject to EPSG:4326 (longitude, latitude in degrees), e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson", name))
		}
	case "features":
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			if d == '{' || d == '[' {
				return r.fail(CodeNotFeatureCollection, `"features" is an object: want an array of features`)
			}
			return r.fail(CodeNotFeatureCollection, fmt.Sprintf(`"features" is %s: want an array of features`, describe(tok)))
		}
		r.state = stateFeatures
	default:
		// Foreign members and bbox: skip them without keeping them.
		if err := r.skip(); err != nil {
			return err
		}
	}
	return nil
}

// skip consumes one JSON value token by token.
func (r *Reader) skip() error {
	depth := 0
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// rawFeature is a feature as it comes from JSON, geometry still raw.
type rawFeature struct {
	Type       any             `json:"type"`
	ID         any             `json:"id"`
	Properties json.RawMessage `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// feature reads one element of the features array.
func (r *Reader) feature() (*Feature, error) {
	start := r.in.n
	var raw json.RawMessage
	r.in.featureMax = start + r.opts.MaxFeatureBytes + 64<<10 // decoder read-ahead
	err := r.dec.Decode(&raw)
	r.in.featureMax = 0
	if err != nil {
		return nil, err
	}
	f := &Feature{Index: r.index}
	r.index++
	if len(raw) > 0 && raw[0] != '{' {
		f.Problems = append(f.Problems, Problem{CodeNotAFeature, fmt.Sprintf("feature #%d is not an object: each element of \"features\" must be {\"type\":\"Feature\",...}", f.Index)})
		return f, nil
	}
	var rf rawFeature
	if err := json.Unmarshal(raw, &rf); err != nil {
		f.Problems = append(f.Problems, Problem{CodeNotAFeature, fmt.Sprintf("feature #%d cannot be read: %v", f.Index, err)})
		return f, nil
	}
	raw = nil
	f.ID = rf.ID
	if rf.Type != "Feature" {
		f.Problems = append(f.Problems, Problem{CodeNotAFeature, fmt.Sprintf("feature #%d has type %s: want \"Feature\"", f.Index, describe(rf.Type))})
	}
	if len(rf.Properties) > 0 && !bytes.Equal(rf.Properties, []byte("null")) {
		d := json.NewDecoder(bytes.NewReader(rf.Properties))
		d.UseNumber()
		if err := d.Decode(&f.Properties); err != nil {
			f.Problems = append(f.Problems, Problem{CodeBadProperties, fmt.Sprintf("feature #%d: \"properties\" must be an object", f.Index)})
		}
	}
	f.Geometry, f.Problems = readGeometry(f.Index, rf.Geometry, f.Problems)
	return f, nil
}

// readGeometry decodes a Polygon or MultiPolygon.
func readGeometry(index int, raw json.RawMessage, problems []Problem) (orb.Geometry, []Problem) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, append(problems, Problem{CodeMissingGeometry, fmt.Sprintf("feature #%d has no geometry: every area and grid needs a Polygon or MultiPolygon boundary", index)})
	}
	var head struct {
		Type any `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: \"geometry\" must be a GeoJSON geometry object", index)})
	}
	if head.Type != "Polygon" && head.Type != "MultiPolygon" {
		return nil, append(problems, Problem{CodeUnsupportedGeometry, fmt.Sprintf("feature #%d has a %s geometry: areas and grids must be Polygon or MultiPolygon", index, describe(head.Type))})
	}
	geom, err := decodeCoordinates(head.Type.(string), raw)
	if err != nil {
		return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: cannot read the %s coordinates: %v", index, head.Type, err)})
	}
	switch geom := geom.(type) {
	case orb.Polygon:
		if len(geom) == 0 {
			return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: the Polygon has no rings", index)})
		}
	case orb.MultiPolygon:
		if len(geom) == 0 {
			return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: the MultiPolygon has no polygons", index)})
		}
		for i, p := range geom {
			if len(p) == 0 {
				return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: polygon %d of the MultiPolygon has no rings", index, i)})
			}
		}
	default:
		return nil, append(problems, Problem{CodeBadGeometry, fmt.Sprintf("feature #%d: cannot read the geometry", index)})
	}
	return geom, problems
}

// decodeCoordinates reads the coordinates of a Polygon or MultiPolygon;
// positions may carry a third (height) value, which is dropped.
func decodeCoordinates(typ string, raw json.RawMessage) (orb.Geometry, error) {
	var g struct {
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	if len(g.Coordinates) == 0 || bytes.Equal(g.Coordinates, []byte("null")) {
		return nil, errors.New(`"coordinates" is missing`)
	}
	if typ == "Polygon" {
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, coordErr(err, "[[[lon,lat],...],...]")
		}
		return polygon(c)
	}
	var c [][][][]float64
	if err := json.Unmarshal(g.Coordinates, &c); err != nil {
		return nil, coordErr(err, "[[[[lon,lat],...],...],...]")
	}
	mp := make(orb.MultiPolygon, 0, len(c))
	for _, pc := range c {
		p, err := polygon(pc)
		if err != nil {
			return nil, err
		}
		mp = append(mp, p)
	}
	return mp, nil
}

func coordErr(err error, want string) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		if ute.Value == "number" || strings.HasPrefix(ute.Value, "number ") {
			return fmt.Errorf("%s is not a float64 number; want %s", ute.Value, want)
		}
		return fmt.Errorf("found %s where a number or array belongs; want %s", ute.Value, want)
	}
	return fmt.Errorf("%v; want %s", err, want)
}

func polygon(c [][][]float64) (orb.Polygon, error) {
	p := make(orb.Polygon, len(c))
	for i, rc := range c {
		r := make(orb.Ring, len(rc))
		for j, pos := range rc {
			if len(pos) < 2 {
				return nil, fmt.Errorf("ring %d, position %d has %d numbers; want [lon,lat]", i, j, len(pos))
			}
			r[j] = orb.Point{pos[0], pos[1]}
		}
		p[i] = r
	}
	return p, nil
}

// crsRE matches the names of WGS 84 longitude/latitude.
var crsRE = regexp.MustCompile(`(?i)^(EPSG:4326|urn:ogc:def:crs:EPSG:[0-9.]*:4326|urn:ogc:def:crs:OGC:1\.3:CRS84|urn:ogc:def:crs:OGC::CRS84|CRS84|OGC:CRS84|WGS84|http://www\.opengis\.net/def/crs/(EPSG/0/4326|OGC/1\.3/CRS84))$`)

// crsIsWGS84 reads a (GeoJSON 2008) crs member and reports whether it
// names WGS 84 longitude/latitude, and the name it gives.
func crsIsWGS84(raw json.RawMessage) (string, bool) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "null", true // null means the default, WGS 84
	}
	var crs struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
			Href string `json:"href"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &crs); err != nil {
		return shorten(string(raw)), false
	}
	name := crs.Properties.Name
	if name == "" {
		name = crs.Properties.Href
	}
	if name == "" {
		return shorten(string(raw)), false
	}
	return fmt.Sprintf("%q", name), crsRE.MatchString(strings.TrimSpace(name))
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// describe names a JSON value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", shorten(v))
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case json.Number:
		return "the number " + shorten(v.String())
	case bool:
		return fmt.Sprintf("%v", v)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func (r *Reader) fail(code, msg string) *Error {
	return &Error{Code: code, Message: msg, Offset: r.dec.InputOffset()}
}

// classify turns decoder errors into *Error with a message saying what to
// fix; errors of the underlying reader pass through.
func (r *Reader) classify(err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	if r.in.tooLarge {
		return &Error{Code: CodeTooLarge, Offset: r.in.n, Message: fmt.Sprintf("the input is larger than the limit of %d bytes: split it into several files", r.opts.MaxBytes)}
	}
	if r.in.featureTooLarge {
		return &Error{Code: CodeTooLarge, Offset: r.in.n, Message: fmt.Sprintf("feature #%d is larger than the limit of %d bytes: simplify it or split it", r.index, r.opts.MaxFeatureBytes)}
	}
	if r.in.err != nil && !errors.Is(r.in.err, io.EOF) {
		return fmt.Errorf("read GeoJSON: %w", r.in.err)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		msg := fmt.Sprintf("not valid JSON: %v", err)
		if strings.Contains(err.Error(), "'N'") || strings.Contains(err.Error(), "'I'") {
			msg += " (NaN and Infinity are not JSON numbers: every coordinate must be a finite number)"
		}
		return &Error{Code: CodeNotJSON, Offset: syn.Offset, Message: msg}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return &Error{Code: CodeNotFeatureCollection, Offset: ute.Offset, Message: fmt.Sprintf("unexpected %s: want a GeoJSON FeatureCollection", ute.Value)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &Error{Code: CodeNotJSON, Offset: r.in.n, Message: "the JSON ends too early: the file is truncated"}
	}
	return &Error{Code: CodeNotJSON, Offset: r.dec.InputOffset(), Message: fmt.Sprintf("not valid JSON: %v", err)}
}

// countingReader counts bytes and enforces the size limits.
type countingReader struct {
	r          io.Reader
	n          int64
	max        int64
	featureMax int64 // 0: none
	err        error

	tooLarge, featureTooLarge bool
}

var errLimit = errors.New("size limit reached")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.max > 0 && c.n >= c.max {
		c.tooLarge = true
		return 0, errLimit
	}
	if c.featureMax > 0 && c.n >= c.featureMax {
		c.featureTooLarge = true
		return 0, errLimit
	}
	if c.max > 0 && int64(len(p)) > c.max-c.n+1 {
		p = p[:c.max-c.n+1] // read one byte past the limit to know it is exceeded
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.max > 0 && c.n > c.max {
		c.tooLarge = true
		c.n = c.max
		return n, errLimit
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}
