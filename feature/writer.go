package feature

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// Writer writes a GeoJSON FeatureCollection one feature at a time. Call
// Close to finish the collection; nothing is complete before it.
type Writer struct {
	w      *bufio.Writer
	n      int
	closed bool
	buf    []byte
}

// NewWriter returns a Writer of a FeatureCollection to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Count returns the number of features written so far.
func (w *Writer) Count() int { return w.n }

// Write appends one feature. Its Index and Problems are not written.
func (w *Writer) Write(f *Feature) error {
	if w.closed {
		return errors.New("write feature: writer is closed")
	}
	b := w.buf[:0]
	if w.n == 0 {
		b = append(b, `{"type":"FeatureCollection","features":[`...)
		b = append(b, '\n')
	} else {
		b = append(b, ",\n"...)
	}
	b = append(b, `{"type":"Feature"`...)
	if f.ID != nil {
		id, err := json.Marshal(f.ID)
		if err != nil {
			return fmt.Errorf("write feature %d: id: %w", w.n, err)
		}
		b = append(append(b, `,"id":`...), id...)
	}
	props := []byte("null")
	if f.Properties != nil {
		var err error
		if props, err = json.Marshal(f.Properties); err != nil {
			return fmt.Errorf("write feature %d: properties: %w", w.n, err)
		}
	}
	b = append(append(b, `,"properties":`...), props...)
	b = append(b, `,"geometry":`...)
	var err error
	if b, err = AppendGeometry(b, f.Geometry); err != nil {
		return fmt.Errorf("write feature %d: %w", w.n, err)
	}
	b = append(b, '}')
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write feature %d: %w", w.n, err)
	}
	w.n++
	return nil
}

// Close ends the collection (an empty one when nothing was written) and
// flushes it. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.n == 0 {
		w.w.WriteString(`{"type":"FeatureCollection","features":[`)
	}
	w.w.WriteString("\n]}\n")
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("finish feature collection: %w", err)
	}
	return nil
}

// AppendGeometry appends g as a GeoJSON geometry object (null for nil).
// Coordinates are written in the shortest form that reads back exactly.
func AppendGeometry(b []byte, g orb.Geometry) ([]byte, error) {
	switch g := g.(type) {
	case nil:
		return append(b, "null"...), nil
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b, err := appendPoint(b, g)
		return append(b, '}'), err
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b, err := appendPolygon(b, g)
		return append(b, '}'), err
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		var err error
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendPolygon(b, p); err != nil {
				return b, err
			}
		}
		return append(b, "]}"...), nil
	}
	return b, fmt.Errorf("geometry type %s is not supported here", g.GeoJSONType())
}

func appendPolygon(b []byte, p orb.Polygon) ([]byte, error) {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, pt := range r {
			if j > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendPoint(b, pt); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	return append(b, ']'), nil
}

func appendPoint(b []byte, p orb.Point) ([]byte, error) {
	for _, v := range p {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b, fmt.Errorf("coordinate %v is not finite", v)
		}
	}
	b = append(b, '[')
	b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
	return append(b, ']'), nil
}
