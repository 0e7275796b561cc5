// Package workers keeps who answers for each grid under the Yancheng
// rules: grid workers and their files (Art. 23: appointments, trainings,
// yearly reviews), appointments to grids as leader, full-time or
// part-time worker with their history and the rules that refuse them
// (Art. 14-17, 43), the town centres' seat operators (Art. 6), the public
// board of every grid (Art. 22) and patrol check-ins geofenced to the
// worker's grid (Art. 19), with the GCJ-02 ("Mars") conversion phones need.
//
// Files: rules.go the pure appointment rules, gcj02.go the coordinate
// conversion, service.go the service and its callers, worker.go files,
// trainings and reviews, appointment.go appointments, seat.go seat
// operators, board.go the public board, patrol.go check-ins and visit
// coverage (each operation checks the caller, writes and audits in one
// transaction), sql.go their queries, http.go the handlers api/routes.go
// mounts. The staffing findings are rules of package check.
//
// It must never show a worker's ID number, or a phone other than on the
// board of a grid where the worker is the current leader or a full-time
// worker (Art. 22): both are sealed with package pii at rest and masked in
// every other read. Nor may the board show anything about residents.
package workers
