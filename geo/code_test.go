package geo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Code
		level   Level
		errPart string
	}{
		{in: "3209", want: "320900000000", level: LevelCity},
		{in: "320902", want: "320902000000", level: LevelCounty},
		{in: "320971", want: "320971000000", level: LevelCounty},
		{in: "320902001", want: "320902001000", level: LevelTown},
		{in: "320902001001", want: "320902001001", level: LevelVillage},
		{in: "320902001000", want: "320902001000", level: LevelTown},
		{in: "320902001001003", want: "320902001001003", level: LevelGrid},
		{in: "32090200100100301", want: "32090200100100301", level: LevelSubGrid},
		{in: "", errPart: "empty"},
		{in: "32090a", errPart: "character 6 is not a digit"},
		{in: " 320902", errPart: "not a digit"},
		{in: "32090", errPart: "has 5 digits"},
		{in: "3209020010010", errPart: "has 13 digits"},
		{in: "0009", errPart: "province part"},
		{in: "320902001000001", errPart: "must extend a village code"},
		{in: "320902001001000", errPart: "grid sequence"},
		{in: "32090200100100100", errPart: "sub-grid sequence"},
		{in: "3200", errPart: "city part"},
		{in: "320000000000", errPart: "city part"},
		{in: "３２０９", errPart: "not a digit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCode(tt.in)
			if tt.errPart != "" {
				var ce *CodeError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("ParseCode(%q) = %q, %v; want a CodeError containing %q", tt.in, got, err, tt.errPart)
				}
				return
			}
			if err != nil || got != tt.want || got.Level() != tt.level {
				t.Fatalf("ParseCode(%q) = %q (level %v), %v; want %q (level %v)", tt.in, got, got.Level(), err, tt.want, tt.level)
			}
		})
	}
}

// TestCodeUnmarshalText decodes codes from JSON in the forms people type:
// each valid one becomes its canonical 12-, 15- or 17-digit form, in
// fields, lists and map keys; anything else stays as given for the
// validation that follows.
func TestCodeUnmarshalText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{in: "3209", want: "320900000000"},
		{in: "320900", want: "320900000000"},
		{in: "320902", want: "320902000000"},
		{in: "320902000000", want: "320902000000"},
		{in: "320902001", want: "320902001000"},
		{in: "320902001000", want: "320902001000"},
		{in: "320902001001", want: "320902001001"},
		{in: "320902001001003", want: "320902001001003"},
		{in: "32090200100100301", want: "32090200100100301"},
		{in: "", want: ""},
		{in: "@1.2", want: "@1.2"},
		{in: "32090", want: "32090"},
		{in: " 320902", want: " 320902"},
		{in: "320902001001000", want: "320902001001000"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in, _ := json.Marshal(tt.in)
			var v struct {
				C    Code          `json:"c"`
				List []Code        `json:"list"`
				Keys map[Code]bool `json:"keys"`
			}
			body := `{"c":` + string(in) + `,"list":[` + string(in) + `],"keys":{` + string(in) + `:true}}`
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if v.C != Code(tt.want) || len(v.List) != 1 || v.List[0] != Code(tt.want) || !v.Keys[Code(tt.want)] {
				t.Fatalf("decode %s = %+v; want %q everywhere", body, v, tt.want)
			}
		})
	}
}

func TestCodeAncestors(t *testing.T) {
	t.Parallel()
	c := MustParseCode("32090200100100301")
	tests := []struct {
		got, want Code
	}{
		{c.Ancestor(LevelCity), "320900000000"},
		{c.County(), "320902000000"},
		{c.Town(), "320902001000"},
		{c.Village(), "320902001001"},
		{c.Ancestor(LevelGrid), "320902001001003"},
		{c.Parent(), "320902001001003"},
		{MustParseCode("320902001001003").Parent(), "320902001001"},
		{MustParseCode("320902001001").Parent(), "320902001000"},
		{MustParseCode("320902001").Parent(), "320902000000"},
		{MustParseCode("320902").Parent(), "320900000000"},
		{MustParseCode("3209").Parent(), ""},
		{MustParseCode("320902").Village(), ""},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
	if got := MustParseCode("320902").Short(); got != "320902" {
		t.Errorf("Short = %q", got)
	}
	if got := c.Seq(); got != 1 {
		t.Errorf("sub-grid Seq = %d, want 1", got)
	}
	if got := MustParseCode("320902001001003").Seq(); got != 3 {
		t.Errorf("grid Seq = %d, want 3", got)
	}
}

func TestGridCode(t *testing.T) {
	t.Parallel()
	v := MustParseCode("320902001001")
	if g, err := GridCode(v, 7); err != nil || g != "320902001001007" {
		t.Fatalf("GridCode = %q, %v", g, err)
	}
	if _, err := GridCode(v, 0); err == nil {
		t.Error("seq 0 accepted")
	}
	if _, err := GridCode(v, 1000); err == nil {
		t.Error("seq 1000 accepted")
	}
	if _, err := GridCode(MustParseCode("320902001"), 1); err == nil {
		t.Error("town accepted as village")
	}
	g := MustParseCode("320902001001007")
	if s, err := SubGridCode(g, 12); err != nil || s != "32090200100100712" {
		t.Fatalf("SubGridCode = %q, %v", s, err)
	}
	if _, err := SubGridCode(g, 100); err == nil {
		t.Error("sub-grid seq 100 accepted")
	}
}

func TestCodeIDUnique(t *testing.T) {
	t.Parallel()
	codes := []string{"320902", "320902000000", "320902001", "320902001001", "320902001001001", "32090200100100101", "320902001001010"}
	seen := map[uint64]Code{}
	for _, s := range codes {
		c := MustParseCode(s)
		if prev, dup := seen[c.ID()]; dup && prev != c {
			t.Fatalf("ID collision: %s and %s", prev, c)
		}
		seen[c.ID()] = c
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"3209", "320902001001003", "32090200100100301", "", "x", "320902001001000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		// Text decoding gives the canonical code, or the text as given.
		var u Code
		if u.UnmarshalText([]byte(s)); (err == nil && u != c) || (err != nil && u != Code(s)) {
			t.Fatalf("UnmarshalText(%q) = %q; ParseCode gives %q, %v", s, u, c, err)
		}
		if err != nil {
			if c != "" {
				t.Fatalf("error with non-empty code %q", c)
			}
			return
		}
		if c.Level() == LevelUnknown {
			t.Fatalf("accepted %q with unknown level", s)
		}
		// Canonical codes parse to themselves.
		again, err := ParseCode(string(c))
		if err != nil || again != c {
			t.Fatalf("canonical %q reparsed as %q, %v", c, again, err)
		}
		if p := c.Parent(); p != "" {
			if _, err := ParseCode(string(p)); err != nil {
				t.Fatalf("parent %q of %q invalid: %v", p, c, err)
			}
		}
		// The short form people type names the same code.
		if short, err := ParseCode(c.Short()); err != nil || short != c {
			t.Fatalf("short form %q of %q parsed as %q, %v", c.Short(), c, short, err)
		}
	})
}
