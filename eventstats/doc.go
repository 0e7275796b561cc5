// Package eventstats answers per-area event statistics (Art. 41) from an
// in-memory columnar copy of the events: how many, by status and by type,
// how many overdue, and the median and 90th percentile of the hours from
// report to close, for a grid, village, town, county or the whole city.
//
// The copy is an immutable Table swapped atomically (the pattern of
// package live): a Holder loads every event at start, then follows the
// change_seq the events package stamps on every insert and update,
// reading only the rows changed since, on each NOTIFY gridmap_events.
// A new Table shares every chunk of rows that did not change with the
// previous one, so following a busy stream copies little. Readers take
// Current once per answer and never block.
//
// The whole city's statistics over a year of demo events take a few
// milliseconds (BenchmarkStats compares them with PostgreSQL's own GROUP
// BY and percentile_cont; `gridd bench events` prints the ratio), against
// the 100 ms the issue allows.
package eventstats
