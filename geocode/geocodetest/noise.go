package geocodetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Kind is a kind of noise in the test set.
type Kind string

// The kinds of noise. The made-up kinds name real areas and a road,
// village, door or room that does not exist: they must get no grid.
const (
	Exact           Kind = "exact"
	NoCity          Kind = "no_city"          // 盐城市亭湖区 left out
	Province        Kind = "province"         // 江苏省 written before
	FullWidth       Kind = "full_width"       // ０-９, Ａ-Ｚ
	Traditional     Kind = "traditional"      // 鹽城市亭湖區…號
	Numerals        Kind = "numerals"         // 十二号三幢二单元五零一室, 第三组
	Synonyms        Kind = "synonyms"         // 栋/号楼/座/#, 门, 房/号 or nothing for the room
	Hyphen          Kind = "hyphen"           // 3-2-501
	Spaces          Kind = "spaces"           // spaces and punctuation between parts
	Typo            Kind = "typo"             // one wrong character in a road, compound or village name
	MissingArea     Kind = "missing_area"     // the town (and above) left out where the road tells
	MissingCompound Kind = "missing_compound" // the compound name left out (road and door tell), or the road and door (compound tells)
	Community       Kind = "community"        // the community written before the road
	Mixed           Kind = "mixed"            // three of the above at once
	MadeUpRoad      Kind = "made_up_road"     // real areas, a road that does not exist
	MadeUpNumber    Kind = "made_up_number"   // a real road, a door number not on it
	MadeUpRoom      Kind = "made_up_room"     // a real building, a room it does not have
	MadeUpVillage   Kind = "made_up_village"  // a real town, a village it does not have
	MadeUpCompound  Kind = "made_up_compound" // a real town, a compound that does not exist
)

// NoisyKinds are the kinds of noise on real addresses; MadeUpKinds the
// kinds of made-up addresses.
var (
	NoisyKinds  = []Kind{Exact, NoCity, Province, FullWidth, Traditional, Numerals, Synonyms, Hyphen, Spaces, Typo, MissingArea, MissingCompound, Community, Mixed}
	MadeUpKinds = []Kind{MadeUpRoad, MadeUpNumber, MadeUpRoom, MadeUpVillage, MadeUpCompound}
)

// Case is one query of the test set.
type Case struct {
	Kind Kind
	Text string
	// Want is the address meant (nil for a made-up address).
	Want *Address
}

// MadeUp says whether the case is a made-up address.
func (c Case) MadeUp() bool { return c.Want == nil }

// style is how one text is written.
type style struct {
	province, dropCity, dropCounty, dropTown, community bool
	dropCompound, dropRoad, numerals, hyphen, spaces    bool
	bldMark, entMark, roomMark                          string
	typoRoad, typoCompound, typoVillage                 bool
	fullWidth, traditional                              bool
}

// Noise makes n cases per kind from the addresses (seeded): every kind of
// NoisyKinds and MadeUpKinds. province is the province's name (江苏省).
func Noise(as []Address, province string, seed int64, n int) []Case {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e015e))
	t2s, err := opencc.New("s2t")
	if err != nil {
		panic(err) // the embedded dictionaries are always there
	}
	w := &writer{rng: rng, s2t: t2s, province: province, names: map[string]bool{}}
	roads := map[string][]*Address{}
	maxDoor := map[string]int{}
	// What tells an address when parts are left out: a road in one town
	// only (the areas may go), a compound behind one door of its town
	// (the road and door may go). Elsewhere the text left is truly
	// ambiguous, and no kind of noise should ask for one answer.
	roadTowns := map[string]map[string]bool{}
	compoundDoors := map[[2]string]map[[2]string]bool{}
	for i := range as {
		a := &as[i]
		if a.Road != "" {
			if roadTowns[a.Road] == nil {
				roadTowns[a.Road] = map[string]bool{}
			}
			roadTowns[a.Road][a.Town] = true
		}
		if a.Compound != "" {
			k := [2]string{a.Town, a.Compound}
			if compoundDoors[k] == nil {
				compoundDoors[k] = map[[2]string]bool{}
			}
			compoundDoors[k][[2]string{a.Road, a.Number}] = true
		}
		for _, s := range []string{a.Road, a.Compound, a.Village} {
			if s != "" {
				w.names[s] = true
			}
		}
		if a.Road != "" {
			roads[a.Road] = append(roads[a.Road], a)
			d, _ := strconv.Atoi(strings.SplitN(a.Number, "-", 2)[0])
			maxDoor[a.Road] = max(maxDoor[a.Road], d)
		}
	}
	var out []Case
	pick := func(ok func(*Address) bool) *Address {
		for range 1000 {
			a := &as[rng.IntN(len(as))]
			if ok(a) {
				return a
			}
		}
		return nil
	}
	any := func(*Address) bool { return true }
	for _, k := range NoisyKinds {
		for range n {
			var a *Address
			st := style{}
			switch k {
			case Exact, NoCity, Province, FullWidth, Traditional, Spaces:
				a = pick(any)
			case Numerals:
				a = pick(any)
				st.numerals = true
			case Synonyms:
				a = pick(func(a *Address) bool { return a.Building != "" })
				st.bldMark = w.oneOf("栋", "号楼", "座", "#")
				st.entMark = w.oneOf("门", "单元")
				st.roomMark = w.oneOf("房", "号", "")
			case Hyphen:
				a = pick(func(a *Address) bool { return a.Entrance != "" && a.Room != "" })
				st.hyphen = true
			case Typo:
				a = pick(func(a *Address) bool { return w.typoable(a) })
			case MissingArea:
				a = pick(func(a *Address) bool { return a.Road != "" && len(roadTowns[a.Road]) == 1 })
			case MissingCompound:
				a = pick(func(a *Address) bool { return a.Compound != "" })
			case Community:
				a = pick(func(a *Address) bool { return a.Road != "" && a.Village != "" })
			case Mixed:
				a = pick(func(a *Address) bool { return w.typoable(a) })
			}
			if a == nil {
				continue
			}
			switch k {
			case NoCity:
				st.dropCity, st.dropCounty = true, rng.IntN(2) == 0
			case Province:
				st.province = true
			case FullWidth:
				st.fullWidth = true
			case Traditional:
				st.traditional = true
			case Spaces:
				st.spaces = true
			case Typo:
				w.typo(a, &st)
			case MissingArea:
				st.dropCity, st.dropCounty, st.dropTown = true, true, true
			case MissingCompound:
				if a.Building != "" && len(compoundDoors[[2]string{a.Town, a.Compound}]) == 1 && rng.IntN(2) == 0 {
					st.dropRoad = true
				} else {
					st.dropCompound = true
				}
			case Community:
				st.community = true
			case Mixed:
				w.typo(a, &st)
				for _, f := range rng.Perm(6)[:2] {
					switch f {
					case 0:
						st.traditional = true
					case 1:
						st.fullWidth = true
					case 2:
						st.numerals = true
					case 3:
						st.spaces = true
					case 4:
						st.hyphen = a.Entrance != "" && a.Room != ""
						st.bldMark = w.oneOf("栋", "号楼", "座")
					case 5:
						st.dropCity, st.dropCounty = true, true
					}
				}
			}
			out = append(out, Case{Kind: k, Text: w.write(*a, st), Want: a})
		}
	}
	// Made-up addresses.
	for _, k := range MadeUpKinds {
		for range n {
			var a *Address
			switch k {
			case MadeUpRoad:
				a = pick(func(a *Address) bool { return a.Road != "" })
			case MadeUpNumber:
				a = pick(func(a *Address) bool { return a.Road != "" })
			case MadeUpRoom:
				a = pick(func(a *Address) bool { return a.Room != "" })
			case MadeUpVillage:
				a = pick(func(a *Address) bool { return a.Road == "" })
			case MadeUpCompound:
				a = pick(func(a *Address) bool { return a.Building != "" })
			}
			if a == nil {
				continue
			}
			x := *a
			switch k {
			case MadeUpRoad:
				x.Road = w.madeUp(madeUpRoadWords, []string{"路", "街", "大道"})
			case MadeUpNumber:
				x.Number = strconv.Itoa(maxDoor[x.Road] + 50 + rng.IntN(500))
				x.Compound, x.Building, x.Entrance, x.Room = "", "", "", ""
			case MadeUpRoom:
				x.Room = fmt.Sprintf("%d%02d", 20+rng.IntN(9), 1+rng.IntN(2))
			case MadeUpVillage:
				x.Village = w.madeUp(madeUpRoadWords, []string{"村"})
			case MadeUpCompound:
				x.Road, x.Number = "", ""
				x.Compound = w.madeUp(madeUpRoadWords, []string{"花园", "小区", "家园"})
			}
			out = append(out, Case{Kind: k, Text: w.write(x, style{}), Want: nil})
		}
	}
	return out
}

// madeUpRoadWords are words no generated road, compound or village uses.
var madeUpRoadWords = []string{"凤鸣", "龙腾", "金鼎", "玉泉", "银河", "锦江", "碧水", "青松", "翠湖", "白鹭", "天鹅", "云龙", "瑞祥",
	"鸿运", "嘉禾", "稻香", "麦浪", "渔歌", "枫林", "晓月", "听涛", "观澜", "揽胜", "望江", "临湖"}

type writer struct {
	rng      *rand.Rand
	s2t      *opencc.OpenCC
	province string
	names    map[string]bool // every real road, compound and village name
}

func (w *writer) oneOf(s ...string) string { return s[w.rng.IntN(len(s))] }

// madeUp is a name of a made-up word and generic that is not a real name
// and not within the typos a real name may carry (those cannot be told
// from a typo).
func (w *writer) madeUp(words, generics []string) string {
	for {
		n := w.oneOf(words...) + w.oneOf(generics...)
		close := false
		for real := range w.names {
			if withinTypos(n, real) {
				close = true
				break
			}
		}
		if !close {
			return n
		}
	}
}

// withinTypos mirrors what geocode accepts as a typo: one edit in up to
// five runes, two beyond, none in two.
func withinTypos(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	e := 1
	switch n := len(rb); {
	case n <= 2:
		e = 0
	case n > 5:
		e = 2
	}
	return levenshtein(ra, rb) <= e
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return prev[len(b)]
}

// typoChars are common characters a typo may put in a name.
var typoChars = []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经之进着等部度家电力如水化高自理起小物现实加量都体制机当使点从业本去把性好应开它合还因由其些然前外天政日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展果料象员革位入常文总次品式活设及管特件长求老头基资边流级少图山统接知较将组见计别她手角期根论运农指几区强放决西被干做必战先回则任取据处府")

func (w *writer) typoable(a *Address) bool {
	return len([]rune(a.Road)) >= 3 || len([]rune(a.Compound)) >= 3 || a.Road == "" && len([]rune(a.Village)) >= 3
}

// typo puts one wrong character (two in a name longer than five) in the
// road, compound or village name, never making another real name nor
// one within the typos of another real name (which no reader could tell
// from that name).
func (w *writer) typo(a *Address, st *style) {
	var opts []*bool
	if len([]rune(a.Road)) >= 3 {
		opts = append(opts, &st.typoRoad)
	}
	if len([]rune(a.Compound)) >= 3 && a.Road == "" {
		opts = append(opts, &st.typoCompound)
	}
	if a.Road == "" && len([]rune(a.Village)) >= 3 {
		opts = append(opts, &st.typoVillage)
	}
	if len(opts) > 0 {
		*opts[w.rng.IntN(len(opts))] = true
	}
}

// nearOther says whether s is within the typos of a real name other
// than name.
func (w *writer) nearOther(s, name string) bool {
	for real := range w.names {
		if real != name && withinTypos(s, real) {
			return true
		}
	}
	return false
}

func (w *writer) misspell(name string) string {
	rs := []rune(name)
	n := 1
	if len(rs) > 5 {
		n = 2
	}
	for range 100 {
		x := append([]rune(nil), rs...)
		for range n {
			// never the generic at the end (路, 村, 园): people keep it
			i := w.rng.IntN(len(x) - 1)
			x[i] = typoChars[w.rng.IntN(len(typoChars))]
		}
		if s := string(x); s != name && !w.names[s] && !w.nearOther(s, name) {
			return s
		}
	}
	return name
}

// write writes the address in a style.
func (w *writer) write(a Address, st style) string {
	var seg []string
	add := func(s ...string) {
		if j := strings.Join(s, ""); j != "" {
			seg = append(seg, j)
		}
	}
	num := func(s string, room bool) string {
		if !st.numerals || strings.ContainsAny(s, "-ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return s
		}
		if room {
			return digitsByDigit(s)
		}
		n, _ := strconv.Atoi(s)
		return chineseNumber(n)
	}
	if st.province {
		add(w.province)
	}
	if !st.dropCity {
		add(a.City)
	}
	if !st.dropCounty {
		add(a.County)
	}
	if !st.dropTown {
		add(a.Town)
	}
	if a.Road == "" || a.Group != "" || st.community {
		v := a.Village
		if st.typoVillage {
			v = w.misspell(v)
		}
		add(v)
		if a.Group != "" {
			g := num(a.Group, false) + "组"
			if st.numerals && w.rng.IntN(2) == 0 {
				g = "第" + g
			}
			add(g)
		}
	}
	if a.Road != "" && !st.dropRoad {
		r := a.Road
		if st.typoRoad {
			r = w.misspell(r)
		}
		add(r, num(a.Number, false), "号")
	} else if a.Road == "" && a.Number != "" {
		add(num(a.Number, false), "号")
	}
	if a.Compound != "" && !st.dropCompound {
		c := a.Compound
		if st.typoCompound {
			c = w.misspell(c)
		}
		add(c)
	}
	switch {
	case st.hyphen && a.Building != "" && a.Entrance != "" && a.Room != "":
		add(a.Building + "-" + a.Entrance + "-" + a.Room)
	default:
		if a.Building != "" {
			m := "幢"
			if st.bldMark != "" {
				m = st.bldMark
			}
			add(num(a.Building, false), m)
		}
		if a.Entrance != "" {
			m := "单元"
			if st.entMark != "" {
				m = st.entMark
			}
			add(num(a.Entrance, false), m)
		}
		if a.Room != "" {
			m := "室"
			if st.roomMark != "" || st.entMark != "" {
				m = st.roomMark
			}
			if m == "" && a.Entrance == "" {
				m = "室"
			}
			add(num(a.Room, true), m)
		}
	}
	sep := ""
	if st.spaces {
		sep = w.oneOf(" ", "，", " ", "、", "  ")
	}
	s := strings.Join(seg, sep)
	if st.traditional {
		if t, err := w.s2t.Convert(s); err == nil {
			s = t
		}
	}
	if st.fullWidth {
		s = width.Widen.String(s)
	}
	return s
}

// chineseNumber writes 1-9999 in Chinese numerals (十二, 一百零五).
func chineseNumber(n int) string {
	const d = "零一二三四五六七八九"
	digit := func(k int) string { return string([]rune(d)[k]) }
	if n < 10 {
		return digit(n)
	}
	if n < 20 {
		if n == 10 {
			return "十"
		}
		return "十" + digit(n%10)
	}
	var b strings.Builder
	units := []struct {
		v int
		s string
	}{{1000, "千"}, {100, "百"}, {10, "十"}, {1, ""}}
	zero := false
	started := false
	for _, u := range units {
		k := n / u.v % 10
		if k == 0 {
			zero = started
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(digit(k) + u.s)
		started = true
	}
	return b.String()
}

// digitsByDigit writes a room number digit by digit (五零一).
func digitsByDigit(s string) string {
	const d = "零一二三四五六七八九"
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune([]rune(d)[c-'0'])
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}
