package tiles

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheEvictsByBytes(t *testing.T) {
	t.Parallel()
	tile := func(n int) Tile { return newTile(bytes.Repeat([]byte{byte(n)}, 1000)) }
	one := tile(1).size()
	c := NewCache(3 * one) // room for three tiles
	for i := 0; i < 5; i++ {
		if _, err := c.get(cacheKey{version: 1, z: 1, x: i}, func() (Tile, error) { return tile(i), nil }); err != nil {
			t.Fatal(err)
		}
		if i == 3 { // touch tile 1 so tile 2 is the least recently used
			c.get(cacheKey{version: 1, z: 1, x: 1}, func() (Tile, error) { t.Fatal("tile 1 was evicted"); return Tile{}, nil })
		}
	}
	st := c.Stats()
	if st.Entries != 3 || st.Bytes > 3*one {
		t.Fatalf("stats %+v; want 3 entries within %d bytes", st, 3*one)
	}
	for x, want := range map[int]bool{0: false, 1: true, 2: false, 3: true, 4: true} {
		c.mu.Lock()
		_, ok := c.items[cacheKey{version: 1, z: 1, x: x}]
		c.mu.Unlock()
		if ok != want {
			t.Errorf("tile %d cached %v; want %v", x, ok, want)
		}
	}
	c.dropOlder(2)
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("after dropOlder: %+v; want empty", st)
	}
}

func TestCacheRendersOnceAndKeepsNoErrors(t *testing.T) {
	t.Parallel()
	c := NewCache(1 << 20)
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl, err := c.get(cacheKey{version: 1}, func() (Tile, error) {
				calls.Add(1)
				<-release
				return newTile([]byte("tile")), nil
			})
			if err != nil || string(tl.Data) != "tile" {
				t.Errorf("got %q, %v", tl.Data, err)
			}
		}()
	}
	for c.Stats().Misses == 0 {
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("rendered %d times for 8 concurrent requests; want 1", n)
	}
	boom := errors.New("boom")
	if _, err := c.get(cacheKey{version: 2}, func() (Tile, error) { return Tile{}, boom }); err != boom {
		t.Fatalf("error %v; want boom", err)
	}
	if _, err := c.get(cacheKey{version: 2}, func() (Tile, error) { return newTile([]byte("ok")), nil }); err != nil {
		t.Fatalf("a failed render was cached: %v", err)
	}
}

func TestTileETagDependsOnContentOnly(t *testing.T) {
	t.Parallel()
	a, b, c := newTile([]byte("same")), newTile([]byte("same")), newTile([]byte("other"))
	if a.ETag != b.ETag || a.ETag == c.ETag || a.GzipETag() == a.ETag {
		t.Errorf("ETags %s %s %s (gzip %s): want equal for equal content only, and a distinct gzip tag", a.ETag, b.ETag, c.ETag, a.GzipETag())
	}
	if e := newTile(nil); e.ETag != "" || e.Data != nil {
		t.Errorf("empty tile %+v; want zero", e)
	}
}
