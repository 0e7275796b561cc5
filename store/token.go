package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridmap/geo"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise
// (and to scan for) and a mistyped header is told apart from a bad token.
const TokenPrefix = "gm_"

// Token is an API token as stored: never its secret, only what it may do.
type Token struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Role   string   `json:"role"`             // viewer, planner, approver, admin, operator, worker or department
	Area   geo.Code `json:"area,omitempty"`   // "" for the whole city; a grid code for a worker
	Worker int64    `json:"worker,omitempty"` // the grid worker a worker token belongs to
	// Department is the department a department token acts for (城管局),
	// else "".
	Department string    `json:"department,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	RevokedAt  time.Time `json:"revokedAt,omitzero"` // zero while the token is valid
}

// Revoked reports whether the token has been revoked.
func (t Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// NewToken describes a token to create.
type NewToken struct {
	Name string
	Role string
	Area geo.Code // "" for the whole city; must be an existing area (a grid for a worker token)
	// Worker is the grid worker a worker token belongs to (0 for the
	// other roles).
	Worker int64
	// Department is the department a department token acts for ("" for
	// the other roles).
	Department string
}

// HashToken returns the SHA-256 of a token secret: what the database keeps.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken makes a token with a fresh random secret (32 bytes,
// base64url, prefixed with TokenPrefix), stores its hash and returns the
// stored token and the secret. The secret is never stored: it can be
// shown once only. When audit is not nil it is written in the same
// transaction, with After set to the new token (never the secret) and
// Target to its id.
func (s *Store) CreateToken(ctx context.Context, nt NewToken, audit *AuditEntry) (Token, string, error) {
	var t Token
	var secret string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if t, secret, err = createToken(ctx, tx, nt); err != nil {
			return err
		}
		if audit != nil {
			a := *audit
			a.Target, a.After = strconv.FormatInt(t.ID, 10), t
			return s.Audit(ctx, tx, a)
		}
		return nil
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

func createToken(ctx context.Context, q Querier, nt NewToken) (Token, string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Token{}, "", fmt.Errorf("create token: random: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var area, grid *string
	if nt.Area != "" {
		a := string(nt.Area)
		if nt.Area.IsGrid() {
			grid = &a
		} else {
			area = &a
		}
	}
	var worker *int64
	if nt.Worker != 0 {
		worker = &nt.Worker
	}
	var department *string
	if nt.Department != "" {
		department = &nt.Department
	}
	t := Token{Name: nt.Name, Role: nt.Role, Area: nt.Area, Worker: nt.Worker, Department: nt.Department}
	err := q.QueryRow(ctx, `INSERT INTO api_token (name, hash, role, area, grid, worker_id, department) VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, created_at`, nt.Name, HashToken(secret), nt.Role, area, grid, worker, department).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" {
			if pgErr.ConstraintName == "api_token_worker_id_fkey" {
				return Token{}, "", fmt.Errorf("create token: worker %d: %w", nt.Worker, ErrNotFound)
			}
			return Token{}, "", fmt.Errorf("create token: area %s: %w", nt.Area, ErrNotFound)
		}
		if errors.As(err, &pgErr) && pgErr.Code == "23514" {
			switch pgErr.ConstraintName {
			case "api_token_worker_scope":
				return Token{}, "", fmt.Errorf("create token: a worker token, and only one, names a worker and is scoped to a grid")
			case "api_token_department_scope":
				return Token{}, "", fmt.Errorf("create token: a department token, and only one, names its department and is scoped to an area")
			}
			return Token{}, "", fmt.Errorf("create token: role %q is not viewer, planner, approver, admin, operator, worker or department", nt.Role)
		}
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

const tokenColumns = `id, name, role, coalesce(area, grid, ''), coalesce(worker_id, 0), coalesce(department, ''), created_at, revoked_at`

func scanToken(row pgx.Row) (Token, error) {
	var t Token
	var area string
	var revoked *time.Time
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &area, &t.Worker, &t.Department, &t.CreatedAt, &revoked); err != nil {
		return Token{}, err
	}
	t.Area = geo.Code(area)
	if revoked != nil {
		t.RevokedAt = *revoked
	}
	return t, nil
}

// TokenBySecret returns the token whose secret this is, revoked or not
// (the caller decides what a revoked token may do). An unknown secret is
// ErrNotFound.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Token{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_token WHERE hash = $1`, HashToken(secret)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up token: %w", err)
	}
	return t, nil
}

// Token returns the token with the id.
func (s *Store) Token(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_token WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, fmt.Errorf("token %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read token %d: %w", id, err)
	}
	return t, nil
}

// Tokens lists every token, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_token ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes the token with the id and returns it as it is now.
// Revoking a revoked token keeps the first revocation time. An unknown id
// is ErrNotFound. When audit is not nil it is written in the same
// transaction with Target, Before and After filled in.
func (s *Store) RevokeToken(ctx context.Context, id int64, audit *AuditEntry) (Token, error) {
	var after Token
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		before, a, err := revokeToken(ctx, tx, id)
		if err != nil {
			return err
		}
		after = a
		if audit != nil {
			e := *audit
			e.Target, e.Before, e.After = strconv.FormatInt(id, 10), before, after
			return s.Audit(ctx, tx, e)
		}
		return nil
	})
	if err != nil {
		return Token{}, err
	}
	return after, nil
}

func revokeToken(ctx context.Context, q Querier, id int64) (before, after Token, err error) {
	before, err = scanToken(q.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_token WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, Token{}, fmt.Errorf("token %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Token{}, Token{}, fmt.Errorf("revoke token %d: %w", id, err)
	}
	after, err = scanToken(q.QueryRow(ctx, `UPDATE api_token SET revoked_at = coalesce(revoked_at, now())
		WHERE id = $1 RETURNING `+tokenColumns, id))
	if err != nil {
		return Token{}, Token{}, fmt.Errorf("revoke token %d: %w", id, err)
	}
	return before, after, nil
}
