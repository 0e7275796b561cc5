package store

// RecordTypes returns the tables of the records tied to grids, each with
// a point (geom) and the grid it lies in (grid_code); each name is also
// the record_type of their rows in the assignment table. Houses and
// residents are not among them: they are at a standard address and in
// its grid.
func RecordTypes() []string { return []string{"household", "unit", "standard_address"} }
