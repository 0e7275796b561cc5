package store

// RecordTypes returns the tables of the records tied to grids; each name
// is also the record_type of their rows in the assignment table.
func RecordTypes() []string { return []string{"household", "unit"} }
