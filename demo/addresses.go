package demo

import (
	"fmt"
	"strconv"

	"gridmap/geo"
	"gridmap/records"
)

// gridAddress is how the standard addresses (标准地址) of one grid's
// households and units are written. Urban grids are on a road of their
// own in their town: the households in a compound behind one door number
// of the road (解放南路17号聚龙湖花园3幢2单元501室), the units at the
// even door numbers of the road. Rural grids are villager groups: door
// numbers in the group (新街村3组15号), the units after the households.
// Exclusive grids are on a road of their own too, households (staff
// dormitories) at odd, units at even door numbers.
type gridAddress struct {
	// parts of records.Address; group and road are exclusive
	city, county, town, village, group, road, compound string
	// prefix is the text of the parts above the door number
	// (records.Address.Text of them), to which the SQL of the record
	// stages appends the numbered parts.
	prefix string
	// base is added to every door number on the road: a town with more
	// road grids than road names gives a road twice, in another thousand.
	base int
	// door is the compound's door number on the road (urban grids).
	door int
}

// The pieces of the demo's road and compound names. Roads are drawn per
// town from the combinations, without repeats.
var (
	roadStems = []string{"解放", "建军", "人民", "开放", "青年", "文港", "盐马", "新都", "世纪", "希望",
		"迎宾", "范公", "毓龙", "大庆", "黄海", "双元", "华中", "戴庄", "西环", "东环",
		"南环", "北环", "通榆", "新洋", "文峰", "先锋", "五星", "伍佑", "开创", "盐渎",
		"登瀛", "宝龙", "珠江", "松江", "健康", "跃进", "工农", "青墩", "孔雀", "环城",
		"海洋", "朝阳", "振兴", "和平", "民主", "建设", "团结", "长江", "淮河", "串场"}
	roadSides     = []string{"", "东", "西", "南", "北", "中"}
	roadGenerics  = []string{"路", "街", "大道"}
	compoundStems = []string{"聚龙湖", "金色", "阳光", "幸福", "锦绣", "翠竹", "东方", "嘉禾", "紫薇", "香榭",
		"南苑", "润园", "盛世", "怡景", "碧水", "春江", "明珠", "华庭", "长安", "金海"}
	compoundKinds = []string{"花园", "家园", "小区", "新村", "苑", "华府", "名邸", "公寓"}
)

// roadName is the i-th road name of the combinations.
func roadName(i int) string {
	n := len(roadSides) * len(roadGenerics)
	return roadStems[i/n] + roadSides[i/len(roadGenerics)%len(roadSides)] + roadGenerics[i%len(roadGenerics)]
}

// planAddresses gives every 15-digit grid of the plan how its addresses
// are written, and checks that a full address of each is a valid
// standard address.
func planAddresses(p *demoPlan, seed int64) error {
	names := make(map[geo.Code]string, len(p.areas))
	for _, a := range p.areas {
		names[a.code] = a.name
	}
	combos := len(roadStems) * len(roadSides) * len(roadGenerics)
	type draw struct {
		perm []int
		next int
	}
	roads := map[geo.Code]*draw{}
	for i := range p.grids {
		g := &p.grids[i]
		if g.parentGrid != "" {
			continue
		}
		town := g.village.Town()
		a := gridAddress{city: names[town.County().Parent()], county: names[town.County()], town: names[town],
			village: shortName(names[g.village])}
		full := records.Address{City: a.city, County: a.county, Town: a.town, Village: a.village}
		if g.kind == geo.KindRural {
			a.group = strconv.Itoa(g.code.Seq())
			full.Group = a.group
		} else {
			d := roads[town]
			if d == nil {
				d = &draw{perm: rngFor(seed, town, "roads").Perm(combos)}
				roads[town] = d
			}
			a.road, a.base = roadName(d.perm[d.next%combos]), d.next/combos*1000
			d.next++
			full.Road = a.road
		}
		a.prefix = full.Text()
		full.Number = "1"
		if g.building >= 0 {
			rng := rngFor(seed, g.code, "compound")
			a.compound = compoundStems[rng.IntN(len(compoundStems))] + compoundKinds[rng.IntN(len(compoundKinds))]
			a.door = a.base + 1 + 2*rng.IntN(60)
			full.Compound, full.Building, full.Entrance, full.Room = a.compound, "1", "1", "101"
		}
		if err := full.Validate(); err != nil {
			return fmt.Errorf("grid %s: %w", g.code, err)
		}
		g.address = a
	}
	return nil
}
