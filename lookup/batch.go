package lookup

import (
	"context"
	"fmt"
	"io"
	"mime"

	"github.com/paulmach/orb"
)

// Format is a batch wire format.
type Format int

// The batch formats, chosen by Content-Type.
const (
	FormatCSV     Format = iota + 1 // text/csv: id,lon,lat lines
	FormatJSON                      // application/json: array of [lon,lat] or {id,lon,lat}
	FormatGeoJSON                   // application/geo+json: FeatureCollection of Points
)

// FormatFor maps a Content-Type to a format.
func FormatFor(contentType string) (Format, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return 0, fmt.Errorf("%w: unreadable Content-Type %q", ErrFormat, contentType)
	}
	switch mt {
	case "text/csv", "text/plain", "":
		return FormatCSV, nil
	case "application/json":
		return FormatJSON, nil
	case "application/geo+json", "application/vnd.geo+json":
		return FormatGeoJSON, nil
	}
	return 0, fmt.Errorf("%w: Content-Type %q is not supported; send text/csv (id,lon,lat), application/json or application/geo+json", ErrFormat, mt)
}

// ContentType is the Content-Type of answers in the format.
func (f Format) ContentType() string {
	switch f {
	case FormatJSON:
		return "application/json"
	case FormatGeoJSON:
		return "application/geo+json"
	}
	return "text/csv; charset=utf-8"
}

type decoder interface {
	next(rows []Row) (int, error)
}

type encoder interface {
	write(rows []Row, res []Result) error
	close() error
}

// Stats counts what a batch did.
type Stats struct {
	Rows   int64
	Errors int64
}

// chunk is how many rows are read, resolved and written together: enough
// for sorting by cell to pay off, small enough to keep memory flat.
const chunk = 16 << 10

// Batch reads points in format f from r, answers them with res and writes
// the answers to w in the same format and order. progress, if set, is called
// after every chunk. Memory stays bounded whatever the input size.
func Batch(ctx context.Context, f Format, r io.Reader, w io.Writer, res Resolver, progress func(Stats)) (Stats, error) {
	var dec decoder
	var enc encoder
	switch f {
	case FormatCSV:
		dec, enc = newCSVDecoder(r), newCSVEncoder(w)
	case FormatJSON:
		dec, enc = newJSONDecoder(r, false), newJSONEncoder(w, false, res.Version())
	case FormatGeoJSON:
		dec, enc = newJSONDecoder(r, true), newJSONEncoder(w, true, res.Version())
	default:
		return Stats{}, fmt.Errorf("%w: unknown format %d", ErrFormat, f)
	}
	rows := make([]Row, chunk)
	out := make([]Result, chunk)
	pts := make([]orb.Point, 0, chunk)
	ans := make([]Result, chunk)
	idx := make([]int32, 0, chunk)
	var st Stats
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		n, rerr := dec.next(rows)
		if n > 0 {
			pts, idx = pts[:0], idx[:0]
			for i := range rows[:n] {
				if rows[i].Err == "" {
					pts = append(pts, rows[i].Pt)
					idx = append(idx, int32(i))
				} else {
					st.Errors++
				}
			}
			res.Resolve(pts, ans[:len(pts)])
			for j, i := range idx {
				out[i] = ans[j]
			}
			if err := enc.write(rows[:n], out[:n]); err != nil {
				return st, fmt.Errorf("write answers: %w", err)
			}
			st.Rows += int64(n)
			if progress != nil {
				progress(st)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			// Unflushed answers are dropped: the caller can still answer
			// with an error status when nothing reached the client.
			return st, rerr
		}
	}
	return st, enc.close()
}
