package i18n

import (
	"maps"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gridmap/problem"
)

// TestCatalogsAgree fails when a key is in one language's catalog and not
// the other's, when a text is empty, or when the two languages' texts of
// a key take different placeholders (a translation that drops {n} shows
// a wrong sentence).
func TestCatalogsAgree(t *testing.T) {
	t.Parallel()
	// planner.finding: English shows the check's own message (English
	// words from the API); Chinese says it with the check's name and the
	// codes it names instead.
	// format.date: Chinese writes the month as a number, English by name.
	mayDiffer := map[string]bool{"planner.finding": true, "format.date": true}
	zh, en := Chinese.Messages(), English.Messages()
	for _, pair := range [][2]Lang{{Chinese, English}, {English, Chinese}} {
		a, b := pair[0].Messages(), pair[1].Messages()
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if _, ok := b[k]; !ok {
				t.Errorf("key %q is in the %s catalog and not in the %s one", k, pair[0], pair[1])
			}
		}
	}
	for k, z := range zh {
		if strings.TrimSpace(z) == "" || strings.TrimSpace(en[k]) == "" {
			t.Errorf("key %q has an empty text (zh %q, en %q)", k, z, en[k])
		}
		if e, ok := en[k]; ok && !mayDiffer[k] && !slices.Equal(placeholders(z), placeholders(e)) {
			t.Errorf("key %q: zh takes %v, en %v", k, placeholders(z), placeholders(e))
		}
	}
	if len(zh) < 100 {
		t.Errorf("the Chinese catalog has %d texts", len(zh))
	}
}

// TestChineseUsesTheRulesWords checks the catalog says what the Yancheng
// rules say, in their words.
func TestChineseUsesTheRulesWords(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"kind.urban": "城镇综合网格", "kind.rural": "农村综合网格", "kind.exclusive": "专属网格",
		"level.county": "县(市、区)", "level.town": "镇(街道)", "level.village": "村(社区)",
		"role.grid_leader": "网格长", "role.full_time": "专职网格员", "role.part_time": "兼职网格员",
		"reason.1": "网格内行政区划出现变化", "reason.2": "网格内出现重大拆迁、人员流动变化",
		"reason.3": "县(市、区)网格化联动部门认为应当调整", "reason.4": "其他需要调整的情况",
		"filing.heading": "备案", "status.filed": "备案",
	}
	for k, w := range want {
		if got := Chinese.T(k, "id", 1); !strings.Contains(got, w) {
			t.Errorf("zh %s = %q, want it to say %q", k, got, w)
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang    Lang
		key     string
		args    []any
		want    string
		wantErr bool
	}{
		{Chinese, "planner.added", []any{"n", 3}, "已添加第 3 项操作。", false},
		{English, "planner.added", []any{"n", 3}, "Operation 3 added.", false},
		{English, "planner.added", nil, "", true},              // {n} has no value
		{English, "planner.added", []any{"n"}, "", true},       // not a pair
		{Chinese, "no.such.key", nil, "", true},                // unknown
		{English, "kind.urban", []any{"x", 1}, "urban", false}, // extra values are ignored
	}
	for _, tt := range tests {
		got, err := tt.lang.Text(tt.key, tt.args...)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s Text(%q, %v) = %q, %v; want %q (error %v)", tt.lang, tt.key, tt.args, got, err, tt.want, tt.wantErr)
		}
	}
	if got := English.T("no.such.key"); got != "no.such.key" {
		t.Errorf("T of an unknown key = %q, want the key", got)
	}
}

func TestFromRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept, cookie string
		want           Lang
	}{
		{"", "", Chinese},
		{"zh-CN,zh;q=0.9", "", Chinese},
		{"en-US,en;q=0.9", "", English},
		{"en-US,en;q=0.9,zh-CN;q=0.8", "", English},
		{"zh-CN;q=0.5,en;q=0.8", "", English},
		{"fr-FR,en;q=0.5,zh;q=0.4", "", English},
		{"fr-FR,de;q=0.5", "", Chinese},
		{"en;q=0,zh-TW", "", Chinese},
		{"zh-Hans-CN", "", Chinese},
		{"*", "", Chinese},
		{"en-GB", "zh-CN", Chinese}, // the user's switch wins
		{"zh-CN", "en", English},
		{"en", "xx", English}, // an unknown cookie is ignored
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if tt.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+tt.cookie)
		}
		if got := FromRequest(r); got != tt.want {
			t.Errorf("Accept-Language %q, cookie %q: %s, want %s", tt.accept, tt.cookie, got, tt.want)
		}
	}
}

func TestNumbersAndDates(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1234: "1,234", -1234567: "-1,234,567", 1000000: "1,000,000"} {
		if got := Chinese.Num(n); got != want {
			t.Errorf("Num(%d) = %q, want %q", n, got, want)
		}
	}
	// 2026-12-06 17:30 UTC is 7 December in Beijing.
	at := time.Date(2026, 12, 6, 17, 30, 0, 0, time.UTC)
	tests := []struct {
		lang           Lang
		date, datetime string
	}{
		{Chinese, "2026年12月7日", "2026年12月7日 01:30（北京时间）"},
		{English, "7 December 2026", "7 December 2026, 01:30 (Beijing time)"},
	}
	for _, tt := range tests {
		if got := tt.lang.Date(at); got != tt.date {
			t.Errorf("%s Date = %q, want %q", tt.lang, got, tt.date)
		}
		if got := tt.lang.DateTime(at); got != tt.datetime {
			t.Errorf("%s DateTime = %q, want %q", tt.lang, got, tt.datetime)
		}
	}
}

// TestTemplates renders a template in both languages; an unknown key
// fails the page instead of showing the key.
func TestTemplates(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"ok.html":  {Data: []byte(`<html lang="{{lang}}">{{t "planner.added" "n" (num .N)}} {{date .At}}</html>`)},
		"bad.html": {Data: []byte(`{{t "no.such.key"}}`)},
	}
	tm, err := ParseTemplates(fsys, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"N": 1234, "At": time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	for lang, want := range map[Lang]string{
		Chinese: `<html lang="zh-CN">已添加第 1,234 项操作。 2026年12月7日</html>`,
		English: `<html lang="en">Operation 1,234 added. 7 December 2026</html>`,
	} {
		var b strings.Builder
		if err := tm.Execute(&b, lang, "ok.html", data); err != nil || b.String() != want {
			t.Errorf("%s: %q, %v; want %q", lang, b.String(), err, want)
		}
	}
	var b strings.Builder
	if err := tm.Execute(&b, Chinese, "bad.html", nil); err == nil || !regexp.MustCompile(`no.such.key`).MatchString(err.Error()) {
		t.Errorf("an unknown key: %v, want an error naming it", err)
	}
}

// TestEveryProblemCodeHasText: a page can say every problem code in both
// languages.
func TestEveryProblemCodeHasText(t *testing.T) {
	t.Parallel()
	for _, l := range Langs() {
		for _, c := range problem.Codes() {
			if _, err := l.Text("problem." + c); err != nil {
				t.Errorf("%s: %v", l, err)
			}
		}
	}
}
