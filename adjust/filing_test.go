package adjust_test

import (
	"strings"
	"testing"

	"gridmap/adjust"
	"gridmap/web/i18n"
)

// TestFilingPageLanguages writes a filing record (as stored) in Chinese,
// the default, and in English: the rules' words, Chinese dates and
// numbers, and no text missing from either.
func TestFilingPageLanguages(t *testing.T) {
	t.Parallel()
	rec, err := adjust.ReadFiling([]byte(`{"proposal": 42, "county": "320902000000", "reason": 2, "reason_text": "拆迁",
		"operations": [{"type": "split", "grids": ["320902001001005"]}, {"type": "rename", "grids": ["320902001001006"], "name": "新村", "kind": "urban"}],
		"before": {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "320902001001005", "state": "retired"},
			"geometry": {"type": "Polygon", "coordinates": [[[120, 33], [120.01, 33], [120.01, 33.01], [120, 33]]]}}]},
		"after": {"type": "FeatureCollection", "features": []},
		"moves": [{"from": "320902001001005", "to": "320902001001007", "households": 1234, "units": 5}],
		"totals": [{"code": "320902001001007", "households_before": 0, "households_after": 1234}],
		"lineage": [{"old": "320902001001005", "new": "320902001001007"}],
		"drafted_by": "planner-1", "approved_by": "approver-1", "approved_at": "2026-12-06T02:00:00Z",
		"applied_by": "approver-1", "applied_at": "2026-12-06T17:30:00Z", "effective_at": "2026-12-06T16:00:00Z", "version": 7}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang    i18n.Lang
		want    []string
		notWant []string
	}{
		{i18n.Chinese, []string{`<html lang="zh-CN">`, "网格划分和调整情况备案", "第八条（二）网格内出现重大拆迁、人员流动变化",
			"2026年12月7日 01:30（北京时间）", "2026年12月7日 00:00（北京时间）", "1,234", "拆分", "更名", "城镇综合网格",
			"市网格化机构尚未确认备案", "调整前", "数据版本 7"},
			[]string{"Art. 8", "December", "Households"}},
		{i18n.English, []string{`<html lang="en">`, "Art. 8 (2) major demolition", "7 December 2026, 01:30 (Beijing time)",
			"1,234", "split", "not yet acknowledged by the city"},
			[]string{"第八条", "城镇综合网格"}},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := adjust.WriteFilingHTML(&b, tt.lang, rec, ""); err != nil {
			t.Fatalf("%s: %v", tt.lang, err)
		}
		page := b.String()
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s filing page lacks %q", tt.lang, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(page, w) {
				t.Errorf("%s filing page has %q", tt.lang, w)
			}
		}
		for key := range tt.lang.Messages() {
			if strings.Contains(page, key) {
				t.Errorf("%s filing page shows the key %q", tt.lang, key)
			}
		}
	}
}
