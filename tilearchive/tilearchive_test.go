package tilearchive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/protomaps/go-pmtiles/pmtiles"

	"gridmap/tilearchive"
)

// archive reads an archive back with go-pmtiles's decoding.
type archive struct {
	b      []byte
	h      pmtiles.HeaderV3
	root   []pmtiles.EntryV3
	leaves map[uint64][]pmtiles.EntryV3 // by offset
}

func readArchive(t *testing.T, path string) archive {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	root := pmtiles.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression)
	return archive{b: b, h: h, root: root, leaves: map[uint64][]pmtiles.EntryV3{}}
}

// tile returns the decompressed tile z/x/y, or nil when there is none.
func (a archive) tile(t *testing.T, z, x, y int) []byte {
	t.Helper()
	id := pmtiles.ZxyToID(uint8(z), uint32(x), uint32(y))
	dir := a.root
	for depth := 0; depth < 4; depth++ {
		e, ok := pmtiles.FindTile(dir, id)
		if !ok {
			return nil
		}
		if e.RunLength > 0 {
			off := a.h.TileDataOffset + e.Offset
			zr, err := gzip.NewReader(bytes.NewReader(a.b[off : off+uint64(e.Length)]))
			if err != nil {
				t.Fatal(err)
			}
			out, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		off := a.h.LeafDirectoryOffset + e.Offset
		if a.leaves[off] == nil {
			a.leaves[off] = pmtiles.DeserializeEntries(bytes.NewBuffer(a.b[off:off+uint64(e.Length)]), a.h.InternalCompression)
		}
		dir = a.leaves[off]
	}
	t.Fatalf("tile %d/%d/%d: directories too deep", z, x, y)
	return nil
}

func TestWriteReadsBack(t *testing.T) {
	t.Parallel()
	// Tiles of the western three quarters have their own content, the
	// others are all alike (deduplicated, in runs), and every third row
	// is empty. z0-8 of the world is 87,381 tiles: leaf directories.
	render := func(_ context.Context, z, x, y int) ([]byte, error) {
		switch {
		case y%3 == 2:
			return nil, nil
		case x < 3<<z/4:
			return []byte(fmt.Sprintf("tile %d/%d/%d", z, x, y)), nil
		}
		return []byte("sea"), nil
	}
	path := filepath.Join(t.TempDir(), "world.pmtiles")
	var calls, lastDone, total int
	st, err := tilearchive.Write(context.Background(), path, render, tilearchive.Options{
		MinZoom: 0, MaxZoom: 8, West: -180, South: -85, East: 180, North: 85,
		Metadata: map[string]any{"name": "test"},
		Progress: func(done, all int) { calls, lastDone, total = calls+1, done, all },
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 87381 || lastDone != total || calls < 2 {
		t.Errorf("progress: %d calls, last %d of %d; want several, ending at 87381 of 87381", calls, lastDone, total)
	}
	a := readArchive(t, path)
	if a.h.LeafDirectoryLength == 0 {
		t.Errorf("no leaf directories for %d tiles", st.Tiles)
	}
	if a.h.TileType != pmtiles.Mvt || a.h.TileCompression != pmtiles.Gzip || a.h.MinZoom != 0 || a.h.MaxZoom != 8 ||
		a.h.AddressedTilesCount != uint64(st.Tiles) || a.h.TileContentsCount != uint64(st.Contents) {
		t.Errorf("header %+v; stats %+v", a.h, st)
	}
	if st.Tiles+st.Empty != 87381 || st.Contents >= st.Tiles || a.h.TileEntriesCount >= uint64(st.Tiles) {
		t.Errorf("stats %+v, %d entries: want empties left out, contents deduplicated and runs in one entry", st, a.h.TileEntriesCount)
	}
	meta, err := pmtiles.DeserializeMetadata(bytes.NewReader(a.b[a.h.MetadataOffset:a.h.MetadataOffset+a.h.MetadataLength]), a.h.InternalCompression)
	if err != nil || meta["name"] != "test" {
		t.Errorf("metadata %v, %v", meta, err)
	}
	for z := 0; z <= 8; z++ {
		for x := 0; x < 1<<z; x++ {
			for y := 0; y < 1<<z; y++ {
				want, _ := render(context.Background(), z, x, y)
				if got := a.tile(t, z, x, y); !bytes.Equal(got, want) {
					t.Fatalf("tile %d/%d/%d: %q, want %q", z, x, y, got, want)
				}
			}
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, int, int, int) ([]byte, error) { return []byte("x"), nil }
	failing := func(context.Context, int, int, int) ([]byte, error) { return nil, errors.New("renderer broke") }
	dir := t.TempDir()
	tests := []struct {
		name   string
		render tilearchive.Renderer
		opts   tilearchive.Options
		says   string
	}{
		{"zoom order", ok, tilearchive.Options{MinZoom: 5, MaxZoom: 4, West: 0, South: 0, East: 1, North: 1}, "minzoom ≤ maxzoom"},
		{"zoom too deep", ok, tilearchive.Options{MaxZoom: 23, West: 0, South: 0, East: 1, North: 1}, "≤ 22"},
		{"empty bounds", ok, tilearchive.Options{MaxZoom: 3}, "west < east"},
		{"renderer error", failing, tilearchive.Options{MaxZoom: 3, West: 0, South: 0, East: 1, North: 1}, "renderer broke"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.name+".pmtiles")
			_, err := tilearchive.Write(context.Background(), path, tt.render, tt.opts)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.says)) {
				t.Errorf("error %v, want one saying %q", err, tt.says)
			}
			if _, serr := os.Stat(path); serr == nil {
				t.Errorf("a failed write left %s behind", path)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".gridd-export-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
