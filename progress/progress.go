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
)

// Reader counts the bytes read through it.
type Reader struct {
	R io.Reader
	N int64
}

// Read implements io.Reader.
func (c *Reader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// Bar draws the things done (Unit, "rows" when empty) and, when Size > 0,
// the share done: of Size bytes that Read has passed, or, without Read,
// of Size things.
type Bar struct {
	W     io.Writer
	Size  int64
	Read  *Reader
	Unit  string
	drawn bool
}

// Show redraws the line for n things done.
func (b *Bar) Show(n int) {
	b.drawn = true
	unit := cmp.Or(b.Unit, "rows")
	if b.Size <= 0 {
		fmt.Fprintf(b.W, "\rread %d %s", n, unit)
		return
	}
	done := int64(n)
	if b.Read != nil {
		done = b.Read.N
	}
	frac := min(float64(done)/float64(b.Size), 1)
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(b.W, "\r[%s%s] %3.0f%% %d %s", strings.Repeat("#", full), strings.Repeat(" ", width-full), 100*frac, n, unit)
}

// Done ends the line.
func (b *Bar) Done() {
	if b.drawn {
		fmt.Fprintln(b.W)
	}
}
