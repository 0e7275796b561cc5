package web

import (
	"io"
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"gridmap/web/i18n"
)

// TestPagesInBothLanguages writes each page as a browser asking for
// Chinese, English, nothing, or English with the switch set to Chinese
// sees it: the page's language, its words, and never a catalog key instead
// of a text.
func TestPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	h := Handler()
	tests := []struct {
		path, accept, cookie string
		want                 i18n.Lang
		words                []string
	}{
		{"/", "zh-CN,zh;q=0.9", "", i18n.Chinese, []string{"盐城网格地图", "按代码查找", "点击网格查看详情", ">中文<", ">English<"}},
		{"/", "", "", i18n.Chinese, []string{"按代码查找"}},
		{"/", "en-US,en;q=0.9", "", i18n.English, []string{"Search by code", "right-click anywhere", ">中文<"}},
		{"/", "en-US", "zh-CN", i18n.Chinese, []string{"按代码查找"}},
		{"/planner", "zh-CN", "", i18n.Chinese, []string{"网格调整", "网格内行政区划出现变化", "城镇综合网格", "农村综合网格", "专属网格", "调整原因（第八条）"}},
		{"/planner", "en", "", i18n.English, []string{"Redraw grids", "split a grid by a line", "(4) other needs", "redrawn in the planner"}},
		{"/planner", "zh-CN", "en", i18n.English, []string{"Redraw grids"}},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		r.Header.Set("Accept", "text/html")
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if tt.cookie != "" {
			r.Header.Set("Cookie", i18n.CookieName+"="+tt.cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Body)
		page := string(body)
		name := tt.path + " (Accept-Language " + tt.accept + ", cookie " + tt.cookie + ")"
		if w.Code != 200 || w.Header().Get("Content-Language") != string(tt.want) || !strings.Contains(w.Header().Get("Vary"), "Accept-Language") {
			t.Errorf("%s: %d, Content-Language %q, Vary %q; want 200 in %s", name, w.Code, w.Header().Get("Content-Language"), w.Header().Get("Vary"), tt.want)
		}
		if !strings.Contains(page, `<html lang="`+string(tt.want)+`">`) {
			t.Errorf("%s: not a %s page", name, tt.want)
		}
		for _, word := range tt.words {
			if !strings.Contains(page, word) {
				t.Errorf("%s lacks %q", name, word)
			}
		}
		// The catalog goes to the page's script as JSON; outside it no
		// key may show.
		text := regexp.MustCompile(`(?s)<script id="messages".*?</script>`).ReplaceAllString(page, "")
		for key := range tt.want.Messages() {
			if regexp.MustCompile(`[>"' ]` + regexp.QuoteMeta(key) + `[<"' ]`).MatchString(text) {
				t.Errorf("%s shows the key %q", name, key)
			}
		}
		if !strings.Contains(page, `"planner.heading":`) {
			t.Errorf("%s: the catalog is not in the page", name)
		}
	}
}

// TestScriptKeysInCatalog checks every catalog key the pages' scripts
// name literally is in the catalog (keys made at run time, like
// planner.hint.<op>, are checked by the browser tests: a missing one is a
// console error there).
func TestScriptKeysInCatalog(t *testing.T) {
	t.Parallel()
	msgs := i18n.Chinese.Messages()
	spaces := map[string]bool{}
	for k := range msgs {
		ns, _, _ := strings.Cut(k, ".")
		spaces[ns] = true
	}
	literal := regexp.MustCompile(`'([a-z_]+\.[A-Za-z0-9_.-]+)'`)
	scripts, err := fs.Glob(files, "static/*.js")
	if err != nil || len(scripts) < 3 {
		t.Fatalf("scripts %v, %v", scripts, err)
	}
	found := 0
	for _, name := range scripts {
		src, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			key := m[1]
			ns, _, _ := strings.Cut(key, ".")
			if !spaces[ns] || strings.HasSuffix(key, ".") {
				continue // not a key (a file name), or a prefix of word()
			}
			found++
			if _, ok := msgs[key]; !ok {
				t.Errorf("%s names %q, which is not in the catalog", name, key)
			}
		}
	}
	if found < 50 {
		t.Errorf("only %d catalog keys found in the scripts", found)
	}
}
