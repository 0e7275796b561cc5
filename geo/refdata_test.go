package geo

// The reference data beside the repository (../shared/data: the real
// Yancheng county outlines, which may not be copied into the project). This
// is the mechanism of gridmap/refdata kept inside geo, whose tests import
// no project package: a test asks for a file with refPath; when it is
// absent (a fresh clone with nothing beside it) the test passes without
// running and TestMain prints one line naming it where `go test ./...`
// shows it.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var refNotRun struct {
	sync.Mutex
	tests, files []string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if len(refNotRun.tests) > 0 {
		sort.Strings(refNotRun.tests)
		sort.Strings(refNotRun.files)
		w, done := visible()
		fmt.Fprintf(w, "gridmap/geo: NOT RUN, passed without running: %s: reference data %s absent from %s "+
			"(real outlines that may not be redistributed: put them in ../shared/data beside the repository, or set GRIDMAP_REFDATA, to run them)\n",
			strings.Join(refNotRun.tests, ", "), strings.Join(refNotRun.files, ", "), refDir())
		done()
	}
	os.Exit(code)
}

// refPath returns the path of the reference file name and true when it is
// there; when it is not, it records the test for TestMain's line and
// returns false, and the test returns without failing.
func refPath(t *testing.T, name string) (string, bool) {
	t.Helper()
	p := filepath.Join(refDir(), name)
	if _, err := os.Stat(p); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("reference data %s: %v", p, err)
		}
		t.Logf("not run: reference data %s is absent", p)
		refNotRun.Lock()
		defer refNotRun.Unlock()
		refNotRun.tests = append(refNotRun.tests, t.Name())
		if !slices.Contains(refNotRun.files, name) {
			refNotRun.files = append(refNotRun.files, name)
		}
		return "", false
	}
	return p, true
}

// refDir returns $GRIDMAP_REFDATA when set, else shared/data beside the
// repository (geo's tests run in geo/, one below the repository).
func refDir() string {
	if d := os.Getenv("GRIDMAP_REFDATA"); d != "" {
		return d
	}
	if abs, err := filepath.Abs(filepath.Join("..", "..", "shared", "data")); err == nil {
		return abs
	}
	return filepath.Join("..", "..", "shared", "data")
}

// visible returns where TestMain's line is seen. In package-list mode (`go
// test ./...`, `go test ./geo`) without -v the go command buffers a test
// binary's stdout and stderr and throws them away when the package passes.
// On Linux the line goes instead to the go command's own stderr when that
// is a terminal, a pipe or a file opened for appending (not a file opened
// with >, whose offset the go command would write over). With -v or -json
// the binary's stderr is shown, so it is used.
func visible() (io.Writer, func()) {
	stderr := func() (io.Writer, func()) { return os.Stderr, func() {} }
	if testing.Verbose() || runtime.GOOS != "linux" {
		return stderr()
	}
	proc := fmt.Sprintf("/proc/%d/", os.Getppid())
	comm, err := os.ReadFile(proc + "comm")
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return stderr()
	}
	fi, err := os.Stat(proc + "fd/2")
	if err != nil {
		return stderr()
	}
	switch {
	case fi.Mode()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
	case fi.Mode().IsRegular() && appending(proc+"fdinfo/2"):
	default:
		return stderr()
	}
	f, err := os.OpenFile(proc+"fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return stderr()
	}
	return f, func() { f.Close() }
}

// appending reports whether the fdinfo file says the descriptor was opened
// with O_APPEND.
func appending(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}
