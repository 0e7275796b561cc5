package suggest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/store"
)

// Service drafts suggested divisions as proposals of an adjustment
// engine.
type Service struct {
	st  *store.Store
	eng *adjust.Engine
}

// New returns a service over st drafting with eng.
func New(st *store.Store, eng *adjust.Engine) *Service { return &Service{st: st, eng: eng} }

// Answer is what POST /villages/{code}/suggest-division answers: the
// draft proposal and the suggestion it holds, measured.
type Answer struct {
	Proposal   adjust.Proposal `json:"proposal"`
	Suggestion *Plan           `json:"suggestion"`
}

// The bounds of Params a request may ask for.
const (
	minTarget, maxTarget       = 10, 5000
	minTolerance, maxTolerance = 0.01, 0.5
)

// Check returns per-field problems of p (empty when fine); zero values
// ask for the defaults.
func (p Params) Check() map[string]string {
	out := map[string]string{}
	if p.Target != 0 && (p.Target < minTarget || p.Target > maxTarget) {
		out["target_households"] = fmt.Sprintf("want %d to %d households per grid (Art. 7: about 300 in a town), not %d", minTarget, maxTarget, p.Target)
	}
	if p.Tolerance != 0 && !(p.Tolerance >= minTolerance && p.Tolerance <= maxTolerance) || math.IsNaN(p.Tolerance) {
		out["tolerance"] = fmt.Sprintf("want a share of the target from %.2f to %.2f (0.15 is ±15%%), not %g", minTolerance, maxTolerance, p.Tolerance)
	}
	return out
}

// Draft suggests a division of village v and stores it as a draft
// proposal of a's: one redraw of the village's comprehensive grids, Art.
// 8 reason 2 (population movement), with a text saying it was
// suggested. Errors are adjust.Errors (403 role or county, 404 village,
// 422 parameters or a village without comprehensive grids).
func (s *Service) Draft(ctx context.Context, a adjust.Actor, v geo.Code, p Params) (*Answer, error) {
	if a.Role != adjust.RolePlanner && a.Role != adjust.RoleAdmin {
		return nil, &adjust.Error{Kind: adjust.KindForbidden, Msg: fmt.Sprintf("suggesting a division drafts a proposal, which needs the role planner; you are %q", a.Role)}
	}
	if v.Level() != geo.LevelVillage {
		return nil, &adjust.Error{Kind: adjust.KindInvalid, Msg: fmt.Sprintf("%q is not a village code (12 digits)", v)}
	}
	if !a.Covers(v.County()) {
		return nil, &adjust.Error{Kind: adjust.KindForbidden, Msg: fmt.Sprintf("village %s is in county %s, outside your area %s", v, v.County(), a.Area)}
	}
	if bad := p.Check(); len(bad) > 0 {
		var parts []string
		for k, m := range bad {
			parts = append(parts, k+": "+m)
		}
		return nil, &adjust.Error{Kind: adjust.KindInvalid, Msg: strings.Join(parts, "; ")}
	}
	version, err := s.st.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	plan, err := Suggest(ctx, s.st, v, p)
	switch {
	case errors.Is(err, errNoVillage):
		return nil, &adjust.Error{Kind: adjust.KindNotFound, Msg: fmt.Sprintf("village %s not found", v)}
	case errors.Is(err, errNoGrids):
		return nil, &adjust.Error{Kind: adjust.KindInvalid, Msg: fmt.Sprintf("village %s has no comprehensive grids to redraw; draw them first (create)", v)}
	case errors.Is(err, errNoHouseholds):
		return nil, &adjust.Error{Kind: adjust.KindInvalid, Msg: fmt.Sprintf("village %s: its comprehensive grids hold no households, so there is nothing to balance", v)}
	case err != nil:
		return nil, err
	}
	op := ops.Op{Type: ops.Redraw, Grids: make([]geo.Code, len(plan.Current))}
	for i, c := range plan.Current {
		op.Grids[i] = geo.Code(c)
	}
	for _, g := range plan.Grids {
		var shape orb.Geometry = g.Geometry
		if len(g.Geometry) == 1 {
			shape = g.Geometry[0] // a grid is one piece: a Polygon
		}
		op.Parts = append(op.Parts, ops.Part{Code: geo.Code(g.Code), Kind: g.Kind, Name: g.Name,
			Geometry: geojson.NewGeometry(shape)})
	}
	text := fmt.Sprintf("Suggested by gridmap (issue 20): %s's %d households in %d grids of about %d (±%.0f%%), %s; %d households change grid. A draft to review before submitting.",
		plan.VillageName, plan.Households, len(plan.Grids), plan.Target, plan.Tolerance*100, plan.Method, plan.MovedHouseholds)
	prop, err := s.eng.Create(ctx, a, adjust.Draft{County: v.County(), Reason: adjust.ReasonPopulation, ReasonText: text,
		BaseVersion: version, Ops: []ops.Op{op}})
	if err != nil {
		return nil, err
	}
	return &Answer{Proposal: prop, Suggestion: plan}, nil
}
