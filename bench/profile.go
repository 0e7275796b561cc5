package bench

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// CPUProfile writes a CPU profile of the whole process (in-process servers
// included) to path until stop is called; with no path it does nothing.
func CPUProfile(path string) (stop func(), _ error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// profiled runs f under a CPU profile written to path (none when empty).
func profiled(path string, f func() error) error {
	stop, err := CPUProfile(path)
	if err != nil {
		return err
	}
	defer stop()
	return f()
}
