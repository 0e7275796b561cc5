package eventstats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestPercentileContMatchesSorted checks the selection against the
// definition on sorted values, for sizes around the insertion-sort cut.
func TestPercentileContMatchesSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 15, 16, 17, 100, 1001, 5000} {
		for _, p := range []float64{0, 0.5, 0.9, 1} {
			a := make([]int64, n)
			for i := range a {
				a[i] = r.Int64N(50) * 1000 // many ties
			}
			s := slices.Clone(a)
			slices.Sort(s)
			pos := p * float64(n-1)
			lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
			want := float64(s[lo]) + (float64(s[hi])-float64(s[lo]))*(pos-float64(lo))
			if got := percentileCont(a, p); got != want {
				t.Errorf("n=%d p=%g: got %g, want %g", n, p, got, want)
			}
		}
	}
}

// TestApplyKeepsOlderTables applies random inserts (in and out of id
// order) and updates in batches, checking after each batch that the new
// table holds exactly the naive map's rows and that every older table
// still holds what it held when it was built.
func TestApplyKeepsOlderTables(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := NewBuilder()
	want := map[int64]Event{}
	type snap struct {
		t    *Table
		rows map[int64]Event
	}
	var snaps []snap
	seq := int64(0)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for batch := range 30 {
		var evs []Event
		for range 1 + r.IntN(600) {
			var id int64
			switch {
			case len(want) > 0 && r.IntN(3) == 0: // update
				id = int64(1 + r.IntN(len(want)*2))
			default:
				id = int64(1 + r.IntN(20000))
			}
			seq++
			e := Event{ID: id, Grid: fmt.Sprintf("320902001001%03d", r.IntN(30)), Type: fmt.Sprintf("T%d", r.IntN(5)),
				Status: []string{"reported", "accepted", "closed"}[r.IntN(3)], Urgent: r.IntN(2) == 0,
				ReportedAt: base.Add(time.Duration(r.IntN(1e6)) * time.Second), Seq: seq}
			evs = append(evs, e)
		}
		tb := b.Apply(evs, time.Now())
		for _, e := range evs {
			want[e.ID] = e
		}
		snaps = append(snaps, snap{tb, maps(want)})
		for _, s := range snaps {
			checkTable(t, batch, s.t, s.rows)
		}
	}
}

func maps(m map[int64]Event) map[int64]Event {
	out := make(map[int64]Event, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func checkTable(t *testing.T, batch int, tb *Table, rows map[int64]Event) {
	t.Helper()
	if tb.Len() != len(rows) {
		t.Fatalf("batch %d: table has %d rows, want %d", batch, tb.Len(), len(rows))
	}
	n := 0
	prev := int64(0)
	for _, c := range tb.chunks {
		for i, id := range c.id {
			if id <= prev {
				t.Fatalf("batch %d: ids out of order: %d after %d", batch, id, prev)
			}
			prev = id
			e := rows[id]
			if tb.grids[c.grid[i]] != e.Grid || tb.types[c.typ[i]] != e.Type || tb.statuses[c.status[i]] != e.Status ||
				c.urgent[i] != e.Urgent || c.reported[i] != e.ReportedAt.UnixMicro() {
				t.Fatalf("batch %d: row %d differs from %+v", batch, id, e)
			}
			n++
		}
	}
	if n != len(rows) {
		t.Fatalf("batch %d: %d rows in chunks, want %d", batch, n, len(rows))
	}
}
