package workers

import (
	"context"
	"embed"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"gridmap/geo"
	"gridmap/pii"
	"gridmap/web/i18n"
)

// Board is the public notice of a grid (Art. 22): its name, code,
// village, area, and the names and phones of its current leader and
// full-time workers, with the complaint channel. Nothing else: no ID
// number, no part-time worker, nothing about residents.
type Board struct {
	Grid        geo.Code      `json:"grid"`
	Name        string        `json:"name"`
	Kind        geo.Kind      `json:"kind"`
	Village     geo.Code      `json:"village"`
	VillageName string        `json:"village_name"`
	AreaKM2     float64       `json:"area_km2"`
	Leader      *BoardPerson  `json:"leader"`
	FullTime    []BoardPerson `json:"fulltime"`
	Complaint   string        `json:"complaint_channel"`
	// On is the date the board shows (today, Beijing time); Version the
	// dataset version of the boundary.
	On      string `json:"on"`
	Version int64  `json:"dataset_version"`

	geom orb.MultiPolygon
}

// BoardPerson is a worker as the board shows them: name and phone in
// full, as Art. 22 asks.
type BoardPerson struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Board returns the board of a current grid: the boundary from the live
// state, the workers from the appointments running today.
func (s *Service) Board(ctx context.Context, code geo.Code) (Board, error) {
	if err := s.needKey(); err != nil {
		return Board{}, err
	}
	state := s.current(ctx)
	g := state.Snap.Grid(code)
	if g == nil {
		return Board{}, refuse(KindNotFound, "grid %s is not a current grid", code)
	}
	today := s.today()
	b := Board{Grid: g.Code, Name: g.Name, Kind: g.Kind, Village: g.Village, FullTime: []BoardPerson{},
		Complaint: s.complaint, On: today.Format("2006-01-02"), Version: state.Version(), geom: g.Geom}
	if v := state.Snap.Area(g.Village); v != nil {
		b.VillageName = v.Name
	}
	b.AreaKM2 = math.Round(orbgeo.Area(g.Geom)/1e4) / 100
	rows, _ := s.st.Pool().Query(ctx, boardSQL, string(code), today)
	var role, name string
	var sealed []byte
	if _, err := pgx.ForEachRow(rows, []any{&role, &name, &sealed}, func() error {
		phone, err := s.key.Open(pii.FieldPhone, sealed)
		if err != nil {
			return fmt.Errorf("phone: %w", err)
		}
		p := BoardPerson{Name: name, Phone: phone}
		if Role(role) == RoleLeader {
			b.Leader = &p
		} else {
			b.FullTime = append(b.FullTime, p)
		}
		return nil
	}); err != nil {
		return Board{}, fmt.Errorf("board of %s: %w", code, err)
	}
	return b, nil
}

//go:embed board.html.tmpl
var boardFS embed.FS
var boardTmpl = i18n.MustParseTemplates(boardFS, "board.html.tmpl")

type boardPage struct {
	B    Board
	Path string
	W, H float64
}

// WriteHTML writes the board as a printable page in lang with a small map
// of the grid (inline SVG, no scripts).
func (b Board) WriteHTML(w io.Writer, lang i18n.Lang) error {
	page := boardPage{B: b, W: 240, H: 240}
	bound := b.geom.Bound()
	kx := math.Cos(bound.Center().Lat() * math.Pi / 180) // degrees of longitude are shorter
	span := math.Max((bound.Max[0]-bound.Min[0])*kx, bound.Max[1]-bound.Min[1])
	scale := 0.0
	if span > 0 {
		scale = (page.W - 20) / span
	}
	var d strings.Builder
	for _, p := range b.geom {
		for _, r := range p {
			for i, pt := range r {
				x, y := 10+(pt[0]-bound.Min[0])*kx*scale, 10+(bound.Max[1]-pt[1])*scale
				if i == 0 {
					fmt.Fprintf(&d, "M%.1f %.1f", x, y)
				} else {
					fmt.Fprintf(&d, "L%.1f %.1f", x, y)
				}
			}
			d.WriteString("Z")
		}
	}
	page.Path = d.String()
	if err := boardTmpl.Execute(w, lang, "board.html.tmpl", page); err != nil {
		return fmt.Errorf("board page: %w", err)
	}
	return nil
}
