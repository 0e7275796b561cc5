package check_test

import (
	"context"
	"testing"

	"gridmap/check"
	"gridmap/demo"
	"gridmap/store/storetest"
)

// TestCheckDemoCityTiny checks that the generated demo city passes gridd
// check: no error and no warning.
func TestCheckDemoCityTiny(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.New(t)
	if _, err := demo.Generate(ctx, st, demo.Options{Scale: 0.01, Seed: 1}, nil); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	r, err := check.Run(ctx, st, check.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors() != 0 || r.Warnings() != 0 {
		t.Errorf("demo city: %d errors, %d warnings:\n%s", r.Errors(), r.Warnings(), dumpFindings(r))
	}
}

// BenchmarkCheckDemo checks a tenth of the demo city (≈2,000 grids,
// ≈230k households); BenchmarkCheckDemoFull the whole city (≈20,000 grids,
// ≈2.3 M households; generating it takes about a minute). Each reports
// records/s and the milliseconds of every check.
func BenchmarkCheckDemo(b *testing.B)     { benchmarkCheck(b, 0.1) }
func BenchmarkCheckDemoFull(b *testing.B) { benchmarkCheck(b, 1) }

func benchmarkCheck(b *testing.B, scale float64) {
	ctx := context.Background()
	st := storetest.New(b)
	stats, err := demo.Generate(ctx, st, demo.Options{Scale: scale, Seed: 1}, nil)
	if err != nil {
		b.Fatalf("Generate: %v", err)
	}
	if _, err := st.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var r *check.Report
	for b.Loop() {
		if r, err = check.Run(ctx, st, check.Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	if r.Errors() != 0 {
		b.Errorf("demo city has %d errors:\n%s", r.Errors(), dumpFindings(r))
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(stats.Households+stats.Units)/secs, "records/s")
	b.ReportMetric(float64(stats.Grids+stats.SubGrids), "grids")
	b.ReportMetric(float64(stats.Households), "households")
	for _, c := range r.Checks {
		b.ReportMetric(c.DurationMS, c.Check+"-ms")
	}
}
