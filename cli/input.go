package cli

import (
	"encoding/json"
	"io"
	"os"
)

// OpenInput opens a command's input file, or stdin for "-", and tells its
// size when known (else 0).
func OpenInput(name string, stdin io.Reader) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	return f, size, nil
}

// WriteJSON writes a command's report as indented JSON (its --json).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
