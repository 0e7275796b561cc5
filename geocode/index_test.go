package geocode

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/records"
)

// smallIndex is a county with an urban street (a road, a door with a
// compound) and two towns that each have a 新街村.
func smallIndex(t testing.TB) *Index {
	t.Helper()
	area := func(code, name string, l geo.Level) geo.Area {
		c := geo.MustParseCode(code)
		return geo.Area{Code: c, Name: name, Level: l, Parent: c.Parent()}
	}
	snap := geo.NewSnapshot(7, time.Time{}, []geo.Area{
		area("320900000000", "盐城市", geo.LevelCity),
		area("320902000000", "亭湖区", geo.LevelCounty),
		area("320902001000", "五星街道办事处", geo.LevelTown),
		area("320902001001", "新园社区居委会", geo.LevelVillage),
		area("320902107000", "盐东镇", geo.LevelTown),
		area("320902107201", "新街村委会", geo.LevelVillage),
		area("320902107202", "正洋村委会", geo.LevelVillage),
		area("320902108000", "黄尖镇", geo.LevelTown),
		area("320902108201", "新街村委会", geo.LevelVillage),
		area("320971000000", "盐城经济技术开发区", geo.LevelCounty),
		area("320971100000", "步凤镇", geo.LevelTown),
		area("320971100201", "仁智村委会", geo.LevelVillage),
		area("320981000000", "东台市", geo.LevelCounty),
		area("320981409000", "开发区", geo.LevelTown),
	}, nil)
	urban := records.Address{City: "盐城市", County: "亭湖区", Town: "五星街道", Village: "新园社区", Road: "解放南路"}
	rural := func(town, village, group, number string) records.Address {
		return records.Address{City: "盐城市", County: "亭湖区", Town: town, Village: village, Group: group, Number: number}
	}
	with := func(a records.Address, f func(*records.Address)) records.Address { f(&a); return a }
	es := []Entry{
		{ID: 1, Address: with(urban, func(a *records.Address) { a.Number = "12" }), Grid: "320902001001001", Point: orb.Point{120.1, 33.3}},
		{ID: 2, Address: with(urban, func(a *records.Address) {
			a.Number, a.Compound, a.Building, a.Entrance, a.Room = "12", "聚龙湖花园", "3", "2", "501"
		}), Grid: "320902001001002", Point: orb.Point{120.101, 33.3}},
		{ID: 3, Address: with(urban, func(a *records.Address) {
			a.Number, a.Compound, a.Building, a.Entrance, a.Room = "12", "聚龙湖花园", "3", "2", "502"
		}), Grid: "320902001001002", Point: orb.Point{120.102, 33.3}},
		{ID: 4, Address: with(urban, func(a *records.Address) { a.Number = "14" }), Grid: "320902001001001", Point: orb.Point{120.103, 33.3}},
		{ID: 5, Address: rural("盐东镇", "新街村", "3", "15"), Grid: "320902107201001", Point: orb.Point{120.3, 33.4}},
		{ID: 6, Address: rural("黄尖镇", "新街村", "3", "15"), Grid: "320902108201001", Point: orb.Point{120.4, 33.5}},
		{ID: 7, Address: rural("盐东镇", "正洋村", "5", "16"), Grid: "320902107202001", Point: orb.Point{120.31, 33.41}},
		{ID: 8, Address: with(rural("步凤镇", "仁智村", "8", "8"), func(a *records.Address) { a.County = "盐城经济技术开发区" }),
			Grid: "320971100201001", Point: orb.Point{120.5, 33.5}},
	}
	for i := range es {
		es[i].Code = "320902001001" + "000000" + string(rune('0'+es[i].ID))
		es[i].Text = es[i].Address.Text()
	}
	ix, err := NewIndex(snap, "江苏省", es)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestGeocode(t *testing.T) {
	ix := smallIndex(t)
	for _, c := range []struct {
		q      string
		status Status
		id     int64    // Matched
		area   geo.Code // AreaOnly
		n      int      // Ambiguous: candidates
	}{
		{q: "江苏省盐城市亭湖区五星街道解放南路12号", status: Matched, id: 1},
		{q: "解放南路12号", status: Matched, id: 1},
		{q: "解放南路12号聚龙湖花园3-2-501", status: Matched, id: 2},
		{q: "解放南路十二号3栋2单元501室", status: Matched, id: 2},
		{q: "解放难路12号聚龙湖花园3幢2单元501室", status: Matched, id: 2},
		{q: "鹽城市亭湖區解放南路12號聚龍湖花園3幢2單元502室", status: Matched, id: 3},
		{q: "聚龙湖花园3幢2单元501室", status: Matched, id: 2},
		{q: "五星街道新园社区解放南路14号", status: Matched, id: 4},
		{q: "盐东镇新街村3组15号", status: Matched, id: 5},
		{q: "黄尖镇新街村三组十五号", status: Matched, id: 6},
		{q: "亭湖区盐东镇正洋村第五组16号", status: Matched, id: 7},
		// a county whose name begins with the city's short name
		{q: "盐城市盐城经济技术开发区步凤镇仁智村8组8号", status: Matched, id: 8},
		{q: "江苏盐城经济技术开发区步凤镇仁智村8组8号", status: Matched, id: 8},
		// strict on numbers
		{q: "解放南路12号聚龙湖花园3幢2单元503室", status: AreaOnly, area: "320902001001"},
		{q: "解放南路13号", status: AreaOnly, area: "320902001001"},
		{q: "正洋村5组17号", status: AreaOnly, area: "320902107202"},
		// a road that does not exist in a real town
		{q: "盐城市亭湖区五星街道幸福路8号", status: AreaOnly, area: "320902001000"},
		{q: "盐东镇解放南路12号", status: AreaOnly, area: "320902107000"},
		{q: "新街村3组15号", status: Ambiguous, n: 2},
		{q: "解放南路12号3幢", status: Ambiguous, n: 2},
		{q: "火星路1号", status: Unmatched},
		{q: "", status: Unmatched},
	} {
		a := ix.Geocode(c.q)
		if a.Status != c.status {
			t.Errorf("%q: %s, want %s (%+v; parsed %+v)", c.q, a.Status, c.status, a, ix.Parse(c.q))
			continue
		}
		switch c.status {
		case Matched:
			if a.Address.ID != c.id || a.Address.Grid == "" {
				t.Errorf("%q: matched %+v, want id %d", c.q, a.Address, c.id)
			}
		case AreaOnly:
			if a.Area != c.area {
				t.Errorf("%q: area %s, want %s", c.q, a.Area, c.area)
			}
		case Ambiguous:
			if len(a.Candidates) != c.n {
				t.Errorf("%q: %d candidates, want %d", c.q, len(a.Candidates), c.n)
			}
		}
	}
}

func TestNearest(t *testing.T) {
	ix := smallIndex(t)
	if i, d := ix.nearest(orb.Point{120.1002, 33.3}, 100); i < 0 || ix.entry(i).ID != 1 || d > 30 {
		t.Errorf("nearest: %d at %.0f m, want address 1", i, d)
	}
	if i, _ := ix.nearest(orb.Point{121, 34}, 100); i >= 0 {
		t.Errorf("nearest far away: %d, want none", i)
	}
}

// FuzzParse feeds arbitrary text to the normaliser and parser: they must
// not panic, and normalising is idempotent.
func FuzzParse(f *testing.F) {
	ix := smallIndex(f)
	for _, s := range []string{"江苏省盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室", "新街村第三组十五号",
		"聚龙湖花园3-2-501", "鹽城市亭湖區", "3#2单元501房", "一百零五号", "十百千号", "--1-2-3-4-号", "\xff\xfe号"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := ix.Normalize(s)
		if again := ix.Normalize(n); again != n {
			t.Errorf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		_ = ix.Parse(s)
		_ = ix.Geocode(s)
	})
}
