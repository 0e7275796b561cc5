package workhours

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Kind is what a calendar says of a day.
type Kind string

// The kinds of days a calendar lists. Every other day is a working day
// from Monday to Friday and a rest day on Saturday and Sunday.
const (
	Holiday Kind = "holiday" // a public holiday on a weekday: no work
	Workday Kind = "workday" // a make-up working day (调休) on a weekend
)

// Day is one day a calendar lists.
type Day struct {
	Date time.Time `json:"date"` // midnight UTC of the date
	Kind Kind      `json:"kind"`
	Name string    `json:"name,omitempty"`
}

// Calendar is a set of public holidays and make-up working days. It is
// never changed once built, so it is safe for concurrent use.
type Calendar struct {
	days map[time.Time]Kind
	list []Day
}

//go:embed calendar_2025_2027.csv
var defaultCSV []byte

// DefaultCSV returns the built-in calendar file: China's public holidays
// and make-up working days of 2025 and 2026 as the State Council published
// them, and provisional 2027 holidays (their statutory days; replace them
// when the year's notice is out).
func DefaultCSV() []byte { return bytes.Clone(defaultCSV) }

// Default returns the built-in calendar (DefaultCSV).
func Default() *Calendar {
	c, err := ParseCSV(bytes.NewReader(defaultCSV))
	if err != nil {
		panic("workhours: built-in calendar: " + err.Error())
	}
	return c
}

// New builds a calendar of days; a day listed twice or a make-up working
// day on a weekday is an error.
func New(days []Day) (*Calendar, error) {
	c := &Calendar{days: make(map[time.Time]Kind, len(days))}
	for _, d := range days {
		d.Date = time.Date(d.Date.Year(), d.Date.Month(), d.Date.Day(), 0, 0, 0, 0, time.UTC)
		if err := checkDay(d); err != nil {
			return nil, err
		}
		if _, dup := c.days[d.Date]; dup {
			return nil, fmt.Errorf("%s is listed twice", d.Date.Format(time.DateOnly))
		}
		c.days[d.Date] = d.Kind
		c.list = append(c.list, d)
	}
	slices.SortFunc(c.list, func(a, b Day) int { return a.Date.Compare(b.Date) })
	return c, nil
}

func checkDay(d Day) error {
	date := d.Date.Format(time.DateOnly)
	switch d.Kind {
	case Holiday:
	case Workday:
		if wd := d.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("%s is a %s: a make-up working day is a Saturday or Sunday (weekdays are working days already)", date, wd)
		}
	default:
		return fmt.Errorf("%s: kind %q: want holiday or workday", date, d.Kind)
	}
	if d.Date.Year() < 2000 || d.Date.Year() > 2100 {
		return fmt.Errorf("%s: want a date from 2000 to 2100", date)
	}
	if len(d.Name) > 100 {
		return fmt.Errorf("%s: the name is %d bytes long; at most 100", date, len(d.Name))
	}
	return nil
}

// Days lists the calendar's days, in date order.
func (c *Calendar) Days() []Day { return slices.Clone(c.list) }

// MaxCSVBytes bounds a calendar file.
const MaxCSVBytes = 1 << 20

// ParseCSV reads a calendar file: UTF-8 CSV with the header
// "date,kind[,name]" and one row a day: the date as YYYY-MM-DD, holiday
// or workday, and an optional name. Errors name the line.
func ParseCSV(r io.Reader) (*Calendar, error) {
	cr := csv.NewReader(io.LimitReader(r, MaxCSVBytes+1))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the calendar is empty: want a header line date,kind,name and one line a day")
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if len(head) < 2 || head[0] != "date" || head[1] != "kind" || (len(head) > 2 && head[2] != "name") || len(head) > 3 {
		return nil, fmt.Errorf("line 1: header %q: want date,kind or date,kind,name", strings.Join(head, ","))
	}
	var days []Day
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("line %d: want date,kind[,name], got %d fields", line, len(rec))
		}
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("line %d: date %q: want YYYY-MM-DD", line, rec[0])
		}
		d := Day{Date: t, Kind: Kind(strings.TrimSpace(rec[1]))}
		if len(rec) == 3 {
			d.Name = strings.TrimSpace(rec[2])
		}
		if err := checkDay(d); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		days = append(days, d)
		if len(days) > 20000 {
			return nil, fmt.Errorf("line %d: more than 20000 days", line)
		}
	}
	return New(days)
}

// WriteCSV writes the calendar as a file ParseCSV reads.
func (c *Calendar) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "kind", "name"})
	for _, d := range c.list {
		cw.Write([]string{d.Date.Format(time.DateOnly), string(d.Kind), d.Name})
	}
	cw.Flush()
	return cw.Error()
}
