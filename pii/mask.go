package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The masks for reads. Each keeps only what lets a reader tell records
// apart and shows nothing it cannot vouch for: a value that does not have
// the expected shape is masked whole. They never fail and always return
// valid UTF-8.

// MaskName keeps the first character of a name and puts one * for every
// other character: 王小明 → 王**. A one-character name is masked whole (*),
// since its first character is all of it.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	first, size := utf8.DecodeRuneInString(name)
	rest := utf8.RuneCountInString(name[size:])
	if rest == 0 || first == utf8.RuneError || !unicode.IsLetter(first) {
		return strings.Repeat("*", rest+1)
	}
	return string(first) + strings.Repeat("*", rest)
}

// MaskIDNumber keeps the region code and the sequence of an ID number and
// hides the birth date: an 18-character number keeps its first 6 and last
// 4 (320902********1234), a 15-character old number its first 6 and last 3
// (320902******123). Any other length is masked whole.
//
// The hidden part is exactly the birth date, so a read that shows a masked
// ID number must not show the birth date beside it (show the age or the
// year instead).
func MaskIDNumber(id string) string {
	r := []rune(strings.TrimSpace(id))
	keepHead, keepTail := 0, 0
	switch len(r) {
	case 18:
		keepHead, keepTail = 6, 4
	case 15:
		keepHead, keepTail = 6, 3
	}
	var b strings.Builder
	for i, c := range r {
		if i < keepHead || i >= len(r)-keepTail {
			b.WriteRune(visible(c))
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// visible is c, or * when c is not something a reader can be shown
// (invalid UTF-8 decodes as U+FFFD, controls would garble a page).
func visible(c rune) rune {
	if c == utf8.RuneError || !unicode.IsPrint(c) {
		return '*'
	}
	return c
}

// MaskPhone masks a phone number read from its digits (spaces, dashes,
// brackets and a +86 or 0086 prefix are dropped):
//   - a mobile number (11 digits from 1) keeps its first 3 and last 4:
//     139****5678;
//   - a landline with its area code (0 and 2 or 3 more digits, then 7 or 8)
//     keeps the area code and at most the last 4 of the local number,
//     hiding at least 4: 0515-****1234, 010-****567;
//   - anything else hides at least 4 digits and shows at most the last 4
//     (a number of 4 digits or fewer is hidden whole).
//
// A value with no digit at all masks as ****.
func MaskPhone(phone string) string {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return ""
	}
	d := digits(phone)
	switch {
	case strings.HasPrefix(phone, "+86") || strings.HasPrefix(phone, "＋86"):
		d = strings.TrimPrefix(d, "86")
	case strings.HasPrefix(d, "0086"):
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(d, "861"):
		d = d[2:]
	}
	if d == "" {
		return "****"
	}
	if len(d) == 11 && d[0] == '1' {
		return d[:3] + "****" + d[7:]
	}
	if d[0] == '0' && len(d) >= 10 && len(d) <= 12 {
		area := 4
		if d[1] == '1' || d[1] == '2' {
			area = 3
		}
		if local := len(d) - area; local == 7 || local == 8 {
			return d[:area] + "-" + maskTail(d[area:])
		}
	}
	return maskTail(d)
}

// maskTail hides all but the last min(4, len-4) digits of d.
func maskTail(d string) string {
	show := min(4, max(0, len(d)-4))
	return strings.Repeat("*", len(d)-show) + d[len(d)-show:]
}

// digits returns the decimal digits of s (full-width ones as ASCII).
func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= '０' && c <= '９':
			b.WriteRune('0' + c - '０')
		}
	}
	return b.String()
}
