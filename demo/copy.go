package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// copyBuf appends the fields of PostgreSQL's binary COPY format to b: the
// demo's bulk tables are written that way, rows made in Go, so that
// PostgreSQL only stores them (no parsing, no SQL functions per row).
type copyBuf struct{ b []byte }

var be = binary.BigEndian

// row starts a tuple of n fields.
func (c *copyBuf) row(n int) { c.b = be.AppendUint16(c.b, uint16(n)) }

func (c *copyBuf) int8(v int64) {
	c.b = be.AppendUint32(c.b, 8)
	c.b = be.AppendUint64(c.b, uint64(v))
}

func (c *copyBuf) int2(v int16) {
	c.b = be.AppendUint32(c.b, 2)
	c.b = be.AppendUint16(c.b, uint16(v))
}

func (c *copyBuf) text(s string) {
	c.b = be.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

// textBytes is text from a byte slice (the texts composed per row).
func (c *copyBuf) textBytes(s []byte) {
	c.b = be.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

// point is a geometry(Point, 4326) as EWKB (little-endian, SRID flag).
func (c *copyBuf) point(p orb.Point) {
	le := binary.LittleEndian
	c.b = be.AppendUint32(c.b, 25)
	c.b = append(c.b, 1)
	c.b = le.AppendUint32(c.b, 0x20000001)
	c.b = le.AppendUint32(c.b, 4326)
	c.b = le.AppendUint64(c.b, math.Float64bits(p[0]))
	c.b = le.AppendUint64(c.b, math.Float64bits(p[1]))
}

// pgMicros is t as PostgreSQL's binary timestamptz: microseconds since
// 2000-01-01 UTC.
func pgMicros(t time.Time) int64 { return t.Sub(pgEpoch).Microseconds() }

func (c *copyBuf) timestamptz(t time.Time) { c.int8(pgMicros(t)) }

// openRange is the tstzrange [t, ∞).
func (c *copyBuf) openRange(t time.Time) {
	const lowerInclusive, upperInfinite = 0x02, 0x10
	c.b = be.AppendUint32(c.b, 1+4+8)
	c.b = append(c.b, lowerInclusive|upperInfinite)
	c.b = be.AppendUint32(c.b, 8)
	c.b = be.AppendUint64(c.b, uint64(pgMicros(t)))
}

// hundredths is the numeric v/100 with two decimals, for 1 ≤ v/100 <
// 10,000: two base-10,000 digits, the integer part and the cents.
func (c *copyBuf) hundredths(v int) {
	c.b = be.AppendUint32(c.b, 2*4+2*2)
	c.b = be.AppendUint16(c.b, 2)                 // ndigits
	c.b = be.AppendUint16(c.b, 0)                 // weight: the first digit is units
	c.b = be.AppendUint16(c.b, 0)                 // sign: positive
	c.b = be.AppendUint16(c.b, 2)                 // dscale
	c.b = be.AppendUint16(c.b, uint16(v/100))     // integer part
	c.b = be.AppendUint16(c.b, uint16(v%100*100)) // cents as the next base-10,000 digit
}

// copyBinary writes n rows, each encoded by enc, with one binary COPY
// (stmt: COPY … FROM STDIN (FORMAT binary)) on the demo's transaction:
// a goroutine encodes while PostgreSQL stores what it sent before.
func (d *demoRun) copyBinary(ctx context.Context, stmt string, n int, enc func(c *copyBuf, i int)) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	pr, pw := io.Pipe()
	go func() {
		c := &copyBuf{b: make([]byte, 0, 1<<20)}
		c.b = append(c.b, copyHeader...)
		for i := range n {
			enc(c, i)
			if len(c.b) >= 1<<20-4096 {
				if _, err := pw.Write(c.b); err != nil {
					return // the COPY failed and closed the pipe
				}
				c.b = c.b[:0]
			}
		}
		c.b = be.AppendUint16(c.b, 0xffff) // the trailer
		if _, err := pw.Write(c.b); err != nil {
			return
		}
		pw.Close()
	}()
	tag, err := d.tx.Conn().PgConn().CopyFrom(ctx, pr, stmt)
	pr.CloseWithError(io.ErrClosedPipe) // unblocks the encoder when the COPY failed
	if err != nil {
		return 0, fmt.Errorf("%w\nin: %s", err, firstLine(stmt))
	}
	return tag.RowsAffected(), nil
}
