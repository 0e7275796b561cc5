package adjust_test

import (
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/ops"
)

func TestDraftValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d    adjust.Draft
		bad  []string
		name string
	}{
		{adjust.Draft{County: "320902000000", Reason: adjust.ReasonPopulation}, nil, "fine"},
		{adjust.Draft{County: "320902001000", Reason: adjust.ReasonPopulation}, []string{"county"}, "town as county"},
		{adjust.Draft{County: "320902000000", Reason: 0}, []string{"reason"}, "no reason"},
		{adjust.Draft{County: "320902000000", Reason: adjust.ReasonOther, ReasonText: " "}, []string{"reason_text"}, "other without text"},
		{adjust.Draft{County: "320902000000", Reason: adjust.ReasonDepartment, BaseVersion: -1,
			Ops: []ops.Op{{Type: "merge"}}}, []string{"base_version", "ops[0]"}, "bad base and op"},
	}
	for _, tc := range cases {
		p := tc.d.Valid()
		if len(p) != len(tc.bad) {
			t.Errorf("%s: problems %v, want %v", tc.name, p, tc.bad)
		}
		for _, k := range tc.bad {
			if p[k] == "" {
				t.Errorf("%s: no problem for %s in %v", tc.name, k, p)
			}
		}
	}
}
