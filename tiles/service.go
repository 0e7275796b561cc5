package tiles

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gridmap/geo"
)

// Source gives the current snapshot. The service asks it on every request,
// so swapping the snapshot it returns makes the next tile fresh.
type Source interface {
	Snapshot() *geo.Snapshot
}

// PreparedSource is a Source that also prepares the tile data of each
// version itself, before it publishes the version (the service's live
// state does, alongside the lookup index), so no tile request ever waits
// for a preparation. Both come from one state: they always match.
type PreparedSource interface {
	Source
	SnapshotAndTiles() (*geo.Snapshot, *Prepared)
}

// VersionWaiter is a Source that can wait until it publishes a dataset
// version (the service's live state can): a tile requested with a newer
// ?v= than the source's waits for it a little (Options.WaitNewer).
type VersionWaiter interface {
	// WaitFor blocks until version v or a newer one is published, or ctx
	// ends.
	WaitFor(ctx context.Context, v int64) error
}

// HistoryRenderer renders a tile of the state at a past time, with the
// same layer names and properties as the in-memory renderer (PostGIS
// implements it with ST_AsMVT). layers are the layers visible at z.
type HistoryRenderer interface {
	TileAt(ctx context.Context, layers []string, z, x, y int, at time.Time) ([]byte, error)
}

// Options tune a Service. The zero value is usable.
type Options struct {
	// CacheBytes is the tile cache budget (default 256 MiB).
	CacheBytes int64
	// BaseURL is the scheme and host put into TileJSON tile URLs, e.g.
	// "https://maps.example.org"; empty takes them from each request.
	BaseURL string
	// PathPrefix is where Handler is mounted (default "/tiles").
	PathPrefix string
	// MaxAge is the Cache-Control max-age of tiles requested without the
	// current ?v= (default one minute), after which a cache must
	// revalidate them (their ETag makes that a 304). Tiles requested with
	// the current ?v= are immutable: a shared cache or CDN keeps them.
	MaxAge time.Duration
	// WaitNewer is how long a tile requested with a ?v= newer than the
	// current version waits for it (default one second). If it does not
	// come, the tile of the current version is answered with no-store.
	WaitNewer time.Duration
}

// ErrNoSnapshot is returned while the source has no snapshot yet.
var ErrNoSnapshot = errors.New("no dataset loaded yet")

// Service renders, caches and serves tiles. It is safe for concurrent use.
type Service struct {
	src   Source
	hist  HistoryRenderer
	log   *slog.Logger
	opts  Options
	cache *Cache

	prep   atomic.Pointer[Prepared]
	prepMu sync.Mutex

	maxAge []string                      // Cache-Control of tiles without the current ?v=
	verHdr atomic.Pointer[versionHeader] // X-Dataset-Version of the last version served
}

// NewService returns a service over src. hist may be nil, and then ?at=
// requests are refused.
func NewService(src Source, hist HistoryRenderer, log *slog.Logger, opts Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 256 << 20
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = "/tiles"
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Minute
	}
	if opts.WaitNewer <= 0 {
		opts.WaitNewer = time.Second
	}
	return &Service{src: src, hist: hist, log: log, opts: opts, cache: NewCache(opts.CacheBytes),
		maxAge: []string{"public, max-age=" + strconv.Itoa(int(opts.MaxAge.Seconds())) + ", must-revalidate"}}
}

// Cache returns the service's tile cache (for its statistics).
func (s *Service) Cache() *Cache { return s.cache }

// Prepared returns the tile data of the source's current snapshot,
// preparing it first when the version is new. Concurrent callers wait
// for one preparation.
func (s *Service) Prepared() (*Prepared, error) {
	if s.src == nil {
		return nil, ErrNoSnapshot
	}
	var snap *geo.Snapshot
	if ps, ok := s.src.(PreparedSource); ok {
		var p *Prepared
		snap, p = ps.SnapshotAndTiles()
		if p != nil && snap != nil && p.Version == snap.Version {
			if old := s.prep.Swap(p); old == nil || old.Version != p.Version {
				s.cache.dropOlder(p.Version)
			}
			return p, nil
		}
	} else {
		snap = s.src.Snapshot()
	}
	if snap == nil {
		return nil, ErrNoSnapshot
	}
	if p := s.prep.Load(); p != nil && p.Version == snap.Version {
		return p, nil
	}
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if p := s.prep.Load(); p != nil && p.Version == snap.Version {
		return p, nil
	}
	start := time.Now()
	p := PrepareFrom(snap, s.prep.Load())
	s.prep.Store(p)
	s.cache.dropOlder(p.Version)
	s.log.Info("tiles prepared", "version", p.Version, "areas", len(snap.Areas), "grids", len(snap.Grids),
		"took", time.Since(start).Round(time.Millisecond))
	return p, nil
}

// Refresh prepares the source's current snapshot now, so the first tile
// request after a version swap does not pay for it.
func (s *Service) Refresh() error {
	_, err := s.Prepared()
	return err
}

// Watch prepares each new version as soon as the source has it, checking
// every interval until ctx ends, so no request waits for a preparation
// after a swap. Without it the first request of a version prepares it.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(); err != nil && !errors.Is(err, ErrNoSnapshot) {
				s.log.Warn("prepare tiles", "err", err)
			}
		}
	}
}

// Tile returns tile z/x/y of the current version, from the cache or
// freshly rendered. layer is a layer name, or "" for all layers.
func (s *Service) Tile(ctx context.Context, layer string, z, x, y int) (Tile, int64, error) {
	if err := CheckTile(z, x, y); err != nil {
		return Tile{}, 0, err
	}
	var names []string
	if layer != "" {
		if _, ok := LayerByName(layer); !ok {
			return Tile{}, 0, &UnknownLayerError{layer}
		}
		names = []string{layer}
	}
	p, err := s.Prepared()
	if err != nil {
		return Tile{}, 0, err
	}
	k := cacheKey{version: p.Version, layers: layer, z: z, x: x, y: y}
	t, err := s.cache.get(k, func() (Tile, error) { return p.RenderTile(names, z, x, y) })
	return t, p.Version, err
}

// UnknownLayerError is returned for a layer name the service does not
// have.
type UnknownLayerError struct{ Name string }

func (e *UnknownLayerError) Error() string {
	return "unknown layer " + e.Name + ": want one of " + layerList()
}

func layerList() string {
	s := ""
	for i, l := range layerInfos {
		if i > 0 {
			s += ", "
		}
		s += l.Name
	}
	return s
}
