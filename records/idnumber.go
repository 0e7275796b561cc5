package records

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"gridmap/pii"
)

// IDNumber is a valid citizen ID number (公民身份号码, GB 11643-1999): a
// 6-digit region code (the county where it was issued), the 8-digit birth
// date YYYYMMDD, a 3-digit sequence whose last digit is odd for men and
// even for women, and an ISO 7064 MOD 11-2 check digit (0-9 or X).
//
// It prints masked (320902********1234) with every fmt verb and in slog;
// Clear gives the digits, for sealing and for an explicit reveal only.
type IDNumber struct{ s string }

// Sex is a person's sex as the database stores it.
type Sex string

// The sexes of GB 11643 (the parity of the sequence).
const (
	SexMale   Sex = "male"
	SexFemale Sex = "female"
)

// The problems ParseIDNumber reports; test with errors.Is. The error's
// text says what is wrong and how to fix it, never the number.
var (
	ErrIDEmpty       = errors.New("empty")
	ErrIDSpreadsheet = errors.New("turned into a number by a spreadsheet")
	ErrIDOld15       = errors.New("old 15-digit number")
	ErrIDLength      = errors.New("wrong length")
	ErrIDCharacter   = errors.New("not a digit")
	ErrIDRegion      = errors.New("unknown region")
	ErrIDBirthDate   = errors.New("impossible birth date")
	ErrIDFuture      = errors.New("birth date in the future")
	ErrIDCheckDigit  = errors.New("wrong check digit")
)

// IDError is what ParseIDNumber returns: the problem (one of the ErrID
// values) and what to do, in words for the person who typed the number.
type IDError struct {
	Problem error
	Detail  string
}

func (e *IDError) Error() string { return "ID number " + e.Detail }

// Unwrap returns the problem, for errors.Is.
func (e *IDError) Unwrap() error { return e.Problem }

// weights of digits 1-17 in the MOD 11-2 check (2^(18-i) mod 11).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkDigit is the check character of the first 17 digits.
func checkDigit(d17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(d17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// provinces are the first two digits a region code may start with: the
// provinces, autonomous regions and municipalities, and 81-83 (the
// residence permits of Hong Kong, Macao and Taiwan residents). Numbers
// starting with 9 (foreigners' permanent residence ID cards, 2023 format)
// follow the same date and check rules and are accepted too.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

func knownRegion(r string) bool { return provinces[r[:2]] || r[0] == '9' }

// NormalizeIDNumber is the form an ID number is compared, sealed and
// hashed in: white space removed, full-width characters narrowed, x upper
// case. It does not validate.
func NormalizeIDNumber(s string) string {
	s = width.Fold.String(s)
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
}

// ParseIDNumber validates an ID number as people type it (spaces,
// full-width digits and a lower-case x are fine) and says exactly what is
// wrong when it is not valid: the length, a character, the region, a birth
// date that is no date, before 1900 or after today, or the check digit.
// today is the current date where the number is checked.
func ParseIDNumber(s string, today time.Time) (IDNumber, error) {
	bad := func(problem error, format string, args ...any) (IDNumber, error) {
		return IDNumber{}, &IDError{Problem: problem, Detail: fmt.Sprintf(format, args...)}
	}
	n := NormalizeIDNumber(s)
	if n == "" {
		return bad(ErrIDEmpty, "is empty")
	}
	if (strings.Contains(n, "E+") || strings.Contains(n, ".")) && strings.Trim(n, "0123456789.E+") == "" && strings.ContainsAny(n, "0123456789") {
		return bad(ErrIDSpreadsheet, "was turned into a number by the spreadsheet (written like 3.2E+17) and has lost its last digits: format the column as text and type the numbers again")
	}
	if len(n) == 15 && allDigits(n) {
		return bad(ErrIDOld15, "has 15 digits: an old (pre-1999) number; write its 18-digit form (19 before the 2-digit birth year, and the check digit)")
	}
	if len(n) != 18 {
		return bad(ErrIDLength, "has %d characters; it needs 18 (17 digits and a check digit 0-9 or X)", len([]rune(n)))
	}
	for i := range 18 {
		c := n[i]
		if c >= '0' && c <= '9' || i == 17 && c == 'X' {
			continue
		}
		if i == 17 {
			return bad(ErrIDCharacter, "ends with a character that is neither a digit nor X")
		}
		return bad(ErrIDCharacter, "has a character at position %d that is not a digit", i+1)
	}
	if !knownRegion(n[:6]) {
		return bad(ErrIDRegion, "starts with %s, which is no province's code: the first 6 digits are the region where it was issued", n[:2])
	}
	if _, err := idBirthDate(n[6:14], today); err != nil {
		return IDNumber{}, err
	}
	if c := checkDigit(n[:17]); c != n[17] {
		return bad(ErrIDCheckDigit, "has check digit %c, but its first 17 digits give %c: a digit is mistyped", n[17], c)
	}
	return IDNumber{n}, nil
}

// idBirthDate reads the YYYYMMDD birth date of an ID number.
func idBirthDate(d string, today time.Time) (time.Time, error) {
	bad := func(problem error, format string, args ...any) (time.Time, error) {
		return time.Time{}, &IDError{Problem: problem, Detail: fmt.Sprintf(format, args...)}
	}
	y, m, dd := atoi(d[:4]), atoi(d[4:6]), atoi(d[6:8])
	switch {
	case m < 1 || m > 12:
		return bad(ErrIDBirthDate, "has birth date %s (digits 7-14) with month %02d: no such month", d, m)
	case dd < 1 || dd > daysIn(y, time.Month(m)):
		return bad(ErrIDBirthDate, "has birth date %s (digits 7-14): %04d-%02d has no day %02d", d, y, m, dd)
	case y < 1900:
		return bad(ErrIDBirthDate, "has birth date %s (digits 7-14), before 1900", d)
	}
	b := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC)
	ty, tm, td := today.Date()
	if b.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return bad(ErrIDFuture, "has birth date %s (digits 7-14), after today", d)
	}
	return b, nil
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MakeIDNumber makes the valid ID number of a person born on birth (its
// date, in any location) in region (6 digits), with sequence seq (1-999:
// odd for a man, even for a woman), computing the check digit. The demo
// city uses it.
func MakeIDNumber(region string, birth time.Time, seq int) (IDNumber, error) {
	if len(region) != 6 || !allDigits(region) || !knownRegion(region) {
		return IDNumber{}, fmt.Errorf("make ID number: region %q is not a 6-digit region code of a province", region)
	}
	if seq < 1 || seq > 999 {
		return IDNumber{}, fmt.Errorf("make ID number: sequence %d outside 1-999", seq)
	}
	y, m, d := birth.Date()
	if y < 1900 || y > 9999 {
		return IDNumber{}, fmt.Errorf("make ID number: birth year %d outside 1900-9999", y)
	}
	// The digits by hand: the demo makes millions (fmt was most of it).
	b := make([]byte, 0, 18)
	b = append(b, region...)
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(m), 2)
	b = appendDigits(b, d, 2)
	b = appendDigits(b, seq, 3)
	return IDNumber{string(append(b, checkDigit(string(b))))}, nil
}

// appendDigits appends v (0 ≤ v < 10^n) as n decimal digits.
func appendDigits(b []byte, v, n int) []byte {
	for range n {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// UpgradeIDNumber15 gives the 18-digit form of an old 15-digit number
// (region, YYMMDD birth date of a person born in the 1900s, sequence): 19
// inserted before the year and the check digit added.
func UpgradeIDNumber15(old string, today time.Time) (IDNumber, error) {
	n := NormalizeIDNumber(old)
	if len(n) != 15 || !allDigits(n) {
		return IDNumber{}, &IDError{Problem: ErrIDLength, Detail: "is not a 15-digit old number"}
	}
	return ParseIDNumber(n[:6]+"19"+n[6:15]+string(checkDigit(n[:6]+"19"+n[6:15])), today)
}

// Clear returns the 18 characters of the number. Use it only to seal the
// number, hash it, or show it to someone who revealed it.
func (id IDNumber) Clear() string { return id.s }

// IsZero says whether id is the zero IDNumber (no number).
func (id IDNumber) IsZero() bool { return id.s == "" }

// Region is the 6-digit region code where the number was issued ("" for
// the zero IDNumber, as are the other parts).
func (id IDNumber) Region() string {
	if id.IsZero() {
		return ""
	}
	return id.s[:6]
}

// BirthDate is the date of birth, at midnight UTC.
func (id IDNumber) BirthDate() time.Time {
	if id.IsZero() {
		return time.Time{}
	}
	return time.Date(atoi(id.s[6:10]), time.Month(atoi(id.s[10:12])), atoi(id.s[12:14]), 0, 0, 0, 0, time.UTC)
}

// Sex is the sex given by the parity of the sequence.
func (id IDNumber) Sex() Sex {
	if id.IsZero() {
		return ""
	}
	if (id.s[16]-'0')%2 == 1 {
		return SexMale
	}
	return SexFemale
}

// Age is the age in whole years on the date of on (a person born on 29
// February turns a year older on 1 March in common years).
func (id IDNumber) Age(on time.Time) int {
	b := id.BirthDate()
	y, m, d := on.Date()
	age := y - b.Year()
	if m < b.Month() || m == b.Month() && d < b.Day() {
		age--
	}
	return age
}

// String is the masked number (320902********1234).
func (id IDNumber) String() string { return pii.MaskIDNumber(id.s) }

// Format prints the masked number whatever the verb, so that no fmt call
// can print it in clear.
func (id IDNumber) Format(f fmt.State, _ rune) { io.WriteString(f, id.String()) }

// LogValue logs the masked number.
func (id IDNumber) LogValue() slog.Value { return slog.StringValue(id.String()) }
