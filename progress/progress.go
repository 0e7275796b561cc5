// Package progress draws a long command's progress on one line of a
// terminal's stderr: a bar of the bytes read when the input's size is
// known, and the rows done. It only writes to the writer it is given.
package progress

import (
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

// Bar draws rows done and, when Size > 0, the share of Size that Read has
// passed.
type Bar struct {
	W     io.Writer
	Size  int64
	Read  *Reader
	drawn bool
}

// Show redraws the line for rows done.
func (b *Bar) Show(rows int) {
	b.drawn = true
	if b.Size <= 0 || b.Read == nil {
		fmt.Fprintf(b.W, "\rread %d rows", rows)
		return
	}
	frac := min(float64(b.Read.N)/float64(b.Size), 1)
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(b.W, "\r[%s%s] %3.0f%% %d rows", strings.Repeat("#", full), strings.Repeat(" ", width-full), 100*frac, rows)
}

// Done ends the line.
func (b *Bar) Done() {
	if b.drawn {
		fmt.Fprintln(b.W)
	}
}
