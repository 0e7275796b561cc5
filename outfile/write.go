package outfile

import (
	"io"
	"os"
)

// Write writes path ("-": stdout) with the file mode perm whole or not at
// all: what write writes becomes the target only when write returns nil.
func Write(path string, stdout io.Writer, perm os.FileMode, write func(w io.Writer) error) error {
	f, err := Create(path, stdout, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}
