package events

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridmap/geo"
	"gridmap/store"
)

// Type is a grid matter of a county's catalog (Art. 11, 12, 19).
type Type struct {
	County   string  `json:"county"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	SLAHours float64 `json:"sla_hours"`
	// GridMatter is false for a matter the county does not give to grid
	// workers (a worker may not report it, Art. 19).
	GridMatter  bool   `json:"grid_matter"`
	Description string `json:"description"`
}

// Categories are the kinds of matters a type belongs to.
var Categories = []string{"safety", "dispute", "environment", "facility", "order", "service", "emergency"}

var typeCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,47}$`)

// ParseCounty reads a county code of the city (6 digits, or 12 ending in
// 000000).
func ParseCounty(s string) (string, error) {
	c, err := geo.ParseCode(s)
	if err != nil {
		return "", err
	}
	if c.Level() != geo.LevelCounty {
		return "", fmt.Errorf("%s is not a county code: want 6 digits such as 320902", s)
	}
	return c.Short(), nil
}

// Types lists the catalog of county (6 digits), or of every county when
// county is "", by county and code.
func (s *Service) Types(ctx context.Context, county string) ([]Type, error) {
	rows, err := s.st.Pool().Query(ctx, `SELECT county, code, name, category, sla_hours::float8, grid_matter, description
		FROM event_type WHERE $1 = '' OR county = $1 ORDER BY county, code`, county)
	if err != nil {
		return nil, fmt.Errorf("event types: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Type])
	if err != nil {
		return nil, fmt.Errorf("event types: %w", err)
	}
	if out == nil {
		out = []Type{}
	}
	return out, nil
}

// typeOf returns the type of county and code; ErrNotFound when the county
// does not list it.
func typeOf(ctx context.Context, q store.Querier, county, code string) (Type, error) {
	rows, err := q.Query(ctx, `SELECT county, code, name, category, sla_hours::float8, grid_matter, description
		FROM event_type WHERE county = $1 AND code = $2`, county, code)
	if err != nil {
		return Type{}, fmt.Errorf("event type: %w", err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Type])
	if errors.Is(err, pgx.ErrNoRows) {
		return Type{}, store.ErrNotFound
	}
	return t, err
}

// CreateType adds a matter to a county's catalog: admin only. Audited.
func (s *Service) CreateType(ctx context.Context, a Actor, t Type) (Type, error) {
	if a.Role != roleAdmin {
		return Type{}, refuse(KindForbidden, "adding to a county's catalog of matters needs an admin token; token is %s", a.Role)
	}
	bad := map[string]string{}
	county, err := ParseCounty(t.County)
	if err != nil {
		bad["county"] = err.Error()
	}
	t.County = county
	if !typeCodeRE.MatchString(t.Code) {
		bad["code"] = "want a lower-case code of letters, digits, '.', '_' or '-' starting with a letter, at most 48 (safety.gas)"
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 || !plainText(t.Name) {
		bad["name"] = "give a name of 1 to 100 characters"
	}
	if !slices.Contains(Categories, t.Category) {
		bad["category"] = "want one of " + strings.Join(Categories, ", ")
	}
	if !(t.SLAHours > 0 && t.SLAHours <= 2000) {
		bad["sla_hours"] = "want the deadline in working hours, more than 0 and at most 2000"
	} else if t.SLAHours*100 != float64(int64(t.SLAHours*100)) {
		bad["sla_hours"] = "give at most two decimals (0.25 is a quarter hour)"
	}
	if utf8.RuneCountInString(t.Description) > 500 || !plainText(t.Description) {
		bad["description"] = "text of at most 500 characters"
	}
	if err := badFields(bad); err != nil {
		return Type{}, err
	}
	err = pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO event_type (county, code, name, category, sla_hours, grid_matter, description)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.County, t.Code, t.Name, t.Category, t.SLAHours, t.GridMatter, t.Description); err != nil {
			var pg *pgconn.PgError
			if errors.As(err, &pg) && pg.Code == "23505" {
				return refuse(KindConflict, "county %s already lists matter %s", t.County, t.Code)
			}
			return fmt.Errorf("add event type: %w", err)
		}
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: "event_type.create", Target: "event_type/" + t.County + "/" + t.Code, After: t, RequestID: a.RequestID})
	})
	if err != nil {
		return Type{}, err
	}
	return t, nil
}
