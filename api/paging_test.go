package api_test

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb/geojson"
)

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// links returns a collection's links by rel.
func links(t *testing.T, fc *geojson.FeatureCollection) map[string]string {
	t.Helper()
	out := map[string]string{}
	ls, _ := fc.ExtraMembers["links"].([]any)
	for _, l := range ls {
		m := l.(map[string]any)
		out[m["rel"].(string)] = m["href"].(string)
	}
	return out
}

// TestItemsPaging walks the grids two at a time along the next links and
// back along prev, and checks the counts on every page.
func TestItemsPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	all := []string{"320902001001001", "320902001001002", "320902001002001", "320902001002002", "32090200100200201"}
	var got []string
	path := "/collections/grids/items?limit=2"
	var pages []string
	for i := 0; path != ""; i++ {
		if i > 5 {
			t.Fatal("next links do not end")
		}
		pages = append(pages, path)
		fc, err := geojson.UnmarshalFeatureCollection(e.do("GET", path, "", nil).body)
		if err != nil {
			t.Fatal(err)
		}
		if fc.ExtraMembers["numberMatched"] != 5.0 || fc.ExtraMembers["numberReturned"] != float64(len(fc.Features)) {
			t.Errorf("page %d: numberMatched %v numberReturned %v with %d features", i, fc.ExtraMembers["numberMatched"], fc.ExtraMembers["numberReturned"], len(fc.Features))
		}
		for _, f := range fc.Features {
			got = append(got, f.ID.(string))
		}
		l := links(t, fc)
		if _, ok := l["prev"]; ok != (i > 0) {
			t.Errorf("page %d: prev link present = %v", i, ok)
		}
		path = ""
		if next, ok := l["next"]; ok {
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			if u.Query().Get("limit") != "2" || u.Query().Get("offset") != strconv.Itoa(2*(i+1)) {
				t.Errorf("page %d: next link %s", i, next)
			}
			path = u.RequestURI()
		}
	}
	if !slices.Equal(got, all) || len(pages) != 3 {
		t.Errorf("walked %v over %d pages, want %v over 3", got, len(pages), all)
	}
	// Filters survive in the links.
	fc, _ := geojson.UnmarshalFeatureCollection(e.do("GET", "/collections/grids/items?limit=1&offset=1&bbox=120,33,120.2,33.1", "", nil).body)
	l := links(t, fc)
	for _, rel := range []string{"next", "prev", "self"} {
		u, _ := url.Parse(l[rel])
		if u.Query().Get("bbox") != "120,33,120.2,33.1" {
			t.Errorf("%s link %s lost the bbox", rel, l[rel])
		}
	}
	if u, _ := url.Parse(l["prev"]); u.Query().Get("offset") != "0" {
		t.Errorf("prev link %s, want offset 0", l["prev"])
	}
}
