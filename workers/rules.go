package workers

import (
	"fmt"
	"time"
)

// Role is what an appointment makes a worker in a grid (Art. 13).
type Role string

// The roles of an appointment.
const (
	RoleLeader   Role = "leader"   // 网格长 (Art. 14)
	RoleFullTime Role = "fulltime" // 专职网格员 (Art. 15-17)
	RolePartTime Role = "parttime" // 兼职网格员 (Art. 18)
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleLeader || r == RoleFullTime || r == RolePartTime }

// Public reports whether the board (Art. 22) names workers of the role.
func (r Role) Public() bool { return r == RoleLeader || r == RoleFullTime }

// Candidate is what the rules need to know about a worker to appoint
// them on a date.
type Candidate struct {
	ID              int64
	BirthDate       time.Time
	TrainedOn       []time.Time // training dates, any order
	CommitteeMember bool
	// FullTimeOn is the grid of a full-time appointment of the worker
	// running on the start date, "" when none.
	FullTimeOn string
	// FailedYears are the years of the worker's failed reviews.
	FailedYears []int
}

// RuleError is an appointment the rules refuse, naming the article.
type RuleError struct {
	Article string // "Art. 16"
	Detail  string
}

func (e *RuleError) Error() string { return e.Article + ": " + e.Detail }

// Age is the age in whole years on date on of a person born on birth.
func Age(birth, on time.Time) int {
	age := on.Year() - birth.Year()
	if on.Month() < birth.Month() || on.Month() == birth.Month() && on.Day() < birth.Day() {
		age--
	}
	return age
}

// MinFullTimeAge is the age a full-time worker must have reached (Art. 16).
const MinFullTimeAge = 18

// CheckAppointment applies the rules of Art. 14, 15, 16, 17 and 43 to
// appointing c as role in grid from the date from, and returns the first
// rule broken, or nil. grid is the grid's code (to tell a full-time post
// elsewhere from one in this grid).
func CheckAppointment(c Candidate, role Role, grid string, from time.Time) *RuleError {
	day := from.Format(time.DateOnly)
	switch role {
	case RoleFullTime:
		if age := Age(c.BirthDate, from); age < MinFullTimeAge {
			return &RuleError{"Art. 16", fmt.Sprintf("a full-time grid worker must be %d or older on the start date; worker %d is %d on %s", MinFullTimeAge, c.ID, age, day)}
		}
		trained := false
		for _, t := range c.TrainedOn {
			trained = trained || !t.After(from)
		}
		if !trained {
			return &RuleError{"Art. 16, 43", fmt.Sprintf("a full-time grid worker must be trained before taking the post; worker %d has no training on or before %s", c.ID, day)}
		}
		if y, ok := TwoFailedYears(c.FailedYears); ok {
			return &RuleError{"Art. 17", fmt.Sprintf("worker %d failed the yearly reviews of %d and %d in a row and must leave the full-time workers", c.ID, y-1, y)}
		}
		if c.FullTimeOn != "" && c.FullTimeOn != grid {
			return &RuleError{"Art. 15", fmt.Sprintf("worker %d is already the full-time worker of grid %s on %s: one person is full-time in one grid at a time", c.ID, c.FullTimeOn, day)}
		}
	case RoleLeader:
		if !c.CommitteeMember && c.FullTimeOn == "" {
			return &RuleError{"Art. 14", fmt.Sprintf("a grid leader must be a member of the community party organisation or villagers' (residents') committee, or a full-time grid worker; worker %d is neither on %s", c.ID, day)}
		}
	}
	return nil
}

// TwoFailedYears reports the second of the first two consecutive years of
// failed reviews (Art. 17), if any.
func TwoFailedYears(years []int) (int, bool) {
	failed := map[int]bool{}
	for _, y := range years {
		failed[y] = true
	}
	best, ok := 0, false
	for y := range failed {
		if failed[y-1] && (!ok || y < best) {
			best, ok = y, true
		}
	}
	return best, ok
}

// SeatOperatorsRequired is how many full-time seat operators a town
// centre needs for its population (Art. 6): 2 up to 100,000 people, 3
// above.
func SeatOperatorsRequired(population int64) int {
	if population > 100_000 {
		return 3
	}
	return 2
}
