// Package i18n holds the words gridmap's pages and HTML documents show to
// people, one message catalog per language (zh.json, en.json beside this
// file), shared by the Go templates and the pages' scripts, and picks the
// language a request asks for: Simplified Chinese unless the user chose
// English (the cookie the pages' switch sets) or the browser prefers it.
//
// Where the Yancheng rules have a word (the Art. 8 reasons, grid kinds,
// levels, 网格长 …, 备案), the catalog uses it. The package must never
// translate what integrators read: API responses and problem details stay
// English, with stable codes the pages look up here.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lang is a language of the catalog, as a BCP 47 tag (the pages' lang
// attribute).
type Lang string

// The catalog's languages; Chinese is the default.
const (
	Chinese Lang = "zh-CN"
	English Lang = "en"
)

// CookieName is the cookie holding the language a user switched to.
const CookieName = "gridmap_lang"

// Langs lists the catalog's languages, the default first.
func Langs() []Lang { return []Lang{Chinese, English} }

//go:embed zh.json en.json
var files embed.FS

// catalog holds each language's messages, read once from the embedded
// files (they are part of the build, so an unreadable one is a bug the
// package's tests catch).
var catalog = mustLoad()

func mustLoad() map[Lang]map[string]string {
	out := map[Lang]map[string]string{}
	for _, l := range Langs() {
		b, err := files.ReadFile(l.file())
		if err != nil {
			panic(fmt.Sprintf("i18n: %v", err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", l.file(), err))
		}
		out[l] = m
	}
	return out
}

// file is the catalog file of the language.
func (l Lang) file() string {
	if l == English {
		return "en.json"
	}
	return "zh.json"
}

// Parse reads a language tag ("zh", "zh-CN", "zh-Hans", "en-GB" …) as one
// of the catalog's languages.
func Parse(tag string) (Lang, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	switch primary {
	case "zh":
		return Chinese, true
	case "en":
		return English, true
	}
	return "", false
}

// FromRequest returns the language to answer r in: the one the user
// switched to (the cookie), else the first of the catalog's languages the
// browser's Accept-Language prefers, else Chinese.
func FromRequest(r *http.Request) Lang {
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	return FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// FromAcceptLanguage returns the catalog language an Accept-Language
// header prefers (by q value, then order), or Chinese when it names none.
func FromAcceptLanguage(header string) Lang {
	type pref struct {
		lang Lang
		q    float64
	}
	var prefs []pref
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		l, ok := Parse(tag)
		if !ok {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 {
			prefs = append(prefs, pref{l, q})
		}
	}
	slices.SortStableFunc(prefs, func(a, b pref) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	if len(prefs) == 0 {
		return Chinese
	}
	return prefs[0].lang
}

// Messages returns the language's catalog, key to text. The map is shared:
// callers must not change it.
func (l Lang) Messages() map[string]string {
	if m, ok := catalog[l]; ok {
		return m
	}
	return catalog[Chinese]
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Text returns the text of key with its {name} placeholders replaced by
// args, given as name, value pairs; an unknown key or a placeholder
// without a value is an error.
func (l Lang) Text(key string, args ...any) (string, error) {
	s, ok := l.Messages()[key]
	if !ok {
		return "", fmt.Errorf("no text %q in the %s catalog", key, l)
	}
	if len(args)%2 != 0 {
		return "", fmt.Errorf("text %q: arguments come in name, value pairs", key)
	}
	vals := map[string]string{}
	for i := 0; i < len(args); i += 2 {
		vals[fmt.Sprint(args[i])] = fmt.Sprint(args[i+1])
	}
	var missing string
	s = placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := vals[m[1:len(m)-1]]
		if !ok {
			missing = m
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("text %q: no value for %s", key, missing)
	}
	return s, nil
}

// T is Text that answers the key itself when the text cannot be made (a
// page then shows the key, which the tests look for).
func (l Lang) T(key string, args ...any) string {
	s, err := l.Text(key, args...)
	if err != nil {
		return key
	}
	return s
}

// Num writes a whole number with its thousands grouped by commas, as
// readers of both languages expect (1,234).
func (l Lang) Num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// beijing is China Standard Time (UTC+8; no daylight saving since 1991),
// the time the city's records are read in.
var beijing = time.FixedZone("CST", 8*3600)

// Date writes the day of t in Beijing time (2026年12月7日; 7 December 2026).
func (l Lang) Date(t time.Time) string {
	t = t.In(beijing)
	return l.T("format.date", "y", t.Year(), "m", int(t.Month()), "d", t.Day(),
		"month", l.T(fmt.Sprintf("month.%d", int(t.Month()))))
}

// DateTime writes t to the minute in Beijing time, saying so.
func (l Lang) DateTime(t time.Time) string {
	t = t.In(beijing)
	return l.T("format.datetime", "date", l.Date(t), "time", t.Format("15:04"))
}
