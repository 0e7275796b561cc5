// Package migrations holds the SQL schema of gridmap as numbered tern
// migrations, embedded in the binary so that `gridd migrate` and start-up
// apply exactly the schema the code was built with.
//
// The files are plain SQL. They must never be edited once released: add a
// new numbered file instead.
package migrations

import "embed"

// FS holds the migration files (NNN_name.sql), in the layout tern expects.
//
//go:embed *.sql
var FS embed.FS
