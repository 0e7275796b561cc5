// Package refdata is test support for the reference data beside the
// repository (../shared/data: the real Yancheng county outlines, which may
// not be copied into the project). A test asks for a file with Path; when
// the data is there the test runs on it, and when it is not (a fresh clone
// with nothing beside it) the test passes without running and Run prints
// one line naming the tests that did not run and why, where `go test ./...`
// shows it. Production code never imports this package.
package refdata

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// EnvDir names the environment variable that points at the reference data
// when it is not at ../shared/data beside the repository.
const EnvDir = "GRIDMAP_REFDATA"

var (
	mu      sync.Mutex
	running bool
	notRun  = map[string][]string{} // missing file → tests that needed it
)

// Run runs the package's tests and then prints the line naming the tests
// that did not run for want of reference data; it returns m.Run's code.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(refdata.Run(m)) }
func Run(m *testing.M) int {
	mu.Lock()
	running = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	line := notRunLine(pkgPath(), Dir(), notRun)
	mu.Unlock()
	if line != "" {
		w, done := visible()
		fmt.Fprintln(w, line)
		done()
	}
	return code
}

// Path returns the path of the reference file name and true when it is
// there. When it is not, it records the test for Run's line and returns
// false: the test must then return without failing. It fails the test when
// the package's TestMain does not call Run, so a missing file is never
// passed over in silence.
func Path(t testing.TB, name string) (string, bool) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !running {
		t.Fatalf("refdata.Path(%q) in a package whose TestMain does not call refdata.Run: the tests that do not run would not be reported", name)
	}
	p := filepath.Join(Dir(), name)
	if _, err := os.Stat(p); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("reference data %s: %v", p, err)
		}
		t.Logf("not run: reference data %s is absent", p)
		notRun[name] = append(notRun[name], t.Name())
		return "", false
	}
	return p, true
}

// Dir returns the directory of the reference data: $GRIDMAP_REFDATA when
// set, else shared/data beside the repository (the directory above the one
// holding go.mod).
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	root, _ := moduleRoot()
	return filepath.Join(filepath.Dir(root), "shared", "data")
}

// moduleRoot returns the directory holding go.mod above the working
// directory (the package's, under go test) and the working directory's
// path inside it.
func moduleRoot() (root, rel string) {
	wd, err := os.Getwd()
	if err != nil {
		return "..", "."
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			rel, _ := filepath.Rel(d, wd)
			return d, rel
		}
		if filepath.Dir(d) == d {
			return filepath.Dir(wd), "."
		}
	}
}

// pkgPath returns the import path of the package under test, for the line.
func pkgPath() string {
	root, rel := moduleRoot()
	mod := filepath.Base(root)
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
				mod = f[1]
				break
			}
		}
	}
	if rel == "." {
		return mod
	}
	return mod + "/" + filepath.ToSlash(rel)
}

// notRunLine says in one line which tests of pkg did not run for want of
// which files in dir, or "" when every test that asked found its data.
func notRunLine(pkg, dir string, notRun map[string][]string) string {
	if len(notRun) == 0 {
		return ""
	}
	var files, tests []string
	for f, ts := range notRun {
		files = append(files, f)
		tests = append(tests, ts...)
	}
	sort.Strings(files)
	sort.Strings(tests)
	return fmt.Sprintf("%s: NOT RUN, passed without running: %s: reference data %s absent from %s "+
		"(real outlines that may not be redistributed: put them in ../shared/data beside the repository, or set %s, to run them)",
		pkg, strings.Join(tests, ", "), strings.Join(files, ", "), dir, EnvDir)
}

// visible returns where Run's line is seen. In package-list mode (`go test
// ./...`, `go test ./geo`) without -v the go command buffers a test
// binary's stdout and stderr and throws them away when the package passes,
// so a line printed there is never seen. On Linux the line goes instead to
// the go command's own stderr when that is a terminal, a pipe or a file
// opened for appending (not a file opened with >, whose offset the go
// command would write over). With -v or -json (testing.Verbose) the
// binary's stderr is shown, so it is used.
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
