// Package eventhex draws where events concentrate: the vector-tile layer
// events_hex, one H3 hexagon per cell holding events, with their counts
// and nothing else (no description, no reporter, no type: counts only,
// so the tiles are public).
//
// The H3 resolution follows the zoom (Resolution): about ten to thirty
// hexagons across a tile, from resolution 4 (≈45 km across) at zoom 0-7
// to resolution 10 (≈130 m across) from zoom 13.
//
// Caching. Events change far more often than grids, so the hexagons are a
// tileset of their own, versioned by the events version (the highest
// change_seq, package eventstats), not the dataset version of the grid
// tiles: GET /tiles/events.json names the tile URL with ?v=<events
// version>, and a tile asked for with the version it was drawn at is
// immutable (cached for good, like the grid tiles: a new version is a new
// URL). Everything else (the TileJSON, a tile asked for with another
// version or none) may be cached only MaxAge (10 s). A new events version
// is drawn at most every MinInterval (5 s), so a burst of reports does not
// redraw the layer for each one. A map that refreshes the TileJSON every
// half minute (the map page does) thus shows counts under a minute old,
// while the grid tiles keep their own long-lived version.
package eventhex
