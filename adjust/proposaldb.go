package adjust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// The proposal and filing tables: proposals as drafted and moved through
// their statuses (each write audited in its own transaction), and the
// filing records that apply writes and the city acknowledges.

// ErrStatus is wrapped when a proposal is not in the status a step needs
// (someone else moved it first).
var ErrStatus = errors.New("proposal status changed")

const proposalCols = `p.id, p.county, p.reason, p.reason_text, p.base_version, p.author, p.status, p.ops,
	p.effective_at, coalesce(p.approved_by, ''), p.decided_at, p.decision_note, p.applied_at,
	coalesce(p.applied_version, 0), coalesce(f.filing_no, ''), coalesce(p.cancelled_by, ''), p.cancelled_at, p.cancel_note,
	p.created_at, p.updated_at`

func scanProposal(row pgx.Row) (Proposal, error) {
	var p Proposal
	var ops []byte
	err := row.Scan(&p.ID, &p.County, &p.Reason, &p.ReasonText, &p.BaseVersion, &p.Author, &p.Status, &ops,
		&p.EffectiveAt, &p.ApprovedBy, &p.DecidedAt, &p.DecisionNote, &p.AppliedAt,
		&p.AppliedVersion, &p.FilingNo, &p.CancelledBy, &p.CancelledAt, &p.CancelNote, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(ops, &p.Ops); err != nil {
		return p, fmt.Errorf("proposal %d: operations: %w", p.ID, err)
	}
	return p, nil
}

// InsertProposal stores a new draft proposal and audits it; it returns
// the proposal as stored.
func InsertProposal(ctx context.Context, st *store.Store, p Proposal, actor string) (Proposal, error) {
	if p.Ops == nil {
		p.Ops = []ops.Op{}
	}
	ops, err := json.Marshal(p.Ops)
	if err != nil {
		return p, fmt.Errorf("insert proposal: operations: %w", err)
	}
	var out Proposal
	err = pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO proposal (county, reason, reason_text, base_version, author, ops, effective_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			p.County, p.Reason, p.ReasonText, p.BaseVersion, p.Author, ops, p.EffectiveAt).Scan(&id); err != nil {
			return err
		}
		out, err = proposalTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		return st.Audit(ctx, tx, store.AuditEntry{Actor: actor, Action: "proposal.create", Target: fmt.Sprint(id), After: out})
	})
	if err != nil {
		return out, fmt.Errorf("insert proposal: %w", err)
	}
	return out, nil
}

// LoadProposal returns proposal id, or store.ErrNotFound.
func LoadProposal(ctx context.Context, st *store.Store, id int64) (Proposal, error) {
	return proposalTx(ctx, st.Pool(), id, false)
}

func proposalTx(ctx context.Context, q store.Querier, id int64, forUpdate bool) (Proposal, error) {
	sql := `SELECT ` + proposalCols + ` FROM proposal p LEFT JOIN filing f ON f.proposal = p.id WHERE p.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF p`
	}
	p, err := scanProposal(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("proposal %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("proposal %d: %w", id, err)
	}
	return p, nil
}

// ListProposals lists the proposals of a county ("" for all), newest first.
func ListProposals(ctx context.Context, st *store.Store, county geo.Code, limit int) ([]Proposal, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := st.Pool().Query(ctx, `SELECT `+proposalCols+` FROM proposal p LEFT JOIN filing f ON f.proposal = p.id
		WHERE $1 = '' OR p.county = $1 ORDER BY p.id DESC LIMIT $2`, county, limit)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("list proposals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProposalChange is a change of a proposal's status and fields, made only
// when the proposal is in one of the From statuses.
type ProposalChange struct {
	From   []string // allowed current statuses
	To     string   // new status ("" keeps it)
	Action string   // audit action, e.g. "proposal.submit"
	Actor  string
	// Optional field changes.
	Ops          *[]ops.Op
	EffectiveAt  *time.Time
	ApprovedBy   string // set on approve/reject
	DecisionNote string
	BaseVersion  int64 // > 0: draw the proposal on this dataset version
}

// UpdateProposal applies ch to proposal id in one audited transaction. It
// wraps ErrStatus when the proposal is not in a status of ch.From.
func UpdateProposal(ctx context.Context, st *store.Store, id int64, ch ProposalChange) (Proposal, error) {
	var out Proposal
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		before, err := proposalTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !contains(ch.From, before.Status) {
			return fmt.Errorf("%w: it is %s, and %s needs %v", ErrStatus, before.Status, ch.Action, ch.From)
		}
		var ops []byte
		if ch.Ops != nil {
			if ops, err = json.Marshal(*ch.Ops); err != nil {
				return fmt.Errorf("operations: %w", err)
			}
		}
		to := ch.To
		if to == "" {
			to = before.Status
		}
		decided := ch.ApprovedBy != ""
		if _, err := tx.Exec(ctx, `UPDATE proposal SET status = $2,
				ops = coalesce($3::jsonb, ops),
				effective_at = coalesce($4, effective_at),
				base_version = CASE WHEN $8 > 0 THEN $8 ELSE base_version END,
				approved_by = CASE WHEN $5 THEN $6 ELSE approved_by END,
				decided_at = CASE WHEN $5 THEN now() ELSE decided_at END,
				decision_note = CASE WHEN $5 THEN $7 ELSE decision_note END,
				updated_at = now()
			WHERE id = $1`, id, to, ops, ch.EffectiveAt, decided, ch.ApprovedBy, ch.DecisionNote, ch.BaseVersion); err != nil {
			return err
		}
		if out, err = proposalTx(ctx, tx, id, false); err != nil {
			return err
		}
		return st.Audit(ctx, tx, store.AuditEntry{Actor: ch.Actor, Action: ch.Action, Target: fmt.Sprint(id),
			Before: statusView(before), After: statusView(out)})
	})
	if err != nil {
		return out, fmt.Errorf("proposal %d: %s: %w", id, ch.Action, err)
	}
	return out, nil
}

// statusView is what the audit log keeps of a proposal step: the status
// and decision, plus the operations (small: a few geometries).
func statusView(p Proposal) map[string]any {
	return map[string]any{"status": p.Status, "ops": p.Ops, "approved_by": p.ApprovedBy, "base_version": p.BaseVersion,
		"decision_note": p.DecisionNote, "effective_at": p.EffectiveAt}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Filing returns the filing record of an applied proposal and its filing
// number ("" until the city acknowledges it).
func Filing(ctx context.Context, st *store.Store, proposal int64) (json.RawMessage, string, error) {
	var rec []byte
	var no *string
	err := st.Pool().QueryRow(ctx, `SELECT record, filing_no FROM filing WHERE proposal = $1`, proposal).Scan(&rec, &no)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", fmt.Errorf("filing of proposal %d: %w", proposal, store.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("filing of proposal %d: %w", proposal, err)
	}
	if no == nil {
		return rec, "", nil
	}
	return rec, *no, nil
}

// AcknowledgeFiling records the city's filing number for an applied
// proposal and moves it to filed, audited.
func AcknowledgeFiling(ctx context.Context, st *store.Store, proposal int64, filingNo, actor string) (Proposal, error) {
	var out Proposal
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		p, err := proposalTx(ctx, tx, proposal, true)
		if err != nil {
			return err
		}
		if p.Status != "applied" {
			return fmt.Errorf("%w: it is %s, and only an applied proposal is filed", ErrStatus, p.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE filing SET filing_no = $2, acknowledged_by = $3, acknowledged_at = now() WHERE proposal = $1`,
			proposal, filingNo, actor); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE proposal SET status = 'filed', updated_at = now() WHERE id = $1`, proposal); err != nil {
			return err
		}
		if out, err = proposalTx(ctx, tx, proposal, false); err != nil {
			return err
		}
		return st.Audit(ctx, tx, store.AuditEntry{Actor: actor, Action: "proposal.file", Target: fmt.Sprint(proposal),
			Before: map[string]any{"status": "applied"}, After: map[string]any{"status": "filed", "filing_no": filingNo}})
	})
	if err != nil {
		return out, fmt.Errorf("file proposal %d: %w", proposal, err)
	}
	return out, nil
}
