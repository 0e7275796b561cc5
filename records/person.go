package records

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// The problems of a name or a phone; test with errors.Is. Their errors
// never repeat the value.
var (
	ErrNameEmpty  = errors.New("empty name")
	ErrNameBad    = errors.New("not a name")
	ErrPhoneEmpty = errors.New("empty phone")
	ErrPhoneBad   = errors.New("not a phone number")
)

// PersonError says what is wrong with a name or phone, without it.
type PersonError struct {
	Problem error
	Detail  string
}

func (e *PersonError) Error() string { return e.Detail }

// Unwrap returns the problem, for errors.Is.
func (e *PersonError) Unwrap() error { return e.Problem }

// ParseName gives the form a person's name is sealed and hashed in, so
// the same name typed twice finds the same person: full-width letters
// folded, white space at the ends dropped and inside collapsed to one
// space (Latin names) or dropped between Chinese characters (王 小明 is
// 王小明), and the middle dots of minority and foreign names (•, ‧, ・)
// written as ·. It refuses an empty name, one over 50 characters, and one
// with digits or control characters.
func ParseName(s string) (string, error) {
	bad := func(p error, d string) (string, error) { return "", &PersonError{Problem: p, Detail: d} }
	s = width.Fold.String(s)
	var b strings.Builder
	var prev rune
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == '•' || r == '‧' || r == '・' || r == '･':
			r = '·'
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.IsDigit(r):
			return bad(ErrNameBad, "name holds a digit or a character that is not part of a name")
		}
		if space && !(unicode.Is(unicode.Han, prev) && unicode.Is(unicode.Han, r)) && prev != '·' && r != '·' {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		prev = r
	}
	n := b.String()
	switch c := utf8.RuneCountInString(n); {
	case c == 0:
		return bad(ErrNameEmpty, "name is empty")
	case c > 50:
		return bad(ErrNameBad, fmt.Sprintf("name has %d characters; at most 50", c))
	}
	return n, nil
}

// ParsePhone gives the form a phone number is sealed and hashed in: a
// mobile number as its 11 digits (13912345678, from 139 1234 5678,
// +86 139-1234-5678 or 0086…), a landline as area code, dash and local
// number (0515-88881234, from (0515)88881234 or 0515 8888 1234). It says
// what is wrong with anything else.
func ParsePhone(s string) (string, error) {
	bad := func(p error, d string) (string, error) { return "", &PersonError{Problem: p, Detail: d} }
	s = strings.TrimSpace(width.Fold.String(s))
	if s == "" {
		return bad(ErrPhoneEmpty, "phone is empty")
	}
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' && d.Len() == 0:
		default:
			return bad(ErrPhoneBad, "phone holds a character other than digits, spaces, dashes, brackets and a leading +")
		}
	}
	n := d.String()
	switch {
	case strings.HasPrefix(s, "+"):
		if !strings.HasPrefix(n, "86") {
			return bad(ErrPhoneBad, "phone has a country code other than +86")
		}
		n = n[2:]
	case strings.HasPrefix(n, "0086"):
		n = n[4:]
	case len(n) == 13 && strings.HasPrefix(n, "861"):
		n = n[2:]
	}
	switch {
	case len(n) == 11 && n[0] == '1':
		if n[1] < '3' {
			return bad(ErrPhoneBad, "mobile number starts with 1 and a digit below 3: no such network")
		}
		return n, nil
	case len(n) > 0 && n[0] == '1':
		return bad(ErrPhoneBad, fmt.Sprintf("mobile number has %d digits; it needs 11", len(n)))
	case len(n) > 0 && n[0] == '0':
		area := 4
		if len(n) > 1 && (n[1] == '1' || n[1] == '2') {
			area = 3
		}
		if local := len(n) - area; local == 7 || local == 8 {
			if n[area] == '0' {
				return bad(ErrPhoneBad, "local number after the area code starts with 0: is the area code written twice?")
			}
			return n[:area] + "-" + n[area:], nil
		}
		return bad(ErrPhoneBad, fmt.Sprintf("landline has %d digits; it needs the area code (%d digits) and 7 or 8 more", len(n), area))
	default:
		return bad(ErrPhoneBad, "phone is neither a mobile number (11 digits from 1) nor a landline with its area code (from 0)")
	}
}
