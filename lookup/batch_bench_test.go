package lookup

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// fixedResolver answers every point with codes of real lengths, so a
// benchmark measures the codecs and the pipeline, not the index.
type fixedResolver struct{}

func (fixedResolver) Version() int64 { return 1 }
func (fixedResolver) Resolve(pts []orb.Point, out []Result) {
	for i := range pts {
		out[i] = Result{Grid: "320902001001001", SubGrid: "", Kind: "mixed", Area: "320902001001"}
	}
}

// benchCSV is n lines "id,lon,lat" with 7 decimals, like real input.
func benchCSV(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := []byte("id,lon,lat\n")
	for i := range n {
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, 120+r.Float64(), 'f', 7, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, 33+r.Float64(), 'f', 7, 64)
		b = append(b, '\n')
	}
	return b
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBatchCSV: the CSV codecs and the pipeline of Batch on 1M rows
// in memory (the resolver answers a constant). The machine is shared, so
// CPU time per row is reported besides wall time.
func BenchmarkBatchCSV(b *testing.B) {
	in := benchCSV(1 << 20)
	rows := 0
	cpu0 := cpuTime()
	for b.Loop() {
		st, err := Batch(context.Background(), FormatCSV, bytes.NewReader(in), io.Discard, fixedResolver{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows += int(st.Rows)
	}
	wall := float64(b.Elapsed().Nanoseconds()) / float64(rows)
	cpu := float64((cpuTime() - cpu0).Nanoseconds()) / float64(rows)
	b.ReportMetric(wall, "ns/row")
	b.ReportMetric(cpu, "cpu-ns/row")
	b.ReportMetric(1e3/wall, "Mrows/s")
}
