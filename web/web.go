// Package web serves gridmap's embedded pages: the map page — MapLibre GL
// JS (from npm, copied into vendor/ by the build, never committed) drawing
// the service's own vector tiles, with a panel for the clicked grid, search
// by code and the point lookup on right-click — and the planner. Pages
// (pages/) are written in the reader's language from the shared catalog
// (web/i18n): Chinese unless the user switched or the browser prefers
// English. Nothing is fetched from a CDN.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"gridmap/web/i18n"
)

//go:embed static vendor pages
var files embed.FS

// Handler serves the map page at /, the planner at /planner, and their assets under /static/ and
// /vendor/. A build without MapLibre (npm not run) still serves the page,
// which then says how to build it.
func Handler() http.Handler {
	static, _ := fs.Sub(files, "static")
	vendor, _ := fs.Sub(files, "vendor")
	pages := i18n.MustParseTemplates(files, "pages/*.html")
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.Handle("GET /vendor/", http.StripPrefix("/vendor/", http.FileServerFS(vendor)))
	mux.Handle("GET /fonts/", Glyphs())
	mux.Handle("GET /{$}", page(pages, "map.html"))
	mux.Handle("GET /planner", page(pages, "planner.html"))
	return mux
}

// page writes a page in the language the request asks for.
func page(t *i18n.Templates, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := i18n.FromRequest(r)
		var b bytes.Buffer
		if err := t.Execute(&b, lang, name, nil); err != nil {
			http.Error(w, "the page could not be written", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Language", string(lang))
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Language, Cookie")
		w.Write(b.Bytes())
	})
}

// WithPage serves the map page to browsers at / (those whose Accept header
// asks for HTML) and the page's assets, and passes everything else — the
// JSON landing page of the API included — to next.
func WithPage(next http.Handler) http.Handler {
	page := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && wantsHTML(r) && r.URL.RawQuery == "":
			page.ServeHTTP(w, r)
		case p == "/planner" || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/vendor/") || strings.HasPrefix(p, "/fonts/"):
			page.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// wantsHTML reports whether the client prefers HTML to JSON: a browser's
// Accept lists text/html; API clients ask for JSON or nothing.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch mt {
		case "text/html", "application/xhtml+xml":
			return true
		case "application/json", "application/geo+json":
			return false
		}
	}
	return false
}

// Glyphs answers MapLibre's glyph requests with an empty glyph set. The
// pages' style names no glyphs URL, so MapLibre draws every glyph of a
// label from the browser's own CJK font (static/style.js); a style that
// still names /fonts/ gets an empty PBF here rather than asking a CDN.
func Glyphs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusOK)
	})
}
