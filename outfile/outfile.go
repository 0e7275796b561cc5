// Package outfile writes a command's output file whole or not at all: the
// data goes to a temporary file beside the target, renamed over it only
// when complete, so a failed export or batch never leaves half a file
// behind. The path "-" means the command's standard output. It never
// writes the target path itself before Commit.
package outfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is an output being written. Close it (deferred) in any case;
// Commit makes it the target.
type File struct {
	w      io.Writer
	tmp    *os.File
	target string
}

// Create starts writing path ("-": stdout) with the file mode perm (a
// temporary file is private until then).
func Create(path string, stdout io.Writer, perm os.FileMode) (*File, error) {
	if path == "-" || path == "" {
		return &File{w: stdout}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &File{w: tmp, tmp: tmp, target: path}, nil
}

// Write writes to the temporary file (or stdout).
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Commit closes the temporary file and renames it to the target.
func (f *File) Commit() error {
	if f.tmp == nil {
		return nil
	}
	tmp := f.tmp
	f.tmp = nil
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", f.target, err)
	}
	if err := os.Rename(tmp.Name(), f.target); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", f.target, err)
	}
	return nil
}

// Close discards the output unless it was committed.
func (f *File) Close() error {
	if f.tmp == nil {
		return nil
	}
	f.tmp.Close()
	err := os.Remove(f.tmp.Name())
	f.tmp = nil
	return err
}
