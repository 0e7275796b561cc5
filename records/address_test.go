package records_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/width"

	"gridmap/geo"
	"gridmap/records"
)

// A gazetteer of a few real Yancheng names, with a village name that
// repeats in two towns.
var gaz = records.NewGazetteer("江苏省", "盐城市",
	[]string{"亭湖区", "盐都区", "大丰区", "东台市", "盐城经济技术开发区"},
	[]string{"五星街道", "黄尖镇", "新兴镇", "文峰街道"},
	[]string{"新园社区", "新街村", "新街村", "聚龙社区", "一心村"})

var (
	urbanPlace = records.Place{City: "盐城市", County: "亭湖区", Town: "五星街道", Village: "新园社区"}
	ruralPlace = records.Place{City: "盐城市", County: "亭湖区", Town: "黄尖镇", Village: "新街村"}
)

func urban() records.Address {
	return records.Address{City: "盐城市", County: "亭湖区", Town: "五星街道", Village: "新园社区",
		Road: "解放南路", Number: "12", Compound: "聚龙湖花园", Building: "3", Entrance: "2", Room: "501"}
}

func rural() records.Address {
	return records.Address{City: "盐城市", County: "亭湖区", Town: "黄尖镇", Village: "新街村", Group: "3", Number: "15"}
}

func TestAddressText(t *testing.T) {
	t.Parallel()
	with := func(a records.Address, f func(*records.Address)) records.Address { f(&a); return a }
	tests := []struct {
		name string
		a    records.Address
		want string
	}{
		{"urban, every part", urban(), "盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室"},
		{"urban, door only", with(urban(), func(a *records.Address) { a.Compound, a.Building, a.Entrance, a.Room = "", "", "", "" }),
			"盐城市亭湖区五星街道解放南路12号"},
		{"urban, no city", with(urban(), func(a *records.Address) { a.City = "" }), "亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室"},
		{"compound without a road", with(urban(), func(a *records.Address) { a.Road, a.Number = "", "" }),
			"盐城市亭湖区五星街道新园社区聚龙湖花园3幢2单元501室"},
		{"room at a door number", with(urban(), func(a *records.Address) { a.Compound, a.Building, a.Entrance = "", "", "" }),
			"盐城市亭湖区五星街道解放南路12号501室"},
		{"rural with a group", rural(), "盐城市亭湖区黄尖镇新街村3组15号"},
		{"rural without a group", with(rural(), func(a *records.Address) { a.Group = "" }), "盐城市亭湖区黄尖镇新街村15号"},
		{"rural group and road", with(rural(), func(a *records.Address) { a.Road = "兴港路" }), "盐城市亭湖区黄尖镇新街村3组兴港路15号"},
		{"rural on a road", with(rural(), func(a *records.Address) { a.Group, a.Road = "", "兴港路" }), "盐城市亭湖区黄尖镇兴港路15号"},
	}
	for _, tt := range tests {
		if err := tt.a.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if got := tt.a.Text(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestAddressValidate(t *testing.T) {
	t.Parallel()
	with := func(a records.Address, f func(*records.Address)) records.Address { f(&a); return a }
	tests := []struct {
		name   string
		a      records.Address
		err    error
		detail string
	}{
		{"no county", with(urban(), func(a *records.Address) { a.County = "" }), records.ErrAddressIncomplete, "no county"},
		{"no town", with(urban(), func(a *records.Address) { a.Town = "" }), records.ErrAddressIncomplete, "no town"},
		{"no door", with(urban(), func(a *records.Address) { a.Number, a.Building, a.Entrance, a.Room = "", "", "", "" }), records.ErrAddressIncomplete, "reaches a door"},
		{"road without number", with(urban(), func(a *records.Address) { a.Number = "" }), records.ErrAddressIncomplete, "no door number"},
		{"number on nothing", with(rural(), func(a *records.Address) { a.Village, a.Group = "", "" }), records.ErrAddressIncomplete, "no road or village"},
		{"group without village", with(rural(), func(a *records.Address) { a.Village, a.Road = "", "兴港路" }), records.ErrAddressIncomplete, "villager group 3 but no village"},
		{"building alone", with(urban(), func(a *records.Address) { a.Road, a.Number, a.Compound = "", "", "" }), records.ErrAddressIncomplete, "no compound"},
		{"entrance without building", with(urban(), func(a *records.Address) { a.Building = "" }), records.ErrAddressIncomplete, "no building"},
		{"room on nothing", with(urban(), func(a *records.Address) { a.Road, a.Number, a.Compound, a.Building, a.Entrance = "", "", "x", "", "" }), records.ErrAddressIncomplete, "reaches a door"},
		{"number with 号", with(urban(), func(a *records.Address) { a.Number = "12号" }), records.ErrAddressPart, "door number"},
		{"number in Chinese", with(urban(), func(a *records.Address) { a.Number = "十二" }), records.ErrAddressPart, "door number"},
		{"building with 幢", with(urban(), func(a *records.Address) { a.Building = "3幢" }), records.ErrAddressPart, "building"},
		{"entrance 100", with(urban(), func(a *records.Address) { a.Entrance = "100" }), records.ErrAddressPart, "entrance"},
		{"room with 室", with(urban(), func(a *records.Address) { a.Room = "501室" }), records.ErrAddressPart, "room"},
		{"group in Chinese", with(rural(), func(a *records.Address) { a.Group = "三" }), records.ErrAddressPart, "villager group"},
		{"road without generic", with(urban(), func(a *records.Address) { a.Road = "解放南" }), records.ErrAddressPart, "does not end in"},
		{"road holding a door number", with(urban(), func(a *records.Address) { a.Road = "解放南路5号路" }), records.ErrAddressPart, "door number in it"},
		{"compound ending in a digit", with(urban(), func(a *records.Address) { a.Compound = "龙湖3" }), records.ErrAddressPart, "ends in a number"},
		{"compound ending in a Chinese numeral", with(urban(), func(a *records.Address) { a.Compound = "龙湖二" }), records.ErrAddressPart, "ends in a number"},
		{"compound ending like a building", with(urban(), func(a *records.Address) { a.Compound, a.Building, a.Entrance, a.Room = "花园3幢", "", "", "" }), records.ErrAddressPart, "ends like a building"},
		{"space in a name", with(urban(), func(a *records.Address) { a.Road = "解放 南路" }), records.ErrAddressPart, "white space"},
		{"invalid text", with(urban(), func(a *records.Address) { a.Compound = "\xff园" }), records.ErrAddressPart, "not valid text"},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.detail) {
			t.Errorf("%s: %v, want %v with %q", tt.name, err, tt.err, tt.detail)
		}
	}
}

func TestParseAddress(t *testing.T) {
	t.Parallel()
	with := func(a records.Address, f func(*records.Address)) records.Address { f(&a); return a }
	tests := []struct {
		name   string
		text   string
		at     records.Place
		want   records.Address
		err    error
		detail string
	}{
		{"full urban", "盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室", urbanPlace, urban(), nil, ""},
		{"with the province", "江苏省盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室", urbanPlace, urban(), nil, ""},
		{"without city and county", "五星街道解放南路12号聚龙湖花园3幢2单元501室", urbanPlace, urban(), nil, ""},
		{"naming the community", "盐城市亭湖区五星街道新园社区解放南路12号聚龙湖花园3幢2单元501室", urbanPlace, urban(), nil, ""},
		{"as typed: spaces, full width, 栋, Chinese numerals", "盐城市 亭湖区 五星街道 解放南路１２号 聚龙湖花园 三栋 二单元 ５０１室", urbanPlace, urban(), nil, ""},
		{"号楼", "盐城市亭湖区五星街道解放南路12号聚龙湖花园3号楼2单元501室", urbanPlace, urban(), nil, ""},
		{"door 12之1, room 501a", "亭湖区五星街道解放南路12之1号501a室", urbanPlace,
			with(urban(), func(a *records.Address) {
				a.Number, a.Compound, a.Building, a.Entrance, a.Room = "12-1", "", "", "", "501A"
			}), nil, ""},
		{"door 12－1 full width dash", "亭湖区五星街道解放南路12－1号", urbanPlace,
			with(urban(), func(a *records.Address) {
				a.Number, a.Compound, a.Building, a.Entrance, a.Room = "12-1", "", "", "", ""
			}), nil, ""},
		{"road with digits", "亭湖区五星街道204国道88号", urbanPlace,
			with(urban(), func(a *records.Address) {
				a.Road, a.Number, a.Compound, a.Building, a.Entrance, a.Room = "204国道", "88", "", "", "", ""
			}), nil, ""},
		{"compound without road", "盐城市亭湖区五星街道聚龙湖花园3幢2单元501室", urbanPlace,
			with(urban(), func(a *records.Address) { a.Road, a.Number = "", "" }), nil, ""},
		{"rural", "盐城市亭湖区黄尖镇新街村3组15号", ruralPlace, rural(), nil, ""},
		{"rural, 第三村民小组", "亭湖区黄尖镇新街村第三村民小组15号", ruralPlace, rural(), nil, ""},
		{"rural, 十二组", "亭湖区黄尖镇新街村十二组15号", ruralPlace, with(rural(), func(a *records.Address) { a.Group = "12" }), nil, ""},
		{"the village from the point", "亭湖区黄尖镇兴港路15号", ruralPlace, with(rural(), func(a *records.Address) { a.Group, a.Road = "", "兴港路" }), nil, ""},

		{"empty", "  ", urbanPlace, records.Address{}, records.ErrAddressIncomplete, "empty"},
		{"another county", "盐城市大丰区五星街道解放南路12号", urbanPlace, records.Address{}, records.ErrAddressPlace, "names county 大丰区, but its point lies in 亭湖区"},
		{"a county-level city", "东台市五星街道解放南路12号", urbanPlace, records.Address{}, records.ErrAddressPlace, "names county 东台市"},
		{"another town", "亭湖区文峰街道解放南路12号", urbanPlace, records.Address{}, records.ErrAddressPlace, "names town 文峰街道, but its point lies in 五星街道"},
		{"another village", "亭湖区黄尖镇一心村3组15号", ruralPlace, records.Address{}, records.ErrAddressPlace, "names village 一心村, but its point lies in 新街村"},
		{"areas out of order", "盐城市五星街道亭湖区解放南路12号", urbanPlace, records.Address{}, records.ErrAddressUnreadable, "names county 亭湖区"},
		{"misspelt county", "盐城市亭湖县五星街道解放南路12号", urbanPlace, records.Address{}, records.ErrAddressUnreadable, "names town 五星街道"},
		{"no door number", "亭湖区五星街道解放南路", urbanPlace, records.Address{}, records.ErrAddressIncomplete, "reaches a door"},
		{"not a road before the number", "亭湖区五星街道聚龙湖花园12号", urbanPlace, records.Address{}, records.ErrAddressUnreadable, "not a road"},
		{"group without a named village", "亭湖区黄尖镇3组15号", ruralPlace, records.Address{}, records.ErrAddressUnreadable, "not a road"},
		{"entrance without building", "亭湖区五星街道解放南路12号2单元", urbanPlace, records.Address{}, records.ErrAddressIncomplete, "no building"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := gaz.ParseAddress(tt.text, tt.at)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.detail) {
					t.Fatalf("error %v, want %v with %q", err, tt.err, tt.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAddressCode(t *testing.T) {
	t.Parallel()
	v := geo.MustParseCode("320902001001")
	c, err := records.NewAddressCode(v, 12)
	if err != nil || c != "3209020010010000012" || c.Village() != v || c.Seq() != 12 {
		t.Fatalf("NewAddressCode: %s %v (village %s seq %d)", c, err, c.Village(), c.Seq())
	}
	if _, err := records.NewAddressCode(geo.MustParseCode("320902001000"), 1); err == nil {
		t.Error("an address code under a town")
	}
	for _, seq := range []int{0, records.AddressSeqMax + 1} {
		if _, err := records.NewAddressCode(v, seq); err == nil {
			t.Errorf("an address code with sequence %d", seq)
		}
	}
	tests := []struct {
		in string
		ok bool
	}{
		{"3209020010010000012", true},
		{"3209020010019999999", true},
		{"3209020010010000000", false}, // sequence 0
		{"3209020010000000012", false}, // a town
		{"320902001001000001", false},  // 18 digits
		{"32090200100100000012", false},
		{"320902001001000001X", false},
		{"0009020010010000012", false},
	}
	for _, tt := range tests {
		c, err := records.ParseAddressCode(tt.in)
		if (err == nil) != tt.ok || tt.ok && string(c) != tt.in {
			t.Errorf("ParseAddressCode(%s) = %s, %v; want ok %v", tt.in, c, err, tt.ok)
		}
	}
}

// FuzzParseAddress: parsing never panics; what it accepts is valid and
// written back as a text that parses to the same parts; and an address
// built from any parts that validates is read back from its text.
func FuzzParseAddress(f *testing.F) {
	f.Add("盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室", "解放南路", "12", "聚龙湖花园", "3", "2", "501", "")
	f.Add("亭湖区黄尖镇新街村第三村民小组15号", "", "15", "", "", "", "", "3")
	f.Add("亭湖区五星街道聚龙湖花园3幢", "", "", "幸福里", "A", "", "1201", "")
	f.Fuzz(func(t *testing.T, text, road, number, compound, building, entrance, room, group string) {
		for _, at := range []records.Place{urbanPlace, ruralPlace} {
			a, err := gaz.ParseAddress(text, at)
			if err != nil {
				var ae *records.AddressError
				if !errors.As(err, &ae) {
					t.Fatalf("ParseAddress(%q): %v is not an AddressError", text, err)
				}
				continue
			}
			if err := a.Validate(); err != nil {
				t.Fatalf("ParseAddress(%q) = %+v, which does not validate: %v", text, a, err)
			}
			b, err := gaz.ParseAddress(a.Text(), at)
			if err != nil || b != a {
				t.Fatalf("ParseAddress(%q) = %+v, written %q, read back %+v, %v", text, a, a.Text(), b, err)
			}
		}
		for _, at := range []records.Place{urbanPlace, ruralPlace} {
			a := records.Address{City: at.City, County: at.County, Town: at.Town, Village: at.Village,
				Road: road, Number: number, Compound: compound, Building: building, Entrance: entrance, Room: room, Group: group}
			if a.Validate() != nil || strings.Contains(road+compound, "村") || strings.Contains(road+compound, "区") ||
				strings.Contains(road+compound, "街道") || strings.Contains(road+compound, "镇") || strings.Contains(road+compound, "市") {
				continue // invalid, or a name that holds an area's (the gazetteer would read it as one)
			}
			if !stable(road + number + compound + building + entrance + room + group) {
				continue // the parser normalises what it reads (width, dashes, spaces)
			}
			b, err := gaz.ParseAddress(a.Text(), at)
			if err != nil || b != a {
				t.Fatalf("%+v written %q, read back %+v, %v", a, a.Text(), b, err)
			}
		}
	})
}

// stable says whether s reads back as itself: no full-width character,
// dash or space for the parser to normalise.
func stable(s string) bool {
	return width.Fold.String(s) == s && !strings.ContainsAny(s, "—–‐－ \t\n\r\u3000\u00a0")
}
