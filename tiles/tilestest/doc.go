// Package tilestest is test support for package tiles and the tests,
// benchmarks and tools around it: a strict MVT 2.1 decoder (Decode), a
// deterministic synthetic city shaped like Yancheng's numbers
// (SyntheticCity) and lists of tiles drawn like map traffic
// (WeightedTiles).
//
// It imports no gridmap package but geo, so the tests of package tiles
// itself can use it, and its decoder reads the specification on its own
// rather than sharing the encoder's constants. Serving code must never
// import it.
package tilestest
