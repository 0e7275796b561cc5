// Package geo holds gridmap's domain: administrative levels, grid kinds and
// codes, geometry validity, coverage checks and the point-lookup index.
//
// It is pure: it imports nothing from the rest of gridmap and does no I/O
// (no database, no HTTP, no files), so everything here is testable in
// memory and is where the speed lives.
package geo
