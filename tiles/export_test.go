package tiles

// TileAtSQL exposes the historical tile query to the benchmarks of
// package tiles_test, which compare it with variants.
const TileAtSQL = tileAtSQL
