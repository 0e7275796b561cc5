package cli

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// NewFlags returns a flag set for the command `gridd name` whose usage
// (synopsis, then the flags) and errors go to w.
func NewFlags(w io.Writer, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: gridd %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses a command's flags and refuses positional arguments (a
// command that takes none has them by mistake: a flag's value split off,
// or flags after a word).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (see gridd %[1]s -h)", fs.Name(), fs.Args())
	}
	return nil
}

// ParseInterleaved parses flags that may come before or after the
// positional arguments ("gridd import FILE --dry-run") and returns the
// positional ones in order.
func ParseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// Time is a flag value holding an RFC 3339 time; zero when not given.
type Time struct{ time.Time }

// String returns the time in RFC 3339, or "" when it is zero.
func (t *Time) String() string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// Set parses s as RFC 3339, saying what it wants when s is not.
func (t *Time) Set(s string) error {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%q: want RFC 3339 like 2026-01-01T00:00:00+08:00", s)
	}
	t.Time = v
	return nil
}
