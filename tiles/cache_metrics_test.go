package tiles

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCacheRegister reads the cache's counters through a registry: they
// follow Stats at each scrape, and a second cache on the same registry is
// refused with an error.
func TestCacheRegister(t *testing.T) {
	t.Parallel()
	c := NewCache(1 << 20)
	reg := prometheus.NewRegistry()
	if err := c.Register(reg); err != nil {
		t.Fatal(err)
	}
	tile := newTile(bytes.Repeat([]byte{1}, 1000))
	for range 3 {
		if _, err := c.get(cacheKey{version: 1, z: 1}, func() (Tile, error) { return tile, nil }); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		got[mf.GetName()] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	want := map[string]float64{
		"gridd_tile_cache_hits_total":   2,
		"gridd_tile_cache_misses_total": 1,
		"gridd_tile_cache_entries":      1,
		"gridd_tile_cache_bytes":        float64(tile.size()),
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %v; want %v (all: %v)", name, got[name], w, got)
		}
	}
	if err := NewCache(1).Register(reg); err == nil {
		t.Error("a second cache registered on the same registry")
	}
}
