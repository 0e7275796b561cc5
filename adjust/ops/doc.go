// Package ops carries out the operations of a boundary-adjustment
// proposal in PostGIS — create, split, merge, reshape a shared edge,
// transfer an area, retire, rename, redraw a set — and says what they do:
// the after-state of every grid they touch, the records that move, the
// findings of the checks, and whether the state they were drawn on still
// holds. It is the engine room of adjust, which owns the workflow around
// it (proposals, statuses, roles, filing, history) and decides when a run
// is previewed and when it is written.
//
// A run works on a work area: temporary tables in the transaction of one
// connection (BeginWork) into which the villages the operations touch are
// loaded (Evaluate). A preview (DryRun) rolls its transaction back; an
// apply writes the work out (Work.Write) in the caller's transaction,
// under the village locks the caller holds, and the caller commits. ops
// must never commit, never write grids other than by rebuilding their
// container from noded linework (linework.go; adjust's package comment
// says why), and never build SQL from user input.
//
// # Files
//
//   - op.go: Op and Part, the operation types, and Check, the checks of an
//     operation that need no database (instant feedback while drawing).
//   - refs.go: references "@k.n" to grids made by an earlier operation of
//     the same proposal.
//   - options.go: Options, the tolerances.
//   - work.go: the work area (adj_work and the other temporary tables,
//     BeginWork), Villages (which villages a proposal touches), run, which
//     carries out the operations in order, and op, which dispatches each to
//     its file: create.go, split.go, merge.go, reshape.go, transfer.go,
//     retire.go, rename.go, redraw.go.
//   - linework.go: faces and rebuild, which every geometric operation uses.
//   - edges.go: edge matching (neighbours across a container's edge take
//     the vertices an operation makes), the neighbours an apply locks and
//     the area vertices it writes.
//   - moves.go: the standard addresses, households and units whose grid
//     changes (households and units at an address move with it).
//   - checks.go: the check ids and the checks of the after-state (validity,
//     overlap, inside the village, gaps, slivers, contiguity, sub-grids,
//     household balance, codes, records left without a grid, edges).
//   - error.go: Error, an operation that cannot be carried out, located
//     where a map can show it.
//   - stale.go: whether the grids a proposal names changed since its base
//     version (Stale), or are still to be switched by a proposal applied
//     ahead of time (Work.PendingConflicts).
//   - preview.go: Preview, what a run shows (grids before and after,
//     findings, moves, totals, lineage, the codes each operation makes);
//     Evaluate, the run both preview and apply make; DryRun, a preview.
//   - write.go: Work.Write, an apply's writes (grid versions, retired
//     codes, lineage, re-assigned records, or the plan of a switch).
//   - switch.go: what the switch of a proposal applied ahead of time
//     writes at its effective time (MovePlanned, AddPlannedVertices).
//
// opstest holds the fixture county that the tests of ops, of adjust and
// of the packages whose tests need adjusted data share.
package ops
