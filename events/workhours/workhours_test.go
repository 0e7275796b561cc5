package workhours_test

import (
	"strings"
	"testing"
	"time"

	"gridmap/events/workhours"
)

func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workhours.CST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAdd(t *testing.T) {
	// A test calendar: Wednesday 2026-03-11 is a holiday, Saturday
	// 2026-03-14 a make-up working day.
	cal, err := workhours.ParseCSV(strings.NewReader("date,kind,name\n2026-03-11,holiday,test\n2026-03-14,workday,test\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		start string
		hours float64
		want  string
	}{
		{"the issue's example: Friday 17:00 + 2 h", "2026-03-06 17:00", 2, "2026-03-09 10:00"},
		{"inside the morning", "2026-03-09 09:00", 2, "2026-03-09 11:00"},
		{"over lunch", "2026-03-09 11:00", 2, "2026-03-09 14:30"},
		{"ends on the period's end", "2026-03-09 15:30", 2, "2026-03-09 17:30"},
		{"at lunch counts from 13:30", "2026-03-09 12:10", 1, "2026-03-09 14:30"},
		{"before work counts from 08:30", "2026-03-09 06:00", 0.5, "2026-03-09 09:00"},
		{"after work counts from the next morning", "2026-03-09 20:00", 1, "2026-03-10 09:30"},
		{"a whole working day", "2026-03-09 08:30", 7.5, "2026-03-09 17:30"},
		{"skips the holiday", "2026-03-10 17:00", 1, "2026-03-12 09:00"},
		{"reported on the holiday", "2026-03-11 10:00", 1, "2026-03-12 09:30"},
		{"the make-up Saturday counts", "2026-03-13 17:00", 1, "2026-03-14 09:00"},
		{"Sunday does not", "2026-03-14 17:00", 1, "2026-03-16 09:00"},
		{"a week of hours", "2026-03-16 08:30", 37.5, "2026-03-20 17:30"},
		{"fractions of an hour", "2026-03-16 08:30", 0.25, "2026-03-16 08:45"},
		{"zero hours", "2026-03-16 03:00", 0, "2026-03-16 03:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cal.Add(cst(c.start), c.hours)
			if want := cst(c.want); !got.Equal(want) {
				t.Errorf("%s + %g h = %s, want %s", c.start, c.hours, got.In(workhours.CST).Format("Mon 2006-01-02 15:04"), want.Format("Mon 2006-01-02 15:04"))
			}
			if c.hours > 0 {
				if back := cal.Between(cst(c.start), got); back != c.hours {
					t.Errorf("Between(%s, %s) = %g h, want %g", c.start, got, back, c.hours)
				}
			}
		})
	}
}

func TestDefaultCalendar(t *testing.T) {
	cal := workhours.Default()
	cases := []struct {
		name  string
		start string
		hours float64
		want  string
	}{
		// 2026 National Day: 1-7 October off, Saturday 10 October worked.
		{"National Day holiday", "2026-09-30 17:00", 1, "2026-10-08 09:00"},
		{"the make-up Saturday after it", "2026-10-09 17:00", 1, "2026-10-10 09:00"},
		// 2025 Spring Festival: Sunday 26 January worked, 28 January to
		// 4 February off.
		{"Spring Festival make-up Sunday", "2025-01-24 17:00", 1, "2025-01-26 09:00"},
		{"Spring Festival", "2025-01-27 17:00", 1, "2025-02-05 09:00"},
	}
	for _, c := range cases {
		if got := cal.Add(cst(c.start), c.hours); !got.Equal(cst(c.want)) {
			t.Errorf("%s: %s + %g h = %s, want %s", c.name, c.start, c.hours, got.In(workhours.CST).Format("Mon 2006-01-02 15:04"), c.want)
		}
	}
	if n := len(cal.Days()); n < 50 {
		t.Errorf("the built-in calendar has %d days", n)
	}
}

func TestParseCSVRefuses(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "empty"},
		{"day,kind\n", "header"},
		{"date,kind\n2026-13-01,holiday\n", "line 2: date"},
		{"date,kind\n2026-03-10,workday\n", "Saturday or Sunday"},
		{"date,kind\n2026-03-10,off\n", "want holiday or workday"},
		{"date,kind\n2026-03-10,holiday\n2026-03-10,holiday\n", "twice"},
		{"date,kind\n2026-03-10\n", "fields"},
		{"date,kind\n1990-03-10,holiday\n", "2000"},
	}
	for _, c := range cases {
		_, err := workhours.ParseCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseCSV(%q) = %v, want an error saying %q", c.in, err, c.want)
		}
	}
	// What WriteCSV writes reads back.
	var b strings.Builder
	if err := workhours.Default().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	back, err := workhours.ParseCSV(strings.NewReader(b.String()))
	if err != nil || len(back.Days()) != len(workhours.Default().Days()) {
		t.Errorf("round trip: %v, %d days", err, len(back.Days()))
	}
}
