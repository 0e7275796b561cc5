package lookup

import (
	"context"
	"fmt"
	"io"
	"mime"
	"sync/atomic"

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
	// next fills rows and returns how many it read; io.EOF once the input
	// is exhausted (possibly with n > 0). Strings it hands out may live in
	// arena (grown and returned): they stay valid until that arena is
	// passed to next again.
	next(rows []Row, arena []byte) (int, []byte, error)
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

// inFlight is how many chunks a batch holds at most: one being read, one
// being resolved, one being written, and one spare so no stage waits for
// a buffer. It bounds a batch's memory (about 3 MB a chunk).
const inFlight = 4

// batchChunk is one chunk of rows and its answers.
type batchChunk struct {
	rows  []Row
	n     int
	errs  int64 // rows with an error
	arena []byte
	pts   []orb.Point
	idx   []int32
	ans   []Result
	out   []Result
}

func newBatchChunk() *batchChunk {
	return &batchChunk{rows: make([]Row, chunk), pts: make([]orb.Point, 0, chunk),
		idx: make([]int32, 0, chunk), ans: make([]Result, chunk), out: make([]Result, chunk)}
}

// resolve answers the chunk's readable rows into out.
func (c *batchChunk) resolve(res Resolver) {
	c.pts, c.idx = c.pts[:0], c.idx[:0]
	for i := range c.rows[:c.n] {
		if c.rows[i].Err == "" {
			c.pts = append(c.pts, c.rows[i].Pt)
			c.idx = append(c.idx, int32(i))
		}
	}
	res.Resolve(c.pts, c.ans[:len(c.pts)])
	for j, i := range c.idx {
		c.out[i] = c.ans[j]
	}
}

// Batch reads points in format f from r, answers them with res and writes
// the answers to w in the same format and order. progress, if set, is called
// after every chunk (from another goroutine, one call at a time). Memory
// stays bounded whatever the input size.
//
// Reading, resolving and writing run as a pipeline of three goroutines
// passing chunks of rows, so on several cores the parsing of one chunk
// overlaps the lookups of the previous one and the encoding of the one
// before. r is only read on the calling goroutine and w only written by
// one goroutine, which has finished when Batch returns; res is used by one
// goroutine at a time.
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
	free := make(chan *batchChunk, inFlight)
	toResolve := make(chan *batchChunk, inFlight)
	toWrite := make(chan *batchChunk, inFlight)
	type result struct {
		st  Stats
		err error
	}
	done := make(chan result, 1)
	var failed atomic.Bool // the writer stopped: stop reading
	go func() {
		for c := range toResolve {
			c.resolve(res)
			toWrite <- c
		}
		close(toWrite)
	}()
	go func() {
		var st Stats
		var werr error
		for c := range toWrite {
			if werr == nil {
				if werr = enc.write(c.rows[:c.n], c.out[:c.n]); werr != nil {
					werr = fmt.Errorf("write answers: %w", werr)
					failed.Store(true)
				} else {
					st.Rows += int64(c.n)
					st.Errors += c.errs
					if progress != nil {
						progress(st)
					}
				}
			}
			free <- c
		}
		done <- result{st, werr}
	}()

	made := 0
	var rerr error
	for rerr == nil {
		if err := ctx.Err(); err != nil {
			rerr = err
			break
		}
		if failed.Load() {
			break
		}
		var c *batchChunk
		select {
		case c = <-free:
		default:
			if made < inFlight {
				c = newBatchChunk()
				made++
			} else {
				c = <-free
			}
		}
		c.n, c.arena, rerr = dec.next(c.rows, c.arena[:0])
		c.errs = 0
		for i := range c.rows[:c.n] {
			if c.rows[i].Err != "" {
				c.errs++
			}
		}
		if c.n > 0 {
			toResolve <- c
		} else {
			free <- c
		}
	}
	close(toResolve)
	out := <-done
	switch {
	case out.err != nil:
		return out.st, out.err
	case rerr != io.EOF:
		// Unflushed answers are dropped: the caller can still answer
		// with an error status when nothing reached the client.
		return out.st, rerr
	}
	return out.st, enc.close()
}
