// Package geocodetest is test support for package geocode: realistic
// standard addresses for a demo city (roads with door numbers and
// compounds with buildings, entrances and rooms in urban communities;
// villager groups and door numbers in villages), written into
// standard_address with their grid the lookup of their point, and a
// seeded noisy test set made from them, by kind of noise, with made-up
// addresses beside. gridd bench geocode uses it too. It must never be
// needed by the service itself.
package geocodetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/records"
)

// Address is a generated standard address.
type Address struct {
	records.Address
	Point orb.Point
	Grid  geo.Code
	// ID and Code are set by Insert.
	ID   int64
	Code string
}

// Words of road and compound names.
var (
	roadWords = []string{"解放", "人民", "建设", "开放", "文化", "青年", "迎宾", "希望", "世纪", "毓龙", "范公", "新都", "健康", "盐渎",
		"先锋", "育才", "光明", "幸福", "和平", "振兴", "朝阳", "新华", "永宁", "黄海", "海洋", "红旗", "胜利", "团结", "跃进", "大庆",
		"利民", "富民", "东进", "西环", "南苑", "北京", "上海", "松江", "长江", "太湖", "洪泽", "淮河", "通榆", "串场", "新洋", "蟒蛇",
		"宝龙", "聚龙", "翠竹", "梅花", "桂花", "丹桂", "玉兰", "紫薇", "樱花", "海棠", "芙蓉", "牡丹", "银杏", "香樟", "柳堤", "荷塘"}
	roadDirs     = []string{"", "", "", "东", "西", "南", "北", "中"}
	roadGenerics = []string{"路", "路", "路", "街", "大道", "巷"}
	compoundPre  = []string{"聚龙湖", "金色", "阳光", "锦绣", "碧桂", "万达", "恒大", "绿地", "城南", "城北", "东方", "水岸", "紫金", "月亮湾", "香榭",
		"凤凰", "龙湖", "翡翠", "名都", "御景", "星河", "海德", "时代", "新城", "华府", "国际", "滨河", "清风", "明珠", "丽景"}
	compoundPost = []string{"花园", "小区", "家园", "苑", "名苑", "新村", "公寓", "华庭", "府", "雅居", "嘉园", "山庄"}
)

// Options say how many addresses to make.
type Options struct {
	Seed int64
	// PerGrid is the number of doors per comprehensive grid (default 8);
	// urban doors in a compound carry a few buildings of rooms each.
	PerGrid int
	// Rooms is the number of rooms per compound building entrance
	// (default 4).
	Rooms int
}

// Generate makes standard addresses for every comprehensive grid of the
// snapshot, each at a point the index puts in that grid.
func Generate(snap *geo.Snapshot, ix *geo.Index, opts Options) []Address {
	if opts.PerGrid == 0 {
		opts.PerGrid = 8
	}
	if opts.Rooms == 0 {
		opts.Rooms = 4
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e0c0de))
	city := ""
	for _, a := range snap.Areas {
		if a.Level == geo.LevelCity {
			city = a.Name
		}
	}
	name := func(c geo.Code) string {
		if a := snap.Area(c); a != nil {
			return PlaceName(a.Name)
		}
		return ""
	}
	usedRoad := map[string]bool{}
	newRoad := func() string {
		for range 30 {
			r := roadWords[rng.IntN(len(roadWords))] + roadDirs[rng.IntN(len(roadDirs))] + roadGenerics[rng.IntN(len(roadGenerics))]
			if !usedRoad[r] {
				usedRoad[r] = true
				return r
			}
		}
		// A big city runs out of the combinations: 解放三路, 解放四路 …
		for k := len(usedRoad); ; k++ {
			r := roadWords[k%len(roadWords)] + chineseNumber(1+k/len(roadWords)%99) + "路"
			if !usedRoad[r] {
				usedRoad[r] = true
				return r
			}
		}
	}
	usedCompound := map[string]bool{}
	newCompound := func() string {
		for range 50 {
			c := compoundPre[rng.IntN(len(compoundPre))] + compoundPost[rng.IntN(len(compoundPost))]
			if !usedCompound[c] {
				usedCompound[c] = true
				return c
			}
		}
		for range 50 {
			c := compoundPre[rng.IntN(len(compoundPre))] + roadWords[rng.IntN(len(roadWords))] + compoundPost[rng.IntN(len(compoundPost))]
			if !usedCompound[c] {
				usedCompound[c] = true
				return c
			}
		}
		// … and of compounds: 阳光花园二期
		for k := 2; ; k++ {
			c := compoundPre[rng.IntN(len(compoundPre))] + roadWords[rng.IntN(len(roadWords))] + compoundPost[rng.IntN(len(compoundPost))] + chineseNumber(k%99+1) + "期"
			if !usedCompound[c] {
				usedCompound[c] = true
				return c
			}
		}
	}
	villageRoads := map[geo.Code][]string{}
	nextDoor := map[string]int{}
	var out []Address
	for gi := range snap.Grids {
		g := &snap.Grids[gi]
		if g.ParentGrid != "" || !g.Kind.Comprehensive() || len(g.Geom) == 0 {
			continue
		}
		v := g.Village
		base := records.Address{City: city, County: name(v.County()), Town: name(v.Town()), Village: name(v)}
		urban := strings.HasSuffix(base.Town, "街道") || strings.HasSuffix(base.Village, "社区")
		point := func() (orb.Point, bool) {
			b := g.Geom.Bound()
			for range 60 {
				p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
				if h := ix.Lookup(p); h.Grid >= 0 && snap.Grids[h.Grid].Code == g.Code {
					return p, true
				}
			}
			return orb.Point{}, false
		}
		for range opts.PerGrid {
			a := base
			if urban {
				roads := villageRoads[v]
				if len(roads) < 3 && (len(roads) == 0 || rng.IntN(3) == 0) {
					roads = append(roads, newRoad())
					villageRoads[v] = roads
				}
				a.Road = roads[rng.IntN(len(roads))]
				nextDoor[a.Road] += 1 + rng.IntN(3)
				a.Number = fmt.Sprint(nextDoor[a.Road])
				if rng.IntN(10) == 0 {
					a.Number += "-" + fmt.Sprint(1+rng.IntN(3))
				}
			} else {
				a.Group = fmt.Sprint(1 + rng.IntN(12))
				nextDoor[string(v)] += 1 + rng.IntN(2)
				a.Number = fmt.Sprint(nextDoor[string(v)])
			}
			p, ok := point()
			if !ok {
				continue
			}
			if !urban || rng.IntN(3) == 0 {
				out = append(out, Address{Address: a, Point: p, Grid: g.Code})
				continue
			}
			// A compound at the door: buildings, entrances, rooms.
			a.Compound = newCompound()
			for b := 1; b <= 1+rng.IntN(3); b++ {
				for e := 1; e <= 1+rng.IntN(2); e++ {
					for r := 0; r < opts.Rooms; r++ {
						x := a
						x.Building, x.Entrance = fmt.Sprint(b), fmt.Sprint(e)
						x.Room = fmt.Sprintf("%d%02d", 1+r/2, 1+r%2)
						q, ok := point()
						if !ok {
							q = p
						}
						out = append(out, Address{Address: x, Point: q, Grid: g.Code})
					}
				}
			}
		}
	}
	// The full text is unique among live addresses.
	seen := map[string]bool{}
	out = slices.DeleteFunc(out, func(a Address) bool {
		t := a.Text()
		if seen[t] || a.Validate() != nil {
			return true
		}
		seen[t] = true
		return false
	})
	return out
}

// PlaceName is an area's everyday name: the statistical list names the
// committee (东闸新村社区居委会, 金海村委会, 五星街道办事处), people the
// place (东闸新村社区, 金海村, 五星街道).
func PlaceName(name string) string {
	for _, r := range []struct{ suffix, place string }{
		{"社区居民委员会", "社区"}, {"社区居委会", "社区"}, {"居民委员会", "社区"}, {"居委会", "社区"},
		{"村民委员会", "村"}, {"村委会", "村"}, {"街道办事处", "街道"},
	} {
		if base, ok := strings.CutSuffix(name, r.suffix); ok && base != "" {
			return base + r.place
		}
	}
	return name
}
