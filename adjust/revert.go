package adjust

import (
	"context"
	"fmt"

	"github.com/paulmach/orb/geojson"

	"gridmap/adjust/ops"
	"gridmap/geo"
)

// Revert drafts a proposal whose result equals the state before applied
// proposal id: for each village, one redraw of the grids the proposal
// made or changed into the shapes, names and kinds they had before. Codes
// it retired stay retired (a code is never reused): their areas get new
// codes, with lineage from the codes they come from. The draft is based on
// the version the proposal made, so it is refused as stale if any of
// those grids changed since.
func (e *Engine) Revert(ctx context.Context, a Actor, id int64) (Proposal, error) {
	p, err := e.Get(ctx, a, id)
	if err != nil {
		return p, err
	}
	if p.Status != string(StatusApplied) && p.Status != string(StatusFiled) {
		return p, refuse(KindConflict, "proposal %d is %s; only an applied proposal is reverted", id, p.Status)
	}
	raw, _, err := Filing(ctx, e.st, id)
	if err != nil {
		return p, classify(err)
	}
	rec, err := ReadFiling(raw)
	if err != nil {
		return p, err
	}
	type village struct {
		grids []geo.Code
		parts []ops.Part
	}
	byVillage := map[geo.Code]*village{}
	var order []geo.Code
	get := func(c geo.Code) *village {
		// One redraw per village, or per exclusive grid for sub-grids.
		v := c.Village()
		if c.Level() == geo.LevelSubGrid {
			v = c.Parent()
		}
		if byVillage[v] == nil {
			byVillage[v] = &village{}
			order = append(order, v)
		}
		return byVillage[v]
	}
	alive := map[geo.Code]bool{}
	// A grid the proposal only edge matched (it took a vertex of a new
	// edge, same shape) is left as it is: the redraw of its changed
	// neighbours keeps that vertex wherever their edges still meet.
	matched := func(f *geojson.Feature) bool { return f.Properties["edge_matched"] == true }
	if rec.After != nil {
		for _, f := range rec.After.Features {
			if matched(f) {
				continue
			}
			c := geo.Code(fmt.Sprint(f.Properties["code"]))
			alive[c] = true
			v := get(c)
			v.grids = append(v.grids, c)
		}
	}
	if rec.Before != nil {
		for _, f := range rec.Before.Features {
			if matched(f) {
				continue
			}
			c := geo.Code(fmt.Sprint(f.Properties["code"]))
			part := ops.Part{Kind: geo.Kind(fmt.Sprint(f.Properties["kind"])), Name: fmt.Sprint(f.Properties["name"]),
				Geometry: geojson.NewGeometry(f.Geometry)}
			if alive[c] {
				part.Code = c
			}
			v := get(c)
			v.parts = append(v.parts, part)
		}
	}
	var redraws []ops.Op
	for _, v := range order {
		g := byVillage[v]
		if len(g.grids) == 0 || len(g.parts) == 0 {
			return p, refuse(KindInvalid, "proposal %d only created or only retired grids in %s; revert it by hand", id, v)
		}
		redraws = append(redraws, ops.Op{Type: ops.Redraw, Grids: g.grids, Parts: g.parts})
	}
	return e.Create(ctx, a, Draft{County: p.County, Reason: ReasonOther, ReasonText: fmt.Sprintf("revert of proposal %d", id),
		BaseVersion: p.AppliedVersion, Ops: redraws})
}
