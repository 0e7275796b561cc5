package store

// TileAtSQL exposes the historical tile query to the benchmarks of
// package store_test, which compare it with variants.
const TileAtSQL = tileAtSQL
