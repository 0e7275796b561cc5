package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Usage lists a table of commands (name: summary) in order of name under a
// header.
func Usage[C any](w io.Writer, header string, cmds map[string]C, summary func(C) string) {
	fmt.Fprintln(w, header)
	for _, n := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  %-8s %s\n", n, summary(cmds[n]))
	}
}

// Pick returns the subcommand of `gridd name` that args[0] names in cmds,
// and the arguments after it. With no argument or an unknown one it lists
// the table on w and says so in the error; "help", "-h" and "--help" list
// it and return ok false with no error.
func Pick[C any](w io.Writer, name string, cmds map[string]C, summary func(C) string, args []string) (c C, rest []string, ok bool, err error) {
	if len(args) > 0 {
		if c, ok := cmds[args[0]]; ok {
			return c, args[1:], true, nil
		}
	}
	Usage(w, fmt.Sprintf("usage: gridd %s COMMAND [flags]", name), cmds, summary)
	switch {
	case len(args) == 0:
		return c, nil, false, fmt.Errorf("usage: gridd %s %s", name, strings.Join(slices.Sorted(maps.Keys(cmds)), "|"))
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		return c, nil, false, nil
	}
	return c, nil, false, fmt.Errorf("unknown %s command %q: want %s", name, args[0], strings.Join(slices.Sorted(maps.Keys(cmds)), ", "))
}
