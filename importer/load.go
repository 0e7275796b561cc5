package importer

import (
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"

	"gridmap/feature"
	"gridmap/geo"
	"gridmap/store"
)

// importTableSQL holds the features of one import while they are checked.
// It lives as long as the transaction.
const importTableSQL = `CREATE TEMP TABLE import_feature (
	idx         integer NOT NULL,
	raw_code    text NOT NULL,    -- the code as given, for messages
	code        text,             -- canonical; NULL when unusable
	is_grid     boolean NOT NULL,
	level       text,             -- areas
	kind        text,             -- grids
	name        text,
	parent      text,             -- areas: the parent area; grids: the village
	parent_grid text,             -- sub-grids
	geom        geometry(MultiPolygon, 4326), -- NULL when unusable
	ok          boolean NOT NULL -- geom is valid (after repair); set true with geom, cleared by the checks
) ON COMMIT DROP`

var importColumns = []string{"idx", "raw_code", "code", "is_grid", "level", "kind", "name", "parent", "parent_grid", "geom", "ok"}

// topologyProblems are the geo.Validate codes PostGIS can still read and
// ST_MakeValid can repair; the other errors leave nothing to send.
var topologyProblems = map[string]bool{
	geo.ProblemSelfIntersection: true,
	geo.ProblemRingCrossing:     true,
	geo.ProblemPolygonCrossing:  true,
}

// loader is the COPY source: it reads features one at a time, checks each
// in Go, reports its problems and hands its row to COPY. Only the current
// feature is held.
type loader struct {
	src  Source
	opts *Options
	rep  *Report
	row  []any

	fileErr  *feature.Error // the file was rejected here
	internal error          // reading failed (I/O)
}

// Next implements pgx.CopyFromSource.
func (l *loader) Next() bool {
	f, err := l.src.Next()
	if err == io.EOF {
		return false
	}
	if err != nil {
		if fe, ok := isFileError(err); ok {
			l.fileErr = fe
			l.rep.add(l.opts.MaxProblems, Problem{Index: -1, Check: fe.Code, Severity: "error",
				Message: fmt.Sprintf("%s (at byte %d)", fe.Message, fe.Offset)})
		} else {
			l.internal = err
		}
		return false
	}
	l.rep.Features++
	if l.opts.Progress != nil && l.rep.Features%10_000 == 0 {
		l.opts.Progress(l.rep.Features)
	}
	l.row = l.check(f)
	return true
}

// Values implements pgx.CopyFromSource.
func (l *loader) Values() ([]any, error) { return l.row, nil }

// Err implements pgx.CopyFromSource.
func (l *loader) Err() error { return l.internal }

// nullable turns "" into SQL NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// check runs the per-feature checks and returns the feature's row.
func (l *loader) check(f *feature.Feature) []any {
	raw, hasCode := f.StringProperty("code")
	if !hasCode {
		if id, ok := f.ID.(string); ok {
			raw, hasCode = id, true
		}
	}
	raw = strings.TrimSpace(raw)
	name, _ := f.StringProperty("name")
	name = strings.TrimSpace(name)
	report := func(check string, sev geo.Severity, msg string, at orb.Geometry) {
		l.rep.add(l.opts.MaxProblems, Problem{Index: f.Index, Code: raw, Name: name, Check: check, Severity: string(sev), Message: msg, Location: at})
	}
	fail := func(check, msg string) { report(check, geo.SeverityError, msg, nil) }

	for _, p := range f.Problems {
		fail(p.Code, p.Message)
	}

	// Code, and with it whether the feature is an area or a grid.
	var code geo.Code
	switch {
	case !hasCode || raw == "":
		fail("missing-code", `no "code" property: every area and grid needs its code`)
	default:
		c, err := geo.ParseCode(raw)
		if err != nil {
			fail("bad-code", err.Error())
		} else {
			code = c
		}
	}
	_, hasKind := f.Properties["kind"]
	isGrid := l.opts.Kind == "grids" || (l.opts.Kind == "" && hasKind)
	if code != "" {
		isGrid = code.IsGrid()
		switch {
		case l.opts.Kind == "areas" && isGrid:
			fail("wrong-kind", fmt.Sprintf("%s is a grid code, and this import is of areas (import without --kind areas, or with --kind grids)", code))
			code = ""
		case l.opts.Kind == "grids" && !isGrid:
			fail("wrong-kind", fmt.Sprintf("%s is an area code, and this import is of grids: grid codes have 15 digits (sub-grids 17)", code))
			code = ""
		}
	}

	if name == "" {
		fail("missing-name", `no "name" property (or it is blank): every area and grid needs a name`)
	}

	var level, kind, parent, parentGrid string
	if code != "" && !isGrid {
		level = code.Level().String()
		if lv, ok := f.StringProperty("level"); ok && lv != level {
			fail("level-mismatch", fmt.Sprintf(`"level" is %q but code %s is a %s code`, lv, code, level))
		}
		parent = string(code.Parent())
		if p, ok := f.StringProperty("parent"); ok && p != "" {
			if pc, err := geo.ParseCode(p); err != nil || string(pc) != parent {
				want := parent
				if want == "" {
					want = "none (a city has no parent)"
				}
				fail("parent-mismatch", fmt.Sprintf(`"parent" is %q but the parent of %s is %s (a code names its parent)`, p, code, want))
			}
		}
		l.rep.Areas++
	}
	if code != "" && isGrid {
		parent = string(code.Village())
		k, _ := f.StringProperty("kind")
		if code.Level() == geo.LevelSubGrid {
			parentGrid = string(code.Ancestor(geo.LevelGrid))
			if k == "" {
				k = string(geo.KindExclusive)
			}
			if k != string(geo.KindExclusive) {
				fail("bad-kind", fmt.Sprintf(`"kind" is %q but %s is a sub-grid, and sub-grids are exclusive`, k, code))
			}
		} else if !geo.Kind(k).Valid() {
			fail("bad-kind", fmt.Sprintf(`"kind" is %q: want urban, rural or exclusive`, k))
		}
		kind = k
		if v, ok := f.StringProperty("village"); ok && v != "" && v != parent {
			fail("parent-mismatch", fmt.Sprintf(`"village" is %q but grid %s lies in village %s (its first 12 digits)`, v, code, parent))
		}
		want := parent
		if parentGrid != "" {
			want = parentGrid
		}
		if p, ok := f.StringProperty("parent"); ok && p != "" && p != want {
			fail("parent-mismatch", fmt.Sprintf(`"parent" is %q but the parent of %s is %s (a code names its parent)`, p, code, want))
		}
		l.rep.Grids++
	}

	// Geometry.
	var geom any
	if f.Geometry != nil {
		sendable := true
		for _, p := range geo.Validate(f.Geometry) {
			sev := p.Severity
			msg := p.Message
			if sev == geo.SeverityError {
				if topologyProblems[p.Code] && l.opts.Repair {
					sev, msg = geo.SeverityWarning, msg+" (to be repaired)"
				} else if !topologyProblems[p.Code] {
					sendable = false
				}
			}
			var at orb.Geometry
			if p.Code != geo.ProblemNonFinite && p.Code != geo.ProblemEmpty && p.Code != geo.ProblemUnsupportedType {
				at = p.Location
			}
			report(p.Code, sev, msg, at)
		}
		if sendable {
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				geom = store.Geom(orb.MultiPolygon{g})
			case orb.MultiPolygon:
				geom = store.Geom(g)
			}
		}
	}
	return []any{f.Index, raw, nullable(string(code)), isGrid, nullable(level), nullable(kind), nullable(name),
		nullable(parent), nullable(parentGrid), geom, geom != nil}
}
