package pii_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"gridmap/pii"
)

func TestMaskName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"王小明", "王**"},
		{"王五", "王*"},
		{"欧阳娜娜", "欧***"},
		{"王", "*"},
		{"", ""},
		{"   ", ""},
		{" 李四 ", "李*"},
		{"买买提·艾力", "买*****"},
		{"John Smith", "J*********"},
		{"1号", "**"},
		{"\xff王", "**"},
		{"王\xff\xfe", "王**"},
		{"\u200b王五", "***"},
	}
	for _, tt := range tests {
		if got := pii.MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"320902199001011234", "320902********1234"},
		{"32090219900101123X", "320902********123X"},
		{" 32090219900101123x\n", "320902********123x"},
		{"320902900101123", "320902******123"}, // 15-digit old number: the 6-digit birth date hidden
		{"3209021990010112", "****************"},
		{"1234", "****"},
		{"", ""},
		{"３２０９０２１９９００１０１１２３４", "３２０９０２********１２３４"},
		{"32090\x0019900101123\xff", "32090*********123*"},
		{"E12345678", "*********"}, // a passport number: nothing shown
	}
	for _, tt := range tests {
		if got := pii.MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"13912345678", "139****5678"},
		{"139 1234 5678", "139****5678"},
		{"139-1234-5678", "139****5678"},
		{"+86 139 1234 5678", "139****5678"},
		{"+8613912345678", "139****5678"},
		{"008613912345678", "139****5678"},
		{"8613912345678", "139****5678"},
		{"１３９１２３４５６７８", "139****5678"},
		{"0515-88881234", "0515-****1234"},
		{"(0515)88881234", "0515-****1234"},
		{"051588881234", "0515-****1234"},
		{"0515-8888123", "0515-****123"},
		{"010-12345678", "010-****5678"},
		{"025 8888 1234", "025-****1234"},
		{"88881234", "****1234"}, // a local number without its area code
		{"8888123", "****123"},
		{"0515-88881234-801", "***********4801"}, // with an extension: not a plain landline
		{"12345", "****5"},
		{"110", "***"},
		{"", ""},
		{"无", "****"},
		{"\xff\xfe", "****"},
	}
	for _, tt := range tests {
		if got := pii.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMask: no mask panics, every mask is valid UTF-8, and none shows
// more than its rule allows, whatever the input.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"王小明", "王", "320902199001011234", "320902900101123", "13912345678",
		"+86 139 1234 5678", "0515-88881234", "010-1234567", "\xff", "", "１３９１２３４５６７８", "0086"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		trimmed := strings.TrimSpace(s)
		// Name: as many runes as the input, at most the first not a *.
		name := pii.MaskName(s)
		if !utf8.ValidString(name) {
			t.Fatalf("MaskName(%q) = %q: not UTF-8", s, name)
		}
		if n := utf8.RuneCountInString(trimmed); utf8.RuneCountInString(name) != n {
			t.Fatalf("MaskName(%q) = %q: %d runes, want %d", s, name, utf8.RuneCountInString(name), n)
		}
		if shown := utf8.RuneCountInString(strings.ReplaceAll(name, "*", "")); shown > 1 ||
			(utf8.RuneCountInString(trimmed) == 1 && shown > 0) {
			t.Fatalf("MaskName(%q) = %q shows %d characters", s, name, shown)
		}
		// ID number: only an 18- or 15-character value shows anything,
		// and never its birth date positions.
		id := pii.MaskIDNumber(s)
		if !utf8.ValidString(id) {
			t.Fatalf("MaskIDNumber(%q) = %q: not UTF-8", s, id)
		}
		in, out := []rune(trimmed), []rune(id)
		if len(in) != len(out) {
			t.Fatalf("MaskIDNumber(%q) = %q: %d runes, want %d", s, id, len(out), len(in))
		}
		hidden := map[int][2]int{18: {6, 14}, 15: {6, 12}}
		for i, c := range out {
			lim, known := hidden[len(in)]
			mustHide := !known || (i >= lim[0] && i < lim[1])
			if c != '*' && (mustHide || c != in[i]) {
				t.Fatalf("MaskIDNumber(%q) = %q shows %q at %d", s, id, c, i)
			}
		}
		// Phone: at least 4 digits hidden (all when 4 or fewer); nothing
		// but digits, * and the area code's dash.
		ph := pii.MaskPhone(s)
		if !utf8.ValidString(ph) {
			t.Fatalf("MaskPhone(%q) = %q: not UTF-8", s, ph)
		}
		nd, shown := 0, 0
		for _, c := range s {
			if c >= '0' && c <= '9' || c >= '０' && c <= '９' {
				nd++
			}
		}
		for _, c := range ph {
			switch {
			case c >= '0' && c <= '9':
				shown++
			case c != '*' && c != '-':
				t.Fatalf("MaskPhone(%q) = %q holds %q", s, ph, c)
			}
		}
		if shown > max(0, nd-4) {
			t.Fatalf("MaskPhone(%q) = %q shows %d of %d digits", s, ph, shown, nd)
		}
	})
}
