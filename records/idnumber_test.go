package records_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gridmap/records"
)

var today = time.Date(2025, 6, 15, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   string // the clear number when valid
		region string
		birth  time.Time
		sex    records.Sex
		err    error  // the problem when invalid
		detail string // part of the error text
	}{
		{"GB 11643 example", "11010519491231002X", "11010519491231002X", "110105", date(1949, 12, 31), records.SexFemale, nil, ""},
		{"Tinghu man", "320902199001011236", "320902199001011236", "320902", date(1990, 1, 1), records.SexMale, nil, ""},
		{"leap day", "320902200002290025", "320902200002290025", "320902", date(2000, 2, 29), records.SexFemale, nil, ""},
		{"Dongtai", "320981197006150012", "320981197006150012", "320981", date(1970, 6, 15), records.SexMale, nil, ""},
		{"lower-case x, spaces, full width", " １１０１０５ 19491231 002x ", "11010519491231002X", "110105", date(1949, 12, 31), records.SexFemale, nil, ""},
		{"empty", "  ", "", "", time.Time{}, "", records.ErrIDEmpty, "is empty"},
		{"17 characters", "32090219900101123", "", "", time.Time{}, "", records.ErrIDLength, "has 17 characters"},
		{"19 characters", "3209021990010112360", "", "", time.Time{}, "", records.ErrIDLength, "has 19 characters"},
		{"old 15 digits", "320902900101123", "", "", time.Time{}, "", records.ErrIDOld15, "18-digit form"},
		{"spreadsheet number", "3.20902E+17", "", "", time.Time{}, "", records.ErrIDSpreadsheet, "format the column as text"},
		{"spreadsheet number with 15 digits", "3.20902199001011E+17", "", "", time.Time{}, "", records.ErrIDSpreadsheet, "lost its last digits"},
		{"letter inside", "3209021990O1011236", "", "", time.Time{}, "", records.ErrIDCharacter, "position 11"},
		{"Y at the end", "32090219900101123Y", "", "", time.Time{}, "", records.ErrIDCharacter, "neither a digit nor X"},
		{"region 00", "000902199001011236", "", "", time.Time{}, "", records.ErrIDRegion, "starts with 00"},
		{"month 13", "320902199013011236", "", "", time.Time{}, "", records.ErrIDBirthDate, "month 13"},
		{"month 00", "320902199000011236", "", "", time.Time{}, "", records.ErrIDBirthDate, "month 00"},
		{"30 February", "320902199002301236", "", "", time.Time{}, "", records.ErrIDBirthDate, "no day 30"},
		{"29 February of a common year", "320902199002291236", "", "", time.Time{}, "", records.ErrIDBirthDate, "1990-02 has no day 29"},
		{"day 00", "320902199001001236", "", "", time.Time{}, "", records.ErrIDBirthDate, "no day 00"},
		{"born 1880", "440524188001010014", "", "", time.Time{}, "", records.ErrIDBirthDate, "before 1900"},
		{"born tomorrow", "320902202506161236", "", "", time.Time{}, "", records.ErrIDFuture, "after today"},
		{"wrong check digit", "320902199001011234", "", "", time.Time{}, "", records.ErrIDCheckDigit, "has check digit 4, but its first 17 digits give 6"},
		{"two digits swapped", "320902199010011236", "", "", time.Time{}, "", records.ErrIDCheckDigit, "mistyped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := records.ParseIDNumber(tt.in, today)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.detail) {
					t.Fatalf("error %v, want %v with %q", err, tt.err, tt.detail)
				}
				if len(tt.in) > 10 && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
					t.Fatalf("the error repeats the number: %v", err)
				}
				if !id.IsZero() {
					t.Fatal("an invalid number came back beside its error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.Clear() != tt.want || id.Region() != tt.region || !id.BirthDate().Equal(tt.birth) || id.Sex() != tt.sex {
				t.Fatalf("got %s %s %s %s, want %s %s %s %s", id.Clear(), id.Region(), id.BirthDate().Format(time.DateOnly), id.Sex(),
					tt.want, tt.region, tt.birth.Format(time.DateOnly), tt.sex)
			}
		})
	}
}

// TestIDNumberPrintsMasked: no fmt verb or log line shows the number.
func TestIDNumberPrintsMasked(t *testing.T) {
	t.Parallel()
	id, err := records.ParseIDNumber("320902199001011236", today)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("resident", "id", id)
	for _, out := range []string{fmt.Sprint(id), fmt.Sprintf("%v %+v %#v %s %q %x %d", id, id, id, id, id, id, id),
		fmt.Sprintf("%v", struct{ ID records.IDNumber }{id}), logged.String()} {
		if strings.Contains(out, "19900101") || strings.Contains(out, "320902199001011236") {
			t.Errorf("%q shows the number", out)
		}
		if !strings.Contains(out, "320902********1236") {
			t.Errorf("%q does not show the masked number", out)
		}
	}
}

func TestMakeIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region string
		birth  time.Time
		seq    int
		want   string // empty: an error
	}{
		{"110105", date(1949, 12, 31), 2, "11010519491231002X"},
		{"320923", date(1985, 11, 7), 456, "320923198511074568"},
		{"320902", time.Date(1990, 1, 1, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)), 123, "320902199001011236"}, // its own date, not UTC's
		{"32090", date(1990, 1, 1), 1, ""},
		{"000902", date(1990, 1, 1), 1, ""},
		{"320902", date(1899, 12, 31), 1, ""},
		{"320902", date(1990, 1, 1), 0, ""},
		{"320902", date(1990, 1, 1), 1000, ""},
	}
	for _, tt := range tests {
		id, err := records.MakeIDNumber(tt.region, tt.birth, tt.seq)
		if tt.want == "" {
			if err == nil {
				t.Errorf("MakeIDNumber(%s, %s, %d) = %s, want an error", tt.region, tt.birth.Format(time.DateOnly), tt.seq, id.Clear())
			}
			continue
		}
		if err != nil || id.Clear() != tt.want {
			t.Errorf("MakeIDNumber(%s, %s, %d) = %s, %v; want %s", tt.region, tt.birth.Format(time.DateOnly), tt.seq, id.Clear(), err, tt.want)
		}
	}
	// Every sequence of a day makes a valid number of the right sex.
	for seq := 1; seq <= 999; seq++ {
		id, err := records.MakeIDNumber("320902", date(2000, 2, 29), seq)
		if err != nil {
			t.Fatal(err)
		}
		got, err := records.ParseIDNumber(id.Clear(), today)
		if err != nil {
			t.Fatalf("sequence %d: %v", seq, err)
		}
		if want := map[bool]records.Sex{true: records.SexMale, false: records.SexFemale}[seq%2 == 1]; got.Sex() != want {
			t.Fatalf("sequence %d: sex %s, want %s", seq, got.Sex(), want)
		}
	}
}

func TestUpgradeIDNumber15(t *testing.T) {
	t.Parallel()
	id, err := records.UpgradeIDNumber15("320902900101123", today)
	if err != nil || id.Clear() != "320902199001011236" {
		t.Fatalf("upgrade: %s, %v; want 320902199001011236", id.Clear(), err)
	}
	if _, err := records.UpgradeIDNumber15("320902901301123", today); !errors.Is(err, records.ErrIDBirthDate) {
		t.Fatalf("upgrade of a number with month 13: %v, want ErrIDBirthDate", err)
	}
	if _, err := records.UpgradeIDNumber15("320902199001011236", today); !errors.Is(err, records.ErrIDLength) {
		t.Fatalf("upgrade of an 18-digit number: %v, want ErrIDLength", err)
	}
}

func TestIDNumberAge(t *testing.T) {
	t.Parallel()
	id, _ := records.MakeIDNumber("320902", date(2000, 2, 29), 2)
	tests := []struct {
		on   time.Time
		want int
	}{
		{date(2018, 2, 28), 17},
		{date(2018, 3, 1), 18},
		{date(2020, 2, 28), 19},
		{date(2020, 2, 29), 20},
		{date(2000, 2, 29), 0},
	}
	for _, tt := range tests {
		if got := id.Age(tt.on); got != tt.want {
			t.Errorf("age on %s: %d, want %d", tt.on.Format(time.DateOnly), got, tt.want)
		}
	}
}

// FuzzParseIDNumber: parsing never panics; a number it accepts is 18
// characters whose check digit, date and sex hold, and parses again to
// itself; an error never repeats the input.
func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "320902199001011236", "320902900101123", "3.20902E+17", "", "３２０",
		"320902199002301236", "32090219900101123x", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := records.ParseIDNumber(s, today)
		if err != nil {
			var ie *records.IDError
			if !errors.As(err, &ie) || ie.Problem == nil {
				t.Fatalf("ParseIDNumber(%q): %v is not an IDError with a problem", s, err)
			}
			if len(s) >= 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("ParseIDNumber(%q): the error repeats it: %v", s, err)
			}
			return
		}
		c := id.Clear()
		if len(c) != 18 || id.BirthDate().After(today) || id.BirthDate().Year() < 1900 {
			t.Fatalf("ParseIDNumber(%q) accepted %q born %s", s, c, id.BirthDate())
		}
		again, err := records.ParseIDNumber(c, today)
		if err != nil || again != id {
			t.Fatalf("ParseIDNumber(%q) = %q does not parse to itself: %v", s, c, err)
		}
		made, err := records.MakeIDNumber(id.Region(), id.BirthDate(), int(c[14]-'0')*100+int(c[15]-'0')*10+int(c[16]-'0'))
		if c[14:17] != "000" && (err != nil || made != id) {
			t.Fatalf("MakeIDNumber of the parts of %q = %q, %v", c, made.Clear(), err)
		}
	})
}

func TestIDNumberZero(t *testing.T) {
	t.Parallel()
	var id records.IDNumber
	if !id.IsZero() || id.Region() != "" || !id.BirthDate().IsZero() || id.Sex() != "" || id.String() != "" || id.Clear() != "" {
		t.Errorf("zero IDNumber: %q %q %v %q %q", id.Region(), id.String(), id.BirthDate(), id.Sex(), id.Clear())
	}
}
