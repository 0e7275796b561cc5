// Package adjust is the boundary-adjustment engine (issue 6), end to end:
// county planners draft proposals — an Art. 8 reason and an ordered list
// of operations on grids (create, split, merge, reshape a shared edge,
// transfer an area, retire, rename, redraw a set) — which are checked,
// previewed (after-state, findings, who moves where), approved by the
// county and applied in one transaction, then filed with the city (备案).
// An applied proposal can be reverted by a new one, cancelled before its
// effective time, and the history of every grid and the diff between two
// times or versions are read here too.
//
// adjust owns the workflow: the rules (statuses, roles, scopes), the
// proposal and filing tables, and when a proposal's operations are
// previewed, applied, switched, cancelled or reverted. The operations
// themselves — carried out in PostGIS on a work area, checked, and
// written out — are adjust/ops, which knows nothing of proposals. Both sit
// on the shared plumbing of store (the pool, the geometry scan and bind
// helpers, the audit log, the village locks), and the imports point one
// way: api → adjust → adjust/ops → store, geo. adjust must never write
// grids other than through ops (rebuilt from noded linework under the
// village locks it takes), and never build SQL from user input.
//
// # Files
//
// adjust, the workflow:
//
//   - engine.go: Engine, what api calls: one method per step (Create,
//     AddOp, Preview, Validate, Submit, Approve, Apply, Cancel, File,
//     Revert, ...), each checking the actor's role and county first; the
//     most operations a proposal may have.
//   - proposal.go: Proposal, the statuses and who may move a proposal
//     between them, roles, actors and their scope, Error and its kinds
//     (which api maps to HTTP statuses), Draft.
//   - checks.go: Blocking and ChecksError, what the workflow makes of the
//     findings of the checks.
//   - proposaldb.go: the proposal and filing tables (insert, load, list,
//     status steps, filing, acknowledgement), each write audited.
//   - apply.go: ApplyProposal, the transaction of an apply (below).
//   - switch.go: SwitchDue, the effective-time switch of a proposal
//     applied ahead of time, and NextSwitch; cancel.go: CancelPending,
//     before that time.
//   - filing.go: FilingRecord and its HTML page; revert.go: Revert.
//   - history.go: the history and diff answers; historydb.go: the diff
//     between two times, version times, lineage.
//
// adjust/ops, the operations (its package comment says more):
//
//   - op.go: Op and Part, the operation types, and Check, the checks of
//     an operation that need no database (instant feedback while drawing);
//     refs.go: references "@k.n" to grids made by an earlier operation of
//     the same proposal; options.go: Options, the tolerances.
//   - work.go: the work area, temporary tables in the transaction of one
//     run (adj_work holds the grids of the villages touched; BeginWork);
//     run, which carries out the operations in order, and op, which
//     dispatches each to its file: create.go, split.go, merge.go,
//     reshape.go, transfer.go, retire.go, rename.go, redraw.go.
//   - linework.go: faces and rebuild, which every geometric operation
//     uses (see below).
//   - edges.go: edge matching (neighbours across a container's edge take
//     the vertices an operation makes), the neighbour villages an apply
//     locks, and the area vertices it writes.
//   - moves.go: the households and units whose grid changes.
//   - checks.go: the check ids and the checks of the after-state
//     (validity, overlap, inside the village, gaps, slivers, contiguity,
//     sub-grids, household balance, codes, records left without a grid,
//     edges).
//   - error.go: Error, an operation that cannot be carried out, located
//     where a map can show it.
//   - stale.go: whether a proposal drawn on an older version still holds.
//   - preview.go: Preview and what it holds; Evaluate, the run both
//     preview and apply make; DryRun, that run rolled back.
//   - write.go: Work.Write, the writes of an apply; switch.go: the writes
//     of a switch (MovePlanned, AddPlannedVertices).
//
// Test support, imported only by tests: adjust/ops/opstest holds the
// fixture county (a small county, fixture.sql) with the lines and
// rectangles drawn on it; adjusttest holds approved proposals on it and
// splits across village boundaries of the demo city. The tests of adjust,
// ops, api, live and store share them.
//
// # One apply, from handler to database
//
// POST /proposals/{id}/apply reaches Engine.Apply (api/proposals.go),
// which loads the proposal, checks that the actor is an approver or admin
// of its county and that it is approved, and calls ApplyProposal
// (apply.go). That first carries out any switch already due (SwitchDue),
// then, in one transaction on a connection with the work tables
// (ops.BeginWork):
//
//  1. locks the proposal row, then the villages the operations touch
//     (ops.Villages) and their neighbours (ops.NeighbourVillages: edge
//     matching may change those), in code order, so that two conflicting
//     applies never interleave: the second waits and then finds its base
//     stale;
//  2. refuses the proposal as stale when a grid it names changed since its
//     base version (ops.Stale);
//  3. ops.Evaluate: loads the villages' grids into adj_work (newWork),
//     carries out the operations (run → op → create.go, split.go, ...,
//     each rebuilding its container from noded linework), edge matches
//     the neighbours (edgeMatch), computes the record moves (computeMoves)
//     and runs every check on the after-state (checkWork) — the same run a
//     preview makes (ops.DryRun) and rolls back; then locks any village
//     the run touched beyond those (Work.LockMore);
//  4. refuses it when it touches what a proposal applied ahead of time has
//     still to switch (Work.PendingConflicts), or when a check finds an
//     error (ChecksError);
//  5. writes (ops.Work.Write): closes the old grid versions and opens the
//     new ones at the effective time, retires codes, re-assigns the
//     records and their assignment history (or, for a future effective
//     time, plans them for the switch), adds the new vertices to the area
//     boundaries, writes lineage;
//  6. bumps the dataset version (bump_dataset_version, whose NOTIFY makes
//     every gridd reload), marks the proposal applied, writes the filing
//     record (with the operations as carried out, Work.Resolved) and the
//     audit entry, and commits. Nothing is written unless all of it
//     commits.
//
// # Why boundaries are built from noded linework
//
// Grids of a village share their edges, and the lookup, the tiles and the
// checks all rely on those edges being identical vertex for vertex.
// Computing adjacent pieces separately (ST_Intersection of each with the
// drawn shape or with its parent) computes every shared boundary point
// twice and rounds it differently: partitioning the real Yancheng counties
// that way gave 14,619 pairs of grids whose interiors overlap by float
// noise ("Measured lessons" in architecture.md). So every geometric
// operation rebuilds its container instead: the boundaries of its grids
// and of the container, plus the drawn line or polygon snapped onto them,
// are noded once, polygonized into faces, each face is given to a grid,
// and each grid becomes the union of its faces (ops/linework.go). A
// neighbour whose edge a cutting line meets picks up the node there;
// neighbours outside the container take it by edge matching
// (ops/edges.go).
package adjust
