package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gridmap/geo"
)

// divisionsCSV is the official statistical division list of Yancheng
// (2023 edition): public codes and names, columns code,name,level,parent.
//
//go:embed demodata/yancheng-divisions-2023.csv
var divisionsCSV []byte

// demoArea is one administrative area of the demo plan.
type demoArea struct {
	code   geo.Code
	level  geo.Level
	name   string
	parent geo.Code
	// seed drives ST_GeneratePoints for the seeds of the area's children.
	seed int32
}

// demoGrid is one grid or sub-grid of the demo plan: everything about it
// but its geometry, which PostGIS cuts later.
type demoGrid struct {
	code       geo.Code
	village    geo.Code
	kind       geo.Kind
	parentGrid geo.Code
	name       string
	addr       string // address prefix of its households
	// building is the first building number of an urban grid's
	// households (20 a building), or -1 where addresses are house numbers.
	building   int
	households int
	units      int
	unitCats   []string
	// seq is the address sequence in its village before its households'
	// (they are seq+1, seq+2, …): the planned households of the grids
	// before it in code order.
	seq     int
	hseed   int32       // households and units points
	cseed   int32       // seeds of the sub-grids (exclusive grids only)
	address gridAddress // how its records' standard addresses are written (15-digit grids)
}

// demoPlan is the whole demo city before geometry: the areas in code order
// and the grids, 15-digit grids before their sub-grids.
type demoPlan struct {
	areas []demoArea
	grids []demoGrid
}

// The demo's calibration. Measured against the targets of the issue (whole
// city at scale 1: ≈20,000 grids, ≈2.3 M households) with 727 urban
// communities and 1,767 rural villages in the division list: an urban
// community holds 1,000-2,000 households in grids of ≈300, a rural village
// 6-12 villager groups of 50-100 households (the brief suggested larger
// figures, which overshoot the city's real household count by half).
const (
	urbanHouseholdsMin = 1000
	urbanHouseholdsMax = 2000
	householdsPerUrban = 300
	ruralGroupsMin     = 6
	ruralGroupsMax     = 12
	groupHouseholdsMin = 50
	groupHouseholdsMax = 100
	exclusiveShare     = 0.05
	householdsPerUnit  = 25
)

// exclusiveTypes are the kinds of exclusive grid the demo draws from, with
// the categories of the units inside.
var exclusiveTypes = []struct {
	name string
	cats []string
}{
	{"工业园", []string{"park", "enterprise", "enterprise", "enterprise"}},
	{"机关", []string{"government", "government", "institution"}},
	{"学校", []string{"institution"}},
	{"医院", []string{"institution", "commercial"}},
	{"物流园", []string{"park", "enterprise", "commercial"}},
}

var (
	urbanUnitCats = []string{"commercial", "commercial", "enterprise", "institution", "other"}
	ruralUnitCats = []string{"enterprise", "commercial", "other", "government"}
)

// unitLabels names units by category in synthetic names.
var unitLabels = map[string]string{
	"government":  "机关",
	"enterprise":  "企业",
	"institution": "事业单位",
	"park":        "园区管委会",
	"commercial":  "商户",
	"other":       "社会组织",
}

// readDivisions parses the embedded division list into areas with 12-digit
// codes, sorted by code.
func readDivisions() ([]demoArea, error) {
	r := csv.NewReader(bytes.NewReader(divisionsCSV))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read division list: %w", err)
	}
	if strings.Join(header, ",") != "code,name,level,parent" {
		return nil, fmt.Errorf("division list: header %q, want code,name,level,parent", header)
	}
	var out []demoArea
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read division list: %w", err)
		}
		code, err := geo.ParseCode(rec[0])
		if err != nil {
			return nil, fmt.Errorf("division list: %w", err)
		}
		lvl, err := geo.ParseLevel(rec[2])
		if err != nil || lvl != code.Level() {
			return nil, fmt.Errorf("division list: %s has level %q, its code says %s", rec[0], rec[2], code.Level())
		}
		out = append(out, demoArea{code: code, level: lvl, name: rec[1], parent: code.Parent()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out, nil
}

// seedFor derives a positive int32 seed (ST_GeneratePoints wants > 0) from
// the run's seed, a code and a purpose, so that every area and grid draws
// the same numbers whatever else is generated with it.
func seedFor(seed int64, code geo.Code, purpose string) int32 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s", seed, code, purpose)
	return int32(h.Sum64()%(math.MaxInt32-1)) + 1
}

// rngFor returns a generator private to one code and purpose.
func rngFor(seed int64, code geo.Code, purpose string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s", code, purpose)
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// urban says whether the area is a town-level street (街道) or an urban
// community: their seeds crowd round their parent's centre, so they come
// out small and dense, the rural towns and villages large around them.
func (a demoArea) urban() bool {
	switch a.level {
	case geo.LevelTown:
		return strings.HasSuffix(a.name, "街道")
	case geo.LevelVillage:
		return isUrban(a.code, a.name)
	}
	return false
}

// shortName is a village's everyday name: the statistical list names the
// committee (东闸新村社区居委会, 金海村委会), residents the place (东闸新村社区,
// 金海村).
func shortName(name string) string {
	for _, r := range []struct{ suffix, place string }{
		{"居民委员会", "社区"}, {"居居委员会", "社区"}, {"居委会", "社区"},
		{"村民委员会", "村"}, {"村委会", "村"},
	} {
		base, ok := strings.CutSuffix(name, r.suffix)
		if !ok || base == "" {
			continue
		}
		if r.place == "社区" && strings.HasSuffix(base, "社区") {
			return base
		}
		return base + r.place
	}
	return name
}

// isUrban says whether a village is an urban community: the statistical
// rule (village sequence 001-199 are urban residents' committees) or its
// name.
func isUrban(code geo.Code, name string) bool {
	return string(code)[9:12] < "200" || strings.HasSuffix(name, "社区") || strings.HasSuffix(name, "居委会")
}

// planDemo draws the demo plan: the areas (limited to one county when
// county is set) and the grids of every village with their household and
// unit counts.
func planDemo(opts Options) (*demoPlan, error) {
	all, err := readDivisions()
	if err != nil {
		return nil, err
	}
	p := &demoPlan{}
	found := opts.County == ""
	for _, a := range all {
		if opts.County != "" && a.level != geo.LevelCity && a.code.County() != opts.County && a.code != opts.County {
			continue
		}
		if a.code == opts.County {
			found = true
		}
		a.seed = seedFor(opts.Seed, a.code, "children")
		p.areas = append(p.areas, a)
		if a.level == geo.LevelVillage {
			grids, err := planVillage(a, opts)
			if err != nil {
				return nil, err
			}
			p.grids = append(p.grids, grids...)
		}
	}
	if !found {
		return nil, fmt.Errorf("county %s is not a county of Yancheng (want one of %s)", opts.County, strings.Join(countyCodes(all), ", "))
	}
	// Sub-grids after all 15-digit grids: the database wants the parent
	// grid to exist first.
	sort.SliceStable(p.grids, func(i, j int) bool { return len(p.grids[i].code) < len(p.grids[j].code) })
	if err := planAddresses(p, opts.Seed); err != nil {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	// Disjoint ranges of sequences, one per grid, in plan order.
	next := map[geo.Code]int{}
	for i := range p.grids {
		if g := &p.grids[i]; g.parentGrid == "" {
			g.seq = next[g.village]
			next[g.village] += g.households
		}
	}
	return p, nil
}

func countyCodes(all []demoArea) []string {
	var out []string
	for _, a := range all {
		if a.level == geo.LevelCounty {
			out = append(out, a.code.Short())
		}
	}
	return out
}

// planVillage draws the grids of one village. The draws depend only on the
// seed and the village code, so one county generated alone has the same
// grid codes and counts as that county in the whole city (not quite the
// same shapes: the whole city nodes its neighbours' cuts into the edges).
func planVillage(v demoArea, opts Options) ([]demoGrid, error) {
	rng := rngFor(opts.Seed, v.code, "grids")
	urban := isUrban(v.code, v.name)
	var households, grids int
	if urban {
		households = urbanHouseholdsMin + rng.IntN(urbanHouseholdsMax-urbanHouseholdsMin+1)
		grids = max(1, int(math.Round(float64(households)/householdsPerUrban)))
	} else {
		grids = ruralGroupsMin + rng.IntN(ruralGroupsMax-ruralGroupsMin+1)
		for range grids {
			households += groupHouseholdsMin + rng.IntN(groupHouseholdsMax-groupHouseholdsMin+1)
		}
	}
	exclusive := rng.Float64() < exclusiveShare
	excl := exclusiveTypes[rng.IntN(len(exclusiveTypes))]
	subs := 2 + rng.IntN(3)

	grids = max(1, int(math.Round(float64(grids)*opts.Scale)))
	households = int(math.Round(float64(households) * opts.Scale))
	if grids > 990 {
		return nil, fmt.Errorf("village %s: %d grids at scale %g exceed the 999 grid codes of a village; use a smaller --scale", v.code, grids, opts.Scale)
	}
	// Split the households over the grids with some spread (weights
	// 0.7-1.3), by largest remainder so the total is exact.
	weights := make([]float64, grids)
	var sum float64
	for i := range weights {
		weights[i] = 0.7 + 0.6*rng.Float64()
		sum += weights[i]
	}
	counts := apportion(households, weights, sum)

	place := shortName(v.name)
	kind, cats := geo.KindRural, ruralUnitCats
	if urban {
		kind, cats = geo.KindUrban, urbanUnitCats
	}
	out := make([]demoGrid, 0, grids+1+subs)
	for i := range grids {
		code, err := geo.GridCode(v.code, i+1)
		if err != nil {
			return nil, err
		}
		units := counts[i] / householdsPerUnit
		if rng.IntN(householdsPerUnit) < counts[i]%householdsPerUnit {
			units++
		}
		addr, building := fmt.Sprintf("%s第%d组", place, i+1), -1
		if urban {
			addr, building = place, i*30
		}
		out = append(out, demoGrid{code: code, village: v.code, kind: kind,
			name: fmt.Sprintf("%s第%d网格", place, i+1), addr: addr, building: building,
			households: counts[i], units: units, unitCats: cats,
			hseed: seedFor(opts.Seed, code, "records")})
	}
	if exclusive {
		code, err := geo.GridCode(v.code, grids+1)
		if err != nil {
			return nil, err
		}
		name := place + excl.name + "专属网格"
		// Staff dormitories: a few households; the units are the point.
		hh := int(math.Round(float64(rng.IntN(31)) * opts.Scale))
		out = append(out, demoGrid{code: code, village: v.code, kind: geo.KindExclusive,
			name: name, addr: place + excl.name, building: -1, households: hh,
			units: 2 + subs + rng.IntN(4), unitCats: excl.cats,
			hseed: seedFor(opts.Seed, code, "records"), cseed: seedFor(opts.Seed, code, "children")})
		for j := range subs {
			sub, err := geo.SubGridCode(code, j+1)
			if err != nil {
				return nil, err
			}
			out = append(out, demoGrid{code: sub, village: v.code, kind: geo.KindExclusive,
				parentGrid: code, name: fmt.Sprintf("%s第%d子网格", name, j+1)})
		}
	}
	return out, nil
}

// apportion splits total over weights (summing to sum) by largest
// remainder.
func apportion(total int, weights []float64, sum float64) []int {
	out := make([]int, len(weights))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}
