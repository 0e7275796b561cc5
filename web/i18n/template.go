package i18n

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
)

// Templates are HTML templates parsed once per language of the catalog.
// Besides the standard ones they have the functions
//
//	t KEY [NAME VALUE]…   the catalog text of KEY (an unknown key fails the page)
//	num N                 N with its thousands grouped (1,234)
//	date T, datetime T    T in Beijing time (2026年12月7日; 7 December 2026)
//	lang                  the language's tag (for <html lang>)
//	messages              the whole catalog (for a page's script, as JSON)
type Templates struct {
	byLang map[Lang]*template.Template
}

// ParseTemplates parses the files of fsys matching the patterns, once per
// language.
func ParseTemplates(fsys fs.FS, patterns ...string) (*Templates, error) {
	t := &Templates{byLang: map[Lang]*template.Template{}}
	for _, l := range Langs() {
		tm, err := template.New("").Funcs(l.funcs()).ParseFS(fsys, patterns...)
		if err != nil {
			return nil, fmt.Errorf("i18n templates: %w", err)
		}
		t.byLang[l] = tm
	}
	return t, nil
}

// MustParseTemplates is ParseTemplates for templates built into the
// binary, where an error is a bug.
func MustParseTemplates(fsys fs.FS, patterns ...string) *Templates {
	t, err := ParseTemplates(fsys, patterns...)
	if err != nil {
		panic(err)
	}
	return t
}

// Execute writes the template name in the language l with data.
func (t *Templates) Execute(w io.Writer, l Lang, name string, data any) error {
	tm, ok := t.byLang[l]
	if !ok {
		tm = t.byLang[Chinese]
	}
	if err := tm.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("template %s (%s): %w", name, l, err)
	}
	return nil
}

func (l Lang) funcs() template.FuncMap {
	return template.FuncMap{
		"t":        l.Text,
		"num":      func(n any) (string, error) { return l.num(n) },
		"date":     l.Date,
		"datetime": l.DateTime,
		"lang":     func() string { return string(l) },
		"messages": l.Messages,
	}
}

// num formats the integers templates meet (counts, versions).
func (l Lang) num(n any) (string, error) {
	switch v := n.(type) {
	case int:
		return l.Num(int64(v)), nil
	case int32:
		return l.Num(int64(v)), nil
	case int64:
		return l.Num(v), nil
	}
	return "", fmt.Errorf("num: %T is not a whole number", n)
}
