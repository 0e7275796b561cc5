package main

import (
	"fmt"
	"io"
	"time"

	"gridmap/cli"
	"gridmap/outfile"
	"gridmap/progress"
)

// openBatch opens a batch's input file (- for stdin), before the command
// builds its index: a wrong name is told at once.
func openBatch(e *env, in string) (io.ReadCloser, int64, error) {
	r, size, err := cli.OpenInput(in, e.stdin)
	if err != nil {
		return nil, 0, fmt.Errorf("open input: %w", err)
	}
	return r, size, nil
}

// codeFile runs a batch (lookup, geocode) from r (of size bytes, 0 when
// unknown) to the file out (- for stdout) with a progress bar of unit on
// stderr, and returns how long it took. batch reads r, writes w and calls
// show with the rows done so far.
func codeFile(e *env, r io.Reader, size int64, out, unit string, batch func(r io.Reader, w io.Writer, show func(rows int)) error) (time.Duration, error) {
	start := time.Now()
	cr := &progress.Reader{R: r}
	bar := progress.Bar{W: e.stderr, Size: size, Read: cr, Unit: unit, Elapsed: func() time.Duration { return time.Since(start) }}
	err := outfile.Write(out, e.stdout, 0o644, func(w io.Writer) error { return batch(cr, w, bar.Show) })
	bar.Done()
	return time.Since(start), err
}
