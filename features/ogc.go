package features

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/store"
)

// Paging limits of /collections/{id}/items.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	MaxOffset    = 1_000_000_000
)

// OGC API Features conformance classes this server implements (Part 1
// core, GeoJSON and OpenAPI 3.0; Part 2 coordinate reference systems by
// reference); TestConformanceClasses checks each one's requirements.
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}

// collectionInfo describes a collection.
type collectionInfo struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	Extent      *extent  `json:"extent,omitempty"`
	Links       []link   `json:"links"`
}

// extent is an OGC collection extent (spatial only).
type extent struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
}

var collectionTitles = map[Collection][2]string{
	CollectionAreas: {"Administrative areas", "City, counties, towns/streets and villages/communities with their boundaries, or with datetime the versions valid then. Filters: bbox, datetime, level (city, county, town, village)."},
	CollectionGrids: {"Current grids", "The current version of every grid and sub-grid, or with datetime the versions valid then. Filters: bbox, datetime, level (grid, subgrid), kind (urban, rural, exclusive)."},
}

// describe returns a collection's metadata, with its extent from the
// store.
func (s *Service) describe(ctx context.Context, base string, c Collection) (collectionInfo, error) {
	t := collectionTitles[c]
	id := string(c)
	info := collectionInfo{ID: id, Title: t[0], Description: t[1], ItemType: "feature", CRS: crsURIs(), StorageCRS: CRS84.URI,
		Links: []link{
			{Href: base + "/collections/" + id, Rel: "self", Type: jsonType, Title: t[0]},
			{Href: base + "/collections/" + id + "/items", Rel: "items", Type: geojsonType, Title: t[0]},
		}}
	b, ok, err := s.Extent(ctx, c)
	if err != nil {
		return collectionInfo{}, err
	}
	if ok {
		info.Extent = &extent{}
		info.Extent.Spatial.BBox = [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}
		info.Extent.Spatial.CRS = CRS84.URI
	}
	return info, nil
}

// HandleLanding serves /: the OGC API landing page.
func (s *Service) HandleLanding() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := baseURL(r)
		encode(w, http.StatusOK, jsonType, struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Links       []link `json:"links"`
		}{
			Title:       "gridmap",
			Description: "Urban-rural grid service management: administrative areas and grids (OGC API Features).",
			Links: []link{
				{Href: base + "/", Rel: "self", Type: jsonType, Title: "this document"},
				{Href: base + "/openapi.json", Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "the API definition"},
				{Href: base + "/conformance", Rel: "conformance", Type: jsonType, Title: "conformance classes"},
				{Href: base + "/collections", Rel: "data", Type: jsonType, Title: "collections"},
			},
		})
	})
}

// HandleConformance serves /conformance.
func (s *Service) HandleConformance() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, jsonType, struct {
			ConformsTo []string `json:"conformsTo"`
		}{conformance})
	})
}

// HandleCollections serves /collections.
func (s *Service) HandleCollections() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := baseURL(r)
		var infos []collectionInfo
		for _, c := range []Collection{CollectionAreas, CollectionGrids} {
			info, err := s.describe(r.Context(), base, c)
			if err != nil {
				internalError(w, r, s.log, err)
				return
			}
			infos = append(infos, info)
		}
		encode(w, http.StatusOK, jsonType, struct {
			Links       []link           `json:"links"`
			Collections []collectionInfo `json:"collections"`
		}{
			Links:       []link{{Href: base + "/collections", Rel: "self", Type: jsonType}},
			Collections: infos,
		})
	})
}

// collectionParam reads {collectionId}, answering 404 for an unknown one.
func collectionParam(w http.ResponseWriter, r *http.Request) (Collection, bool) {
	c := Collection(chi.URLParam(r, "collectionId"))
	if _, ok := collectionTitles[c]; !ok {
		problem(w, r, http.StatusNotFound, fmt.Sprintf("collection %q does not exist: the collections are areas and grids", c))
		return "", false
	}
	return c, true
}

// HandleCollection serves /collections/{collectionId}.
func (s *Service) HandleCollection() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := collectionParam(w, r)
		if !ok {
			return
		}
		info, err := s.describe(r.Context(), baseURL(r), c)
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		encode(w, http.StatusOK, jsonType, info)
	})
}

// parseItemsQuery reads the query of /collections/{id}/items, returning
// one problem per bad parameter.
func parseItemsQuery(c Collection, q url.Values) (ItemsQuery, map[string]string) {
	iq := ItemsQuery{Limit: DefaultLimit}
	problems := map[string]string{}
	known := map[string]bool{"bbox": true, "bbox-crs": true, "crs": true, "limit": true, "offset": true, "after": true,
		"level": true, "kind": true, "datetime": true}
	for name, vs := range q {
		switch {
		case name == "":
			problems["(unnamed)"] = "a query parameter has no name: drop the stray '=' or '&'"
		case !known[name]:
			problems[name] = "unknown query parameter: the parameters are bbox, bbox-crs, crs, datetime, limit, offset, after, level and kind"
		case len(vs) > 1 && !allEqual(vs):
			// The same value twice is tolerated: clients that add their own
			// parameters to every URL (GDAL before 3.7) repeat them in
			// next links, which already carry them.
			problems[name] = "given more than once: give it once"
		}
	}
	bboxCRS := CRS84
	if q.Has("bbox-crs") && problems["bbox-crs"] == "" {
		c, err := ParseCRS(q.Get("bbox-crs"))
		if err != nil {
			problems["bbox-crs"] = err.Error()
		}
		bboxCRS = c
	}
	if q.Has("crs") && problems["crs"] == "" {
		if _, err := ParseCRS(q.Get("crs")); err != nil {
			problems["crs"] = err.Error()
		}
	}
	if v := q.Get("bbox"); q.Has("bbox") && problems["bbox"] == "" && problems["bbox-crs"] == "" {
		b, err := parseBBoxIn(v, bboxCRS)
		if err != nil {
			problems["bbox"] = err.Error()
		} else {
			iq.BBox = &b
		}
	}
	if q.Has("limit") && problems["limit"] == "" {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > MaxLimit {
			problems["limit"] = fmt.Sprintf("%q: want a whole number from 1 to %d (default %d)", q.Get("limit"), MaxLimit, DefaultLimit)
		} else {
			iq.Limit = n
		}
	}
	if q.Has("offset") && problems["offset"] == "" {
		n, err := strconv.Atoi(q.Get("offset"))
		if err != nil || n < 0 || n > MaxOffset {
			problems["offset"] = fmt.Sprintf("%q: want a whole number from 0 to %d (default 0)", q.Get("offset"), MaxOffset)
		} else {
			iq.Offset = n
		}
	}
	if q.Has("level") && problems["level"] == "" {
		l, err := geo.ParseLevel(q.Get("level"))
		switch {
		case c == CollectionAreas && (err != nil || l > geo.LevelVillage):
			problems["level"] = fmt.Sprintf("%q: areas have level city, county, town or village", q.Get("level"))
		case c == CollectionGrids && (err != nil || l < geo.LevelGrid):
			problems["level"] = fmt.Sprintf("%q: grids have level grid or subgrid", q.Get("level"))
		default:
			iq.Level = l
		}
	}
	if q.Has("kind") && problems["kind"] == "" {
		k := geo.Kind(q.Get("kind"))
		switch {
		case c != CollectionGrids:
			problems["kind"] = "only grids have a kind: drop kind, or use /collections/grids/items"
		case !k.Valid():
			problems["kind"] = fmt.Sprintf("%q: want urban, rural or exclusive", k)
		default:
			iq.Kind = k
		}
	}
	if q.Has("datetime") && problems["datetime"] == "" {
		if tr, err := parseDatetime(q.Get("datetime")); err != nil {
			problems["datetime"] = err.Error()
		} else {
			iq.Time = &tr
		}
	}
	if q.Has("after") && problems["after"] == "" {
		a, err := geo.ParseCode(q.Get("after"))
		switch {
		case err != nil:
			problems["after"] = fmt.Sprintf("%q: want the code of the feature the page starts after (next links set it)", q.Get("after"))
		case q.Has("datetime"):
			problems["after"] = "after pages the current features; page versions at a datetime with offset"
		default:
			iq.After = a
		}
	}
	return iq, problems
}

// allEqual reports whether every value is the first.
func allEqual(vs []string) bool {
	for _, v := range vs[1:] {
		if v != vs[0] {
			return false
		}
	}
	return true
}

// parseDatetime reads an OGC datetime: an instant or an interval
// "start/end" with ".." (or nothing) for an open end. Instants are RFC
// 3339 date-times or dates (midnight UTC).
func parseDatetime(s string) (TimeRange, error) {
	const form = "want an RFC 3339 instant (2024-06-01T00:00:00Z or 2024-06-01) or an interval start/end with .. for an open end"
	instant := func(v string) (time.Time, error) {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("%q is not a date-time: %s", v, form)
	}
	start, end, interval := strings.Cut(s, "/")
	if !interval {
		t, err := instant(s)
		if err != nil {
			return TimeRange{}, err
		}
		return TimeRange{From: t, To: t}, nil
	}
	var tr TimeRange
	var err error
	if start != ".." && start != "" {
		if tr.From, err = instant(start); err != nil {
			return TimeRange{}, err
		}
	}
	if end != ".." && end != "" {
		if tr.To, err = instant(end); err != nil {
			return TimeRange{}, err
		}
	}
	switch {
	case tr.From.IsZero() && tr.To.IsZero():
		return TimeRange{}, fmt.Errorf("%q is open at both ends: give at least one instant (or leave datetime out for the current grids)", s)
	case !tr.From.IsZero() && !tr.To.IsZero() && tr.From.After(tr.To):
		return TimeRange{}, fmt.Errorf("%q starts after it ends: %s", s, form)
	}
	return tr, nil
}

// HandleItems serves /collections/{collectionId}/items.
func (s *Service) HandleItems() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := collectionParam(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		iq, problems := parseItemsQuery(c, q)
		if len(problems) > 0 {
			invalid(w, r, problems)
			return
		}
		crs := CRS84
		if q.Has("crs") {
			crs, _ = ParseCRS(q.Get("crs")) // parseItemsQuery checked it
		}
		items, err := s.Items(r.Context(), c, iq)
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		var fs []*item
		for _, a := range items.Areas {
			a.Geom = crs.project(a.Geom)
			fs = append(fs, areaFeature(a))
		}
		for _, g := range items.Grids {
			g.Geom = crs.project(g.Geom)
			fs = append(fs, gridFeature(g, false)) // pages carry no counts
		}
		self := baseURL(r) + "/collections/" + string(c) + "/items"
		// page links a page by its offset and, for pages of the current
		// features, by the code it starts after: a walk along next links
		// then neither repeats nor skips a feature when a new dataset
		// version arrives between two pages (the offset alone would shift
		// by the features added or retired before it).
		page := func(offset int, after geo.Code) string {
			v := url.Values{}
			for k, vs := range q {
				v[k] = vs[:1]
			}
			v.Set("limit", strconv.Itoa(iq.Limit))
			v.Set("offset", strconv.Itoa(offset))
			v.Del("after")
			if after != "" {
				v.Set("after", string(after))
			}
			return self + "?" + v.Encode()
		}
		links := []link{
			{Href: page(iq.Offset, iq.After), Rel: "self", Type: geojsonType, Title: "this page"},
			{Href: baseURL(r) + "/collections/" + string(c), Rel: "collection", Type: jsonType},
		}
		at := items.Offset // where this page starts (with after: now)
		if int64(at+len(fs)) < items.Matched {
			var last geo.Code
			if iq.Time == nil && len(fs) > 0 {
				last = geo.Code(fs[len(fs)-1].ID.(string))
			}
			next := at + len(fs)
			if last == "" {
				next = at + iq.Limit
			}
			links = append(links, link{Href: page(next, last), Rel: "next", Type: geojsonType, Title: "next page"})
		}
		if at > 0 {
			links = append(links, link{Href: page(max(0, at-iq.Limit), ""), Rel: "prev", Type: geojsonType, Title: "previous page"})
		}
		fc := newCollection(fs, links)
		fc.ExtraMembers["numberMatched"] = items.Matched
		fc.ExtraMembers["numberReturned"] = len(fs)
		fc.ExtraMembers["timeStamp"] = time.Now().UTC().Format(time.RFC3339)
		w.Header().Set("Content-Crs", "<"+crs.URI+">")
		encode(w, http.StatusOK, geojsonType, fc)
	})
}

// HandleItem serves /collections/{collectionId}/items/{code}.
func (s *Service) HandleItem() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := collectionParam(w, r)
		if !ok {
			return
		}
		code, err := codeParam(w, r, c == CollectionGrids)
		if err != nil {
			return
		}
		crs := CRS84
		if q := r.URL.Query(); q.Has("crs") {
			if crs, err = ParseCRS(q.Get("crs")); err != nil {
				invalid(w, r, map[string]string{"crs": err.Error()})
				return
			}
		}
		var f *item
		if c == CollectionAreas {
			a, e := Area(r.Context(), s.st, code)
			err = e
			a.Geom = crs.project(a.Geom)
			f = areaFeature(a)
		} else {
			g, e := Grid(r.Context(), s.st, code)
			err = e
			g.Geom = crs.project(g.Geom)
			f = gridFeature(g, true)
		}
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("%s has no item %s", c, code))
			return
		}
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		base := baseURL(r)
		f.ExtraMembers = map[string]any{"links": []link{
			{Href: base + "/collections/" + string(c) + "/items/" + string(code), Rel: "self", Type: geojsonType},
			{Href: base + "/collections/" + string(c), Rel: "collection", Type: jsonType},
		}}
		w.Header().Set("Content-Crs", "<"+crs.URI+">")
		encode(w, http.StatusOK, geojsonType, f)
	})
}
