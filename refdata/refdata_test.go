package refdata

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoTestShowsNotRun runs `go test` in package-list mode, as `./dev
// test` and CI do, on a package whose test needs a reference file: absent,
// the package passes and the line naming the test is in the go command's
// output; present, the test runs (wrong content fails it) and there is no
// line; without Run in TestMain, asking for the file fails.
func TestGoTestShowsNotRun(t *testing.T) {
	t.Parallel()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH (go test puts it there): %v", err)
	}
	cases := []struct {
		name    string
		pkg     string
		file    string // content of outlines.geojson; "" for absent
		pass    bool
		notRun  bool   // want the NOT RUN line
		message string // want this in the output too
	}{
		{name: "absent", pkg: "./testdata/absent", pass: true, notRun: true},
		{name: "present", pkg: "./testdata/absent", file: "outlines", pass: true},
		{name: "present, wrong content: it ran", pkg: "./testdata/absent", file: "other", message: `want "outlines"`},
		{name: "no Run in TestMain", pkg: "./testdata/nomain", message: "does not call refdata.Run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "outlines.geojson"), []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(goCmd, "test", "-count=1", tc.pkg)
			cmd.Env = append(os.Environ(), EnvDir+"="+dir)
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.pass {
				t.Fatalf("go test %s: %v, want pass %v; output:\n%s", tc.pkg, err, tc.pass, out)
			}
			line := "refdata/testdata/absent: NOT RUN, passed without running: TestNeedsOutlines: reference data outlines.geojson absent from " + dir
			want := 0
			if tc.notRun {
				want = 1
			}
			if got := strings.Count(string(out), line); got != want {
				t.Errorf("the NOT RUN line is in the output %d times, want %d; output:\n%s", got, want, out)
			}
			if !strings.Contains(string(out), tc.message) {
				t.Errorf("output lacks %q:\n%s", tc.message, out)
			}
		})
	}
}

func TestNotRunLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		notRun map[string][]string
		want   string
	}{
		{name: "all ran", want: ""},
		{
			name:   "tests and files sorted into one line",
			notRun: map[string][]string{"b.geojson": {"TestB"}, "a.geojson": {"TestC", "TestA"}},
			want: "gridmap/x: NOT RUN, passed without running: TestA, TestB, TestC: reference data a.geojson, b.geojson absent from /d " +
				"(real outlines that may not be redistributed: put them in ../shared/data beside the repository, or set GRIDMAP_REFDATA, to run them)",
		},
	}
	for _, tc := range cases {
		if got := notRunLine("gridmap/x", "/d", tc.notRun); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestDir(t *testing.T) {
	root, rel := moduleRoot()
	if rel != "refdata" {
		t.Fatalf("module root %s, package at %q; want refdata", root, rel)
	}
	if got := pkgPath(); got != "gridmap/refdata" {
		t.Errorf("pkgPath() = %q; want gridmap/refdata", got)
	}
	t.Setenv(EnvDir, "")
	if got, want := Dir(), filepath.Join(filepath.Dir(root), "shared", "data"); got != want {
		t.Errorf("Dir() = %q; want %q (shared/data beside the repository)", got, want)
	}
	t.Setenv(EnvDir, "/elsewhere")
	if got := Dir(); got != "/elsewhere" {
		t.Errorf("Dir() with %s=/elsewhere = %q", EnvDir, got)
	}
}
