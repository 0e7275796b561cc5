package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Execer is what a pool and a transaction have in common for writes, so a
// write can audit itself inside its own transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// AuditEntry is one write, as the audit log keeps it. Before and After are
// encoded as JSON (nil is SQL NULL); they must never hold secrets.
type AuditEntry struct {
	Actor     string // who: "token:12", "cli", ...
	Action    string // what: "token.create", "grid.split", ...
	Target    string // on what: a code or an id
	Before    any
	After     any
	RequestID string
}

// AuditRecord is an audit entry as read back.
type AuditRecord struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	Target    string
	Before    json.RawMessage // null when there was nothing before
	After     json.RawMessage
	RequestID string
}

// Audit writes an entry to the audit log through q: pass the write's own
// transaction so the entry commits (or rolls back) with the write; nil
// means the pool.
func (s *Store) Audit(ctx context.Context, q Execer, e AuditEntry) error {
	if q == nil {
		q = s.pool
	}
	before, err := jsonOrNull(e.Before)
	if err != nil {
		return fmt.Errorf("audit %s %s: before: %w", e.Action, e.Target, err)
	}
	after, err := jsonOrNull(e.After)
	if err != nil {
		return fmt.Errorf("audit %s %s: after: %w", e.Action, e.Target, err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO audit_log (actor, action, target, before, after, request_id)
		VALUES ($1, $2, $3, $4, $5, $6)`, e.Actor, e.Action, e.Target, before, after, e.RequestID); err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.Target, err)
	}
	return nil
}

func jsonOrNull(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// AuditLog returns the newest entries of the audit log, newest first.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, target, before, after, request_id
		FROM audit_log ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		var r AuditRecord
		var before, after []byte
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Action, &r.Target, &before, &after, &r.RequestID); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		r.Before, r.After = rawOrNull(before), rawOrNull(after)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

func rawOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}
