package tiles

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Register adds the cache's counters to reg, read from Stats at each
// scrape: gridd_tile_cache_hits_total and gridd_tile_cache_misses_total
// (a miss renders the tile; requests that wait for a render under way
// count as neither), gridd_tile_cache_bytes and gridd_tile_cache_entries.
func (c *Cache) Register(reg prometheus.Registerer) error {
	cc := cacheCollector{c: c,
		hits:    prometheus.NewDesc("gridd_tile_cache_hits_total", "Tile requests answered from the tile cache.", nil, nil),
		misses:  prometheus.NewDesc("gridd_tile_cache_misses_total", "Tile requests that rendered the tile (not in the tile cache).", nil, nil),
		bytes:   prometheus.NewDesc("gridd_tile_cache_bytes", "Bytes of tiles held in the tile cache, against its budget.", nil, nil),
		entries: prometheus.NewDesc("gridd_tile_cache_entries", "Tiles held in the tile cache.", nil, nil),
	}
	if err := reg.Register(cc); err != nil {
		return fmt.Errorf("register tile cache metrics: %w", err)
	}
	return nil
}

// cacheCollector is the Prometheus face of a Cache.
type cacheCollector struct {
	c                            *Cache
	hits, misses, bytes, entries *prometheus.Desc
}

func (cc cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cc.hits
	ch <- cc.misses
	ch <- cc.bytes
	ch <- cc.entries
}

func (cc cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := cc.c.Stats()
	ch <- prometheus.MustNewConstMetric(cc.hits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(cc.misses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(cc.bytes, prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(cc.entries, prometheus.GaugeValue, float64(s.Entries))
}
