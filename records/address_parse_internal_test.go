package records

import "testing"

// normalizeAddress's shortcut (a text already in its normal form comes
// back as it is) must give what the full folding gives.
func TestNormalizeAddressShortcut(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "盐城市亭湖区五星街道解放南路12号3幢2单元501室", "ABC-12号", "12之1号", "新街村3组",
		"解放南路１２号", "解放 南路12号", "解放\u3000南路", "12\u00a0号", "12—1号", "12–1号", "12‐1号", "12－1号",
		"ｶﾀｶﾅ", "张·三", "a\x7fb", "\xff\xfe", "〇一二", "㐀路", "𠀀路", "Ａ座", "tab\there", "line\nbreak",
	} {
		if got, want := normalizeAddress(s), foldAddress(s); got != want {
			t.Errorf("normalizeAddress(%q) = %q, the full folding gives %q", s, got, want)
		}
	}
}

// FuzzNormalizeAddressShortcut holds the shortcut against the full
// folding on any text.
func FuzzNormalizeAddressShortcut(f *testing.F) {
	f.Add("盐城市亭湖区五星街道解放南路12号3幢2单元501室")
	f.Add("解放南路１２号")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalizeAddress(s), foldAddress(s); got != want {
			t.Errorf("normalizeAddress(%q) = %q, the full folding gives %q", s, got, want)
		}
	})
}
