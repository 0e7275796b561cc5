// Package tiles serves the current grids and areas as Mapbox Vector Tiles
// (MVT 2.1) and TileJSON 3.0.0, encoded from the in-memory snapshot with
// no database round trip; tiles of a past time (?at=) come from PostGIS
// through a HistoryRenderer (PostGIS.TileAt). A past tile draws the
// grids and sub-grids valid at that time, with the household and unit
// counts of that time, and the areas (counties, towns, villages) as they
// were then, from their history (edge matching adds vertices to their
// boundaries), with the household counts of that time.
//
// It never puts personal data into a tile: features carry codes, names,
// kinds and aggregate household and unit counts only.
//
// # Layers
//
//	layer    zooms  features                       properties
//	county   0-14   county-level areas             code name level parent households
//	town     7-14   towns and streets              code name level parent households (from z9)
//	village  10-16  villages and communities       code name level parent households (from z11)
//	grid     11-22  grids (15-digit codes)         kind; code name level parent village households units (from z13)
//	subgrid  13-22  sub-grids (17-digit codes)     code name level kind parent village households units
//	label    6-22   one point per area or grid     code name level [kind] households
//
// parent is the code one level up (a grid's village, a sub-grid's grid).
// Below the zoom their labels appear from, polygons are lean
// (LayerInfo.FullZoom, LeanFields): town and village outlines carry their
// ids only (until z9, z11), grids their ids and kinds (until z13: the map
// colours grid fills by kind). Codes, names and counts were most of the
// bytes of those tiles: on the full demo city z11 tiles were at most
// 37.4 KB gzipped (mean 15.9 KB) with every grid property, 23.7 KB
// (mean 10.1 KB) lean; z12 17.5 KB (5.6) and 11.1 KB (3.7). TileJSON
// marks the fields that come only from the full zoom ("String (from
// z13)"), and a client reads a lean feature's code from its id.
// Labels of a level appear from a little after its polygons: county 6-14,
// town 9-14, village 11-16, grid 13-22, sub-grid 15-22. Every feature id
// is geo.Code.ID() of its code.
//
// # Encoding
//
// Prepare turns a snapshot into Web Mercator once per dataset version
// (reusing unchanged features from the previous version): geometry
// rounded to the 4096-unit tile grid and simplified per zoom up to z13
// (topologically: an edge two neighbours share is simplified once and
// drawn alike in both, so fills meet without hairline gaps),
// a label point per feature (centroid, or pole of inaccessibility when
// the centroid is not well inside), and an R-tree per layer. A tile then
// takes the features whose boxes meet it, winds exterior rings positive
// and holes negative in tile coordinates (y down), clips each polygon as
// a whole to the tile and a 64-unit buffer (clip.go: chains inside the
// box stitched along its edge, so a concave shape that crosses an edge
// twice becomes two polygons rather than one ring touching itself along
// the edge), drops rings that collapsed, and writes layer version 2.
// tilestest.Decode reads tiles back strictly, for tests and tools.
//
// The protobuf is written by hand (encode.go) rather than with orb's
// encoding/mvt: on the same prepared tiles orb's path took 2.4x the time
// of the full cold render (render, hash, gzip; 2.35-2.8x across quiet
// runs, p99 4.5-6x), with 83x the allocations (BenchmarkEncoders).
//
// # Speed
//
// `gridd bench tiles` renders one list of tiles drawn like map traffic
// (all zooms, three quarters at z12-16) through the service cold and warm
// and through the per-tile ST_AsMVT query of pg_tileserv and Martin
// (PostGIS.TileCurrent), over loopback HTTP with one hand-written keep-alive
// load generator (4 connections on every pass, PostGIS's pool as large)
// and in process; both sides serve the same polygon features. On the
// full demo city (19,648 grids), on a shared 2-core machine, ratios from
// one run: over HTTP cold 7.3x the PostGIS query's tiles/s, warm 49.9x
// (28,858 tiles/s; 42-60x across runs, loopback syscalls being most of
// a warm request), warm p99 1.9 ms; in process cold 8.3x, warm 121x,
// warm p99 0.05 ms. It also prints the bytes per tile at z0-12 over every
// tile covering the city: at most 1 KB gzipped to z6, 5 KB at z7-9, 10 KB
// at z10, 24 KB at z11 and 11 KB at z12.

// # Serving
//
// Service caches encoded tiles (and their gzip form) in an LRU bounded in
// bytes, keyed by dataset version, so a new version is served at once and
// no stale tile can be found for it; the strong ETag hashes the content,
// so a tile the new version did not change keeps its tag. Tile URLs in
// TileJSON carry ?v=<version>: with the current version a tile is
// "immutable" for a year, otherwise cached for a minute.
package tiles
