// Package tilearchive writes vector tiles into a PMTiles v3 archive (one
// file holding every tile of a zoom range and bounding box, with its
// directories, for offline use and for static hosting on a CDN), with
// protomaps/go-pmtiles's encoding of headers and directories.
//
// Write renders nothing itself: the caller gives a Renderer (the tile
// service's own, so every tile in the archive is the server's tile for
// the same version), and never touches the database. Export is that
// caller for a dataset in the store: it reads the version (or the state
// at a time) and renders with package tiles; it never writes to the
// database.
package tilearchive

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/protomaps/go-pmtiles/pmtiles"
	"golang.org/x/sync/errgroup"
)

// Renderer returns the uncompressed MVT of tile z/x/y; an empty answer
// means there is no tile there (it is left out of the archive).
type Renderer func(ctx context.Context, z, x, y int) ([]byte, error)

// Options say what to write.
type Options struct {
	MinZoom, MaxZoom int
	// West, South, East, North bound the tiles written (degrees).
	West, South, East, North float64
	// Metadata is the archive's JSON metadata (name, description,
	// vector_layers, ...).
	Metadata map[string]any
	// Progress, when set, is called after each batch of tiles with the
	// number done and the total.
	Progress func(done, total int)
	// Workers render in parallel (default GOMAXPROCS).
	Workers int
}

// Stats counts what Write wrote.
type Stats struct {
	Tiles    int   // addressed tiles (non-empty)
	Contents int   // distinct tile contents (after deduplication)
	Empty    int   // tiles of the range with no content, left out
	Bytes    int64 // size of the archive
}

// MaxZoom is the deepest zoom Write accepts.
const MaxZoom = 22

// TileIDs returns the PMTiles tile ids (Hilbert order, ascending) of
// every tile from minZ to maxZ that meets the bounds.
func TileIDs(minZ, maxZ int, west, south, east, north float64) []uint64 {
	var ids []uint64
	for z := minZ; z <= maxZ; z++ {
		x0, y0 := tileXY(z, west, north)
		x1, y1 := tileXY(z, east, south)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				ids = append(ids, pmtiles.ZxyToID(uint8(z), uint32(x), uint32(y)))
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// tileXY is the tile of zoom z holding (lon, lat), clamped to the world.
func tileXY(z int, lon, lat float64) (int, int) {
	n := math.Exp2(float64(z))
	lat = math.Max(-85.0511287798, math.Min(85.0511287798, lat))
	r := lat * math.Pi / 180
	x := int(math.Floor((lon + 180) / 360 * n))
	y := int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	hi := int(n) - 1
	return max(0, min(hi, x)), max(0, min(hi, y))
}

// Write renders every tile of opts into a PMTiles v3 archive at path
// (written beside it and renamed when complete, so a failed export leaves
// nothing behind). Tiles are gzip-compressed MVT; identical contents are
// stored once, and runs of them addressed by one entry.
func Write(ctx context.Context, path string, render Renderer, opts Options) (Stats, error) {
	var st Stats
	if opts.MinZoom < 0 || opts.MaxZoom > MaxZoom || opts.MinZoom > opts.MaxZoom {
		return st, fmt.Errorf("zoom range %d-%d: want 0 ≤ minzoom ≤ maxzoom ≤ %d", opts.MinZoom, opts.MaxZoom, MaxZoom)
	}
	if !(opts.West < opts.East && opts.South < opts.North) {
		return st, fmt.Errorf("bounds %g,%g,%g,%g: want west,south,east,north with west < east and south < north",
			opts.West, opts.South, opts.East, opts.North)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ids := TileIDs(opts.MinZoom, opts.MaxZoom, opts.West, opts.South, opts.East, opts.North)

	// Tile data goes to a temporary file first: the directories, which
	// come before it in the archive, are known only at the end.
	data, err := os.CreateTemp("", "gridd-pmtiles-*")
	if err != nil {
		return st, fmt.Errorf("pmtiles: %w", err)
	}
	defer os.Remove(data.Name())
	defer data.Close()

	var entries []pmtiles.EntryV3
	offsets := map[[32]byte]pmtiles.EntryV3{} // content hash → where it is stored
	var offset uint64
	const batch = 256
	out := make([][]byte, batch)
	for start := 0; start < len(ids); start += batch {
		chunk := ids[start:min(start+batch, len(ids))]
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(workers)
		for i, id := range chunk {
			g.Go(func() error {
				z, x, y := pmtiles.IDToZxy(id)
				b, err := render(gctx, int(z), int(x), int(y))
				if err != nil {
					return fmt.Errorf("tile %d/%d/%d: %w", z, x, y, err)
				}
				if len(b) > 0 {
					if b, err = gzipped(b); err != nil {
						return err
					}
				}
				out[i] = b
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return st, err
		}
		for i, id := range chunk {
			b := out[i]
			if len(b) == 0 {
				st.Empty++
				continue
			}
			st.Tiles++
			sum := sha256.Sum256(b)
			if e, ok := offsets[sum]; ok {
				// The same content as the previous entry, at the next id:
				// one entry for the run.
				if last := &entries[len(entries)-1]; last.Offset == e.Offset && last.TileID+uint64(last.RunLength) == id {
					last.RunLength++
				} else {
					entries = append(entries, pmtiles.EntryV3{TileID: id, Offset: e.Offset, Length: e.Length, RunLength: 1})
				}
				continue
			}
			if _, err := data.Write(b); err != nil {
				return st, fmt.Errorf("pmtiles: write tile data: %w", err)
			}
			e := pmtiles.EntryV3{TileID: id, Offset: offset, Length: uint32(len(b)), RunLength: 1}
			offsets[sum] = e
			entries = append(entries, e)
			offset += uint64(len(b))
		}
		if opts.Progress != nil {
			opts.Progress(start+len(chunk), len(ids))
		}
	}
	st.Contents = len(offsets)

	root, leaves, _ := pmtiles.BuildDirectories(entries, 16384-pmtiles.HeaderV3LenBytes, pmtiles.Gzip)
	meta := opts.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	metaBytes, err := pmtiles.SerializeMetadata(meta, pmtiles.Gzip)
	if err != nil {
		return st, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	h := pmtiles.HeaderV3{
		SpecVersion:         3,
		RootOffset:          pmtiles.HeaderV3LenBytes,
		RootLength:          uint64(len(root)),
		AddressedTilesCount: uint64(st.Tiles),
		TileEntriesCount:    uint64(len(entries)),
		TileContentsCount:   uint64(st.Contents),
		Clustered:           true,
		InternalCompression: pmtiles.Gzip,
		TileCompression:     pmtiles.Gzip,
		TileType:            pmtiles.Mvt,
		MinZoom:             uint8(opts.MinZoom),
		MaxZoom:             uint8(opts.MaxZoom),
		MinLonE7:            int32(opts.West * 1e7),
		MinLatE7:            int32(opts.South * 1e7),
		MaxLonE7:            int32(opts.East * 1e7),
		MaxLatE7:            int32(opts.North * 1e7),
		CenterLonE7:         int32((opts.West + opts.East) / 2 * 1e7),
		CenterLatE7:         int32((opts.South + opts.North) / 2 * 1e7),
		CenterZoom:          uint8(opts.MinZoom + (opts.MaxZoom-opts.MinZoom)/2),
	}
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(metaBytes))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = offset

	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return st, fmt.Errorf("pmtiles: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gridd-export-*")
	if err != nil {
		return st, fmt.Errorf("pmtiles: %w", err)
	}
	defer os.Remove(f.Name())              // a no-op once renamed
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it private; an archive is for sharing
		f.Close()
		return st, fmt.Errorf("pmtiles: %w", err)
	}
	n, err := writeAll(f, [][]byte{pmtiles.SerializeHeader(h), root, metaBytes, leaves}, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("pmtiles: write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return st, fmt.Errorf("pmtiles: %w", err)
	}
	st.Bytes = n
	return st, nil
}

func writeAll(w io.Writer, parts [][]byte, rest io.Reader) (int64, error) {
	var n int64
	for _, p := range parts {
		m, err := w.Write(p)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	m, err := io.Copy(w, rest)
	return n + m, err
}

// gzipWriters are reused: a gzip writer allocates about a megabyte.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
