package ops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestOpRefsRefused: references that cannot be resolved fail the
// operation naming them, located, and removal renumbers them.
func TestOpRefsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := opstest.New(t)
	split := ops.Op{Type: ops.Split, Grids: []geo.Code{opstest.Grid(5)}, Geometry: opstest.Line(120.015, 33.005, 120.015, 33.025)}
	for _, tc := range []struct {
		name string
		ops  []ops.Op
		msg  string
	}{
		{"forward", []ops.Op{{Type: ops.Rename, Grids: []geo.Code{"@1.1"}, Name: "x"}, split}, "does not come before"},
		{"no such part", []ops.Op{split, {Type: ops.Rename, Grids: []geo.Code{"@0.3"}, Name: "x"}}, "makes 2 grid(s), not 3"},
		{"rename makes none", []ops.Op{{Type: ops.Rename, Grids: []geo.Code{opstest.Grid(1)}, Name: "y"}, {Type: ops.Rename, Grids: []geo.Code{"@0.1"}, Name: "x"}}, "makes 0 grid(s)"},
		{"badly written", []ops.Op{split, {Type: ops.Rename, Grids: []geo.Code{"@0"}, Name: "x"}}, "@<operation index"},
	} {
		_, err := ops.DryRun(ctx, st, tc.ops, 1, ops.Options{})
		var oe *ops.Error
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want an ops.Error saying %q", tc.name, err, tc.msg)
		}
	}
	list := []ops.Op{
		{Type: ops.Rename, Grids: []geo.Code{opstest.Grid(1)}, Name: "y"},
		split,
		{Type: ops.Rename, Grids: []geo.Code{"@1.2"}, Name: "x"},
	}
	out, err := ops.RenumberRefs(list, 0)
	if err != nil || len(out) != 2 || out[1].Grids[0] != "@0.2" || list[2].Grids[0] != "@1.2" {
		t.Errorf("remove operation 0: %+v %v, want the reference renumbered to @0.2 (and the input untouched)", out, err)
	}
	if _, err := ops.RenumberRefs(list, 1); err == nil {
		t.Errorf("removing the split that operation 2 names: no error")
	}
}
