// Package workhours counts deadlines in working hours: Monday to Friday,
// 08:30-12:00 and 13:30-17:30 China Standard Time, skipping public
// holidays and counting make-up working days (调休) from a calendar. It is
// pure: no I/O but the parsing of a calendar given as bytes.
package workhours

import (
	"fmt"
	"math"
	"time"
)

// CST is China Standard Time (UTC+8, no daylight saving).
var CST = time.FixedZone("CST", 8*3600)

// period is a working period of a day, in minutes from midnight.
type period struct{ from, to int }

// periods are the working periods of a working day.
var periods = [...]period{{8*60 + 30, 12 * 60}, {13*60 + 30, 17*60 + 30}}

// DayMinutes is the length of a working day in minutes (7.5 hours).
const DayMinutes = (12*60 - (8*60 + 30)) + ((17*60 + 30) - (13*60 + 30))

// Working reports whether the day (its date in CST) is a working day: a
// weekday that is not a holiday, or a make-up working day.
func (c *Calendar) Working(day time.Time) bool {
	d := dateOf(day)
	switch c.days[d] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxDays bounds the walk of Add: more than ten years of days without a
// working day means a broken calendar, not a deadline.
const maxDays = 3700

// Add returns the time hours working hours after start: the time is
// counted only inside the working periods of working days. A start
// outside them counts from the next period's start; a deadline that falls
// on a period's end stays there (15:30 + 2 h is 17:30 the same day, not
// 08:30 the next). For example Friday 17:00 + 2 h is Monday 10:00. The
// result is in CST, to the second; hours ≤ 0 gives start.
func (c *Calendar) Add(start time.Time, hours float64) time.Time {
	if hours <= 0 || math.IsNaN(hours) || math.IsInf(hours, 0) {
		return start
	}
	left := time.Duration(math.Round(hours*float64(time.Hour)/float64(time.Second))) * time.Second
	t := start.In(CST)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, CST)
	for i := 0; i < maxDays; i++ {
		if c.Working(day) {
			for _, p := range periods {
				from := day.Add(time.Duration(p.from) * time.Minute)
				to := day.Add(time.Duration(p.to) * time.Minute)
				if !t.Before(to) {
					continue
				}
				if t.Before(from) {
					t = from
				}
				avail := to.Sub(t)
				if left <= avail {
					return t.Add(left)
				}
				left -= avail
				t = to
			}
		}
		day = day.AddDate(0, 0, 1)
		t = day
	}
	return t
}

// Between returns the working hours from a to b (0 when b is not after
// a): the inverse of Add, for how long a step took in working time.
func (c *Calendar) Between(a, b time.Time) float64 {
	if !b.After(a) {
		return 0
	}
	var sum time.Duration
	t := a.In(CST)
	b = b.In(CST)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, CST)
	for i := 0; i < maxDays && day.Before(b); i++ {
		if c.Working(day) {
			for _, p := range periods {
				from := day.Add(time.Duration(p.from) * time.Minute)
				to := day.Add(time.Duration(p.to) * time.Minute)
				lo, hi := maxTime(from, t), minTime(to, b)
				if hi.After(lo) {
					sum += hi.Sub(lo)
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return sum.Hours()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dateOf is the CST date of t, as midnight UTC (the key of the calendar).
func dateOf(t time.Time) time.Time {
	t = t.In(CST)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// String describes the working hours.
func String() string {
	return fmt.Sprintf("Mon-Fri 08:30-12:00 and 13:30-17:30 CST (%.1f h a day), less public holidays, plus make-up working days", float64(DayMinutes)/60)
}
