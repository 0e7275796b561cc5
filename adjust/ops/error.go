package ops

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store"
)

// Error says why an operation cannot be carried out (a grid that is not
// current, a line that does not cut the grid, ...). Index is the
// operation's position in the proposal, from 0.
type Error struct {
	Index int
	Op    string
	Msg   string
	// Codes are the grids (or, for create, the village) the operation
	// names. Set by the evaluation, like Location and Findings.
	Codes []string
	// Location is where a map shows the failure: the operation's own
	// line or polygon, else the grids it names (else their village).
	Location orb.Geometry
	// Findings are the located findings the operations gathered before
	// this one failed (a create's overlaps, say): they still say what to
	// fix, so they are not dropped with the run.
	Findings []geo.Finding
}

func (e *Error) Error() string { return fmt.Sprintf("operation %d (%s): %s", e.Index+1, e.Op, e.Msg) }

// Finding is the failure as a located error finding (check "operation").
func (e *Error) Finding() geo.Finding {
	codes := e.Codes
	if codes == nil {
		codes = []string{}
	}
	return geo.Finding{Check: CheckOperation, Severity: geo.SeverityError, Codes: codes, Message: e.Error(), Location: e.Location}
}

// AllFindings are the findings gathered before the failure followed by
// the failure itself: everything a planner has to fix, in order.
func (e *Error) AllFindings() []geo.Finding {
	return append(append([]geo.Finding{}, e.Findings...), e.Finding())
}

// locateError fills in what the evaluation knows of a failed operation:
// the codes it names, a location and the findings gathered so far. The
// location is looked up on tx (the work table first: a grid made earlier
// in the proposal is only there); a lookup that fails leaves it nil, as
// the failure itself is what matters.
func locateError(ctx context.Context, tx pgx.Tx, ops []Op, e *Error, findings []geo.Finding) {
	e.Findings = append(e.Findings, findings...)
	if e.Index < 0 || e.Index >= len(ops) {
		return
	}
	op := ops[e.Index]
	var codes []string
	for _, c := range append(append([]geo.Code{}, op.Grids...), op.To...) {
		codes = append(codes, string(c))
	}
	if len(codes) == 0 && op.Village != "" {
		codes = []string{string(op.Village)}
	}
	if e.Codes == nil {
		e.Codes = codes
	}
	if e.Location != nil {
		return
	}
	if op.Geometry != nil && op.Geometry.Coordinates != nil {
		e.Location = op.Geometry.Coordinates
		return
	}
	var mp orb.MultiPolygon
	for _, p := range op.Parts {
		if p.Geometry == nil {
			continue
		}
		switch g := p.Geometry.Coordinates.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		}
	}
	if len(mp) > 0 {
		e.Location = mp
		return
	}
	if len(codes) == 0 {
		return
	}
	villages := make([]string, 0, len(codes))
	for _, c := range codes {
		v := geo.Code(c)
		if v.Level() != geo.LevelVillage {
			v = v.Village()
		}
		villages = append(villages, string(v))
	}
	// In a savepoint, so that a look-up that fails leaves the caller's
	// transaction as it was.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return
	}
	defer sp.Rollback(ctx)
	var loc orb.MultiPolygon
	if err := sp.QueryRow(ctx, `SELECT ST_Multi(ST_Union(g)) FROM (
			SELECT coalesce(w.geom, w.old_geom) AS g FROM adj_work w WHERE w.code = ANY($1)
			UNION ALL SELECT geom FROM grid_latest g WHERE g.code = ANY($1) AND NOT EXISTS (SELECT 1 FROM adj_work w WHERE w.code = g.code)) x
		HAVING count(g) > 0
		UNION ALL
		SELECT ST_Multi(ST_Union(geom)) FROM area WHERE code = ANY($2) AND geom IS NOT NULL HAVING count(*) > 0
		LIMIT 1`, codes, villages).Scan(store.ScanMultiPolygon(&loc)); err == nil && loc != nil {
		e.Location = loc
	}
}
