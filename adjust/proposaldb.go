package adjust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
	"gridmap/store"
)

// The operation types of a boundary-adjustment proposal (issue 6).
const (
	OpCreate   = "create"   // a new grid on a gap of a village
	OpSplit    = "split"    // cut a grid by a line; every part gets a new code
	OpMerge    = "merge"    // merge adjacent grids of one village into one new code
	OpReshape  = "reshape"  // redraw the shared edge of two adjacent grids
	OpTransfer = "transfer" // move an area from grid(s) to another grid
	OpRetire   = "retire"   // retire a grid; its area goes to the taker grid(s)
	OpRename   = "rename"   // new name and/or kind, same geometry
	OpRedraw   = "redraw"   // redraw a set of adjacent grids as new parts of their union
)

// Op is one operation of a proposal, as stored (JSON) and as the
// adjustment queries read it. Which fields matter depends on Type:
//
//	create:   Village, Geometry (polygon), Kind, Name
//	split:    Grids[0], Geometry (the cutting line); Name is a prefix for the parts
//	merge:    Grids (two or more), optional Kind and Name
//	reshape:  Grids[0], Grids[1], Geometry (the new shared line)
//	transfer: Grids (from), To[0], Geometry (the polygon that moves)
//	retire:   Grids[0], To (the grids that take its area)
//	rename:   Grids[0], Name and/or Kind
//	redraw:   Grids (the set redrawn), Parts (polygons partitioning their union)
type Op struct {
	Type     string            `json:"type"`
	Village  geo.Code          `json:"village,omitempty"`
	Grids    []geo.Code        `json:"grids,omitempty"`
	To       []geo.Code        `json:"to,omitempty"`
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
	Kind     geo.Kind          `json:"kind,omitempty"`
	Name     string            `json:"name,omitempty"`
	// Multipart allows the grids this operation makes or changes to have
	// several parts (say, one villager group on both banks of a river);
	// otherwise a grid of more than one part is an error.
	Multipart bool `json:"multipart,omitempty"`
	// Parts are the new grids of a redraw.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one new grid of a redraw: an existing code of the set
// (kept, new version) or none (a new code), its kind, name and polygon.
type Part struct {
	Code     geo.Code          `json:"code,omitempty"`
	Kind     geo.Kind          `json:"kind"`
	Name     string            `json:"name"`
	Geometry *geojson.Geometry `json:"geometry"`
}

// Proposal is a proposal row.
type Proposal struct {
	ID             int64      `json:"id"`
	County         geo.Code   `json:"county"`
	Reason         int        `json:"reason"`
	ReasonText     string     `json:"reason_text,omitempty"`
	BaseVersion    int64      `json:"base_version"`
	Author         string     `json:"author"`
	Status         string     `json:"status"`
	Ops            []Op       `json:"ops"`
	EffectiveAt    *time.Time `json:"effective_at,omitempty"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecisionNote   string     `json:"decision_note,omitempty"`
	AppliedAt      *time.Time `json:"applied_at,omitempty"`
	AppliedVersion int64      `json:"applied_version,omitempty"`
	FilingNo       string     `json:"filing_no,omitempty"`
	// Set when a proposal applied ahead of time was cancelled before
	// its effective time.
	CancelledBy string     `json:"cancelled_by,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	CancelNote  string     `json:"cancel_note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

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
		p.Ops = []Op{}
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

// Proposal returns proposal id, or store.ErrNotFound.
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

// Proposals lists the proposals of a county ("" for all), newest first.
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
	Ops          *[]Op
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

// Lineage is one (old code → new code) link written by an applied proposal.
type Lineage struct {
	Old      geo.Code  `json:"old"`
	New      geo.Code  `json:"new"`
	Proposal int64     `json:"proposal"`
	At       time.Time `json:"at"`
}

// GridLineage returns the lineage links where code is the old or the new
// code, oldest first.
func GridLineage(ctx context.Context, st *store.Store, code geo.Code) ([]Lineage, error) {
	rows, err := st.Pool().Query(ctx, `SELECT old_code, new_code, proposal, at FROM grid_lineage
		WHERE old_code = $1 OR new_code = $1 ORDER BY at, old_code, new_code`, code)
	if err != nil {
		return nil, fmt.Errorf("lineage of %s: %w", code, err)
	}
	defer rows.Close()
	var out []Lineage
	for rows.Next() {
		var l Lineage
		if err := rows.Scan(&l.Old, &l.New, &l.Proposal, &l.At); err != nil {
			return nil, fmt.Errorf("lineage of %s: %w", code, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
