package tiles

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
)

// Tile is an encoded tile with its gzip variant and strong entity tag.
// An empty tile has no Data.
type Tile struct {
	Data []byte
	Gzip []byte
	// ETag is the strong entity tag of Data, quoted; it depends only on
	// the bytes, so a tile that did not change across dataset versions
	// keeps it. The gzip representation has its own tag, GzipETag.
	ETag string

	hdr *tileHeaders // made by newTile; nil in a Tile built otherwise
}

// tileHeaders are the header values of a tile's two representations,
// made once when the tile is encoded so that serving it from the cache
// builds none.
type tileHeaders struct {
	etag, length         []string
	gzipETag, gzipLength []string
}

func makeTileHeaders(t Tile) *tileHeaders {
	return &tileHeaders{
		etag: []string{t.ETag}, length: []string{strconv.Itoa(len(t.Data))},
		gzipETag: []string{t.GzipETag()}, gzipLength: []string{strconv.Itoa(len(t.Gzip))},
	}
}

// headers returns the tile's header values.
func (t Tile) headers() *tileHeaders {
	if t.hdr != nil {
		return t.hdr
	}
	return makeTileHeaders(t)
}

// GzipETag is the entity tag of the gzip representation: a different
// representation needs a different strong tag (RFC 9110, 8.8.1).
func (t Tile) GzipETag() string {
	if t.ETag == "" {
		return ""
	}
	return t.ETag[:len(t.ETag)-1] + `-gz"`
}

// size is what the tile costs in the cache, with a fixed overhead for the
// entry itself.
func (t Tile) size() int64 { return int64(len(t.Data)+len(t.Gzip)+3*len(t.ETag)) + 256 }

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// newTile hashes and compresses encoded tile bytes.
func newTile(data []byte) Tile {
	if len(data) == 0 {
		return Tile{}
	}
	sum := sha256.Sum256(data)
	var buf bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	w.Write(data)
	w.Close()
	gzipWriters.Put(w)
	t := Tile{Data: data, Gzip: buf.Bytes(), ETag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	t.hdr = makeTileHeaders(t)
	return t
}

// cacheKey names a tile of one dataset version. The version is part of
// the key, so once a new version is current no tile of an older one can
// be found for it.
type cacheKey struct {
	version int64
	layers  string // "" for all layers, else the layer name
	z, x, y int
}

type cacheEntry struct {
	key  cacheKey
	tile Tile
}

// Cache is an LRU cache of encoded tiles bounded by a byte budget. It is
// safe for concurrent use; concurrent misses on one key render once.
type Cache struct {
	mu       sync.Mutex
	budget   int64
	used     int64
	ll       *list.List
	items    map[cacheKey]*list.Element
	inflight map[cacheKey]*call
	hits     int64
	misses   int64
}

type call struct {
	done chan struct{}
	tile Tile
	err  error
}

// NewCache returns a cache holding up to budget bytes of tiles.
func NewCache(budget int64) *Cache {
	return &Cache{budget: budget, ll: list.New(), items: map[cacheKey]*list.Element{}, inflight: map[cacheKey]*call{}}
}

// get returns the cached tile for k, or renders it with fn (once, however
// many callers ask at the same time) and keeps it.
func (c *Cache) get(k cacheKey, fn func() (Tile, error)) (Tile, error) {
	c.mu.Lock()
	if e, ok := c.items[k]; ok {
		c.ll.MoveToFront(e)
		c.hits++
		t := e.Value.(*cacheEntry).tile
		c.mu.Unlock()
		return t, nil
	}
	if cl, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.tile, cl.err
	}
	c.misses++
	cl := &call{done: make(chan struct{})}
	c.inflight[k] = cl
	c.mu.Unlock()

	cl.tile, cl.err = fn()

	c.mu.Lock()
	delete(c.inflight, k)
	if cl.err == nil {
		c.add(k, cl.tile)
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.tile, cl.err
}

func (c *Cache) add(k cacheKey, t Tile) {
	sz := t.size()
	if sz > c.budget {
		return
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, tile: t})
	c.used += sz
	for c.used > c.budget {
		e := c.ll.Back()
		ce := e.Value.(*cacheEntry)
		c.ll.Remove(e)
		delete(c.items, ce.key)
		c.used -= ce.tile.size()
	}
}

// CacheStats are counters of a cache.
type CacheStats struct {
	Entries      int
	Bytes        int64
	Hits, Misses int64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: c.ll.Len(), Bytes: c.used, Hits: c.hits, Misses: c.misses}
}

// dropOlder removes every tile of a version below v.
func (c *Cache) dropOlder(v int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.ll.Front(); e != nil; {
		next := e.Next()
		if ce := e.Value.(*cacheEntry); ce.key.version < v {
			c.ll.Remove(e)
			delete(c.items, ce.key)
			c.used -= ce.tile.size()
		}
		e = next
	}
}
