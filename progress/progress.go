// Package progress draws a long command's progress on one line of a
// terminal's stderr: a bar of the bytes read when the input's size is
// known (or of the things done when their number is), and the things
// done. It only writes to the writer it is given.
package progress

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// Reader counts the bytes read through it. The count may be read from
// another goroutine than the one reading (a pipeline's writer drawing the
// bar while its reader reads).
type Reader struct {
	R io.Reader
	n atomic.Int64
}

// Read implements io.Reader.
func (c *Reader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// N is the number of bytes read so far.
func (c *Reader) N() int64 { return c.n.Load() }

// Bar draws the things done (Unit, "rows" when empty) and, when Size > 0,
// the share done: of Size bytes that Read has passed, or, without Read,
// of Size things. With Elapsed (the time since the work began, e.g.
// time.Since of its start), it adds the things done per second.
type Bar struct {
	W       io.Writer
	Size    int64
	Read    *Reader
	Unit    string
	Elapsed func() time.Duration
	drawn   bool
}

// Show redraws the line for n things done.
func (b *Bar) Show(n int) {
	b.drawn = true
	unit := cmp.Or(b.Unit, "rows")
	rate := ""
	if b.Elapsed != nil {
		rate = fmt.Sprintf(", %.0f/s", float64(n)/max(b.Elapsed().Seconds(), 1e-9))
	}
	if b.Size <= 0 {
		fmt.Fprintf(b.W, "\rread %d %s%s", n, unit, rate)
		return
	}
	done := int64(n)
	if b.Read != nil {
		done = b.Read.N()
	}
	frac := min(float64(done)/float64(b.Size), 1)
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(b.W, "\r[%s%s] %3.0f%% %d %s%s", strings.Repeat("#", full), strings.Repeat(" ", width-full), 100*frac, n, unit, rate)
}

// Done ends the line.
func (b *Bar) Done() {
	if b.drawn {
		fmt.Fprintln(b.W)
	}
}
