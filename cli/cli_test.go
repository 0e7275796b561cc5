package cli_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"gridmap/cli"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		n       int
		wantErr string
	}{
		{nil, 0, ""},
		{[]string{"-n", "3"}, 3, ""},
		{[]string{"-n", "3", "extra"}, 3, "takes no arguments"},
		{[]string{"-x"}, 0, "not defined"},
	} {
		var out bytes.Buffer
		fs := cli.NewFlags(&out, "thing", "[-n N]")
		n := fs.Int("n", 0, "a number")
		err := cli.Parse(fs, tc.args)
		if tc.wantErr == "" && (err != nil || *n != tc.n) || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Parse(%q) = %v, n %d; want n %d, error %q", tc.args, err, *n, tc.n, tc.wantErr)
		}
		if tc.wantErr == "not defined" && !strings.Contains(out.String(), "usage: gridd thing [-n N]") {
			t.Errorf("usage not printed on a bad flag: %q", out.String())
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rest []string
		dry  bool
	}{
		{[]string{"a.json"}, []string{"a.json"}, false},
		{[]string{"a.json", "--dry"}, []string{"a.json"}, true},
		{[]string{"--dry", "a", "b"}, []string{"a", "b"}, true},
		{nil, nil, false},
	} {
		fs := cli.NewFlags(&bytes.Buffer{}, "import", "")
		dry := fs.Bool("dry", false, "")
		rest, err := cli.ParseInterleaved(fs, tc.args)
		if err != nil || !slices.Equal(rest, tc.rest) || *dry != tc.dry {
			t.Errorf("ParseInterleaved(%q) = %q, %v, dry %v; want %q, dry %v", tc.args, rest, err, *dry, tc.rest, tc.dry)
		}
	}
}

func TestTime(t *testing.T) {
	var at cli.Time
	if at.String() != "" {
		t.Errorf("zero Time prints %q", at.String())
	}
	if err := at.Set("2026-01-01T00:00:00+08:00"); err != nil || !at.Equal(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Set: %v, %v", err, at.Time)
	}
	if err := at.Set("yesterday"); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("Set(yesterday) = %v, want an error naming RFC 3339", err)
	}
}

func TestPick(t *testing.T) {
	cmds := map[string]int{"create": 1, "list": 2, "revoke": 3}
	summary := func(int) string { return "does it" }
	for _, tc := range []struct {
		args    []string
		want    int
		rest    []string
		ok      bool
		wantErr string
	}{
		{[]string{"list"}, 2, nil, true, ""},
		{[]string{"revoke", "7"}, 3, []string{"7"}, true, ""},
		{nil, 0, nil, false, "usage: gridd token create|list|revoke"},
		{[]string{"mint"}, 0, nil, false, `unknown token command "mint": want create, list, revoke`},
		{[]string{"help"}, 0, nil, false, ""},
	} {
		var out bytes.Buffer
		c, rest, ok, err := cli.Pick(&out, "token", cmds, summary, tc.args)
		if c != tc.want || !slices.Equal(rest, tc.rest) || ok != tc.ok || (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
			t.Errorf("Pick(%q) = %d, %q, %v, %v; want %d, %q, %v, %q", tc.args, c, rest, ok, err, tc.want, tc.rest, tc.ok, tc.wantErr)
		}
		if !ok && !strings.Contains(out.String(), "  list     does it") {
			t.Errorf("Pick(%q) listed %q", tc.args, out.String())
		}
	}
}
