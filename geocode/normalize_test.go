package geocode

import "testing"

func TestNormalize(t *testing.T) {
	n, err := NewNormalizer(func(r rune) bool {
		return r < 0x9fff && r != '鹽' && r != '區' && r != '號' && r != '園' && r != '單'
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{"盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室", "盐城市亭湖区五星街道解放南路12号聚龙湖花园3幢2单元501室"},
		{"鹽城市亭湖區解放南路12號聚龍湖花園", "盐城市亭湖区解放南路12号聚龙湖花园"},
		{"解放南路１２号 聚龙湖花园，３幢", "解放南路12号聚龙湖花园3幢"},
		{"解放南路十二号三幢二单元五零一室", "解放南路12号3幢2单元501室"},
		{"解放南路一百零五号", "解放南路105号"},
		{"解放南路二十号", "解放南路20号"},
		{"新街村第三组十五号", "新街村3组15号"},
		{"新街村第三村民小组15号", "新街村3组15号"},
		{"五星街道三里村", "五星街道三里村"}, // names keep their numerals
		{"聚龙湖花园3栋2单元501室", "聚龙湖花园3幢2单元501室"},
		{"聚龙湖花园3号楼2门501", "聚龙湖花园3幢2单元501室"},
		{"聚龙湖花园3座2单元501号", "聚龙湖花园3幢2单元501室"},
		{"聚龙湖花园3#2单元501房", "聚龙湖花园3幢2单元501室"},
		{"聚龙湖花园3-2-501", "聚龙湖花园3幢2单元501室"},
		{"解放南路12号聚龙湖花园3-2-501室", "解放南路12号聚龙湖花园3幢2单元501室"},
		{"聚龙湖花园3幢2-501", "聚龙湖花园3幢2单元501室"},
		{"解放南路12-1号", "解放南路12-1号"},
		{"解放南路12#", "解放南路12号"},
		{"金海村委会", "金海村"},
		{"东闸新村社区居委会", "东闸新村社区"},
		{"五星街道办事处", "五星街道"},
		{"a栋", "A栋"},
		{"", ""},
	} {
		if got := n.Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNumeralDigits(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"十", "10", true}, {"十二", "12", true}, {"二十", "20", true}, {"二十三", "23", true}, {"一百", "100", true},
		{"一百零五", "105", true}, {"三千零二十", "3020", true}, {"五零一", "501", true}, {"两", "2", true},
		{"百", "", false}, {"十百", "", false}, {"二三十", "", false},
	} {
		got, ok := numeralDigits(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("numeralDigits(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		max  int
		want int
	}{
		{"解放南路", "解放南路", 2, 0}, {"解放南路", "解放北路", 2, 1}, {"解放南路", "解放路", 2, 1},
		{"解放南路", "人民路", 2, 3}, {"", "路", 1, 1},
	} {
		if got := editDistance([]rune(c.a), []rune(c.b), c.max); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
