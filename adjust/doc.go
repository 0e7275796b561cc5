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
// adjust owns the rules of the workflow (statuses, roles, scopes, the
// checks that need no database) and its PostGIS side (the work area, the
// operations, the checks of the after-state, apply, the effective-time
// switch), on the shared plumbing of store: the pool, the geometry scan
// and bind helpers, the audit log, the village locks. It must never write
// grids any other way than by rebuilding them from noded linework under
// the village locks, and never build SQL from user input.
//
// # Files
//
// The workflow, without SQL:
//
//   - engine.go: Engine, what api calls: one method per step (Create,
//     AddOp, Preview, Validate, Submit, Approve, Apply, Cancel, File,
//     Revert, ...), each checking the actor's role and county first;
//     Options, the tolerances.
//   - proposal.go: Proposal, the statuses and who may move a proposal
//     between them, roles, actors and their scope, Error and its kinds
//     (which api maps to HTTP statuses), Draft.
//   - ops.go: Op and Part, the operation types, and CheckOp, the checks of
//     an operation that need no database (instant feedback while drawing).
//   - refs.go: references "@k.n" to grids made by an earlier operation of
//     the same proposal.
//   - checks.go: the check ids, Blocking and ChecksError.
//   - filing.go: FilingRecord and its HTML page; revert.go: Revert;
//     history.go: the history and diff answers.
//
// The PostGIS side, one concept a file:
//
//   - proposaldb.go: the proposal and filing tables (insert, load, list,
//     status steps, filing, acknowledgement), each write audited.
//   - work.go: the work area, temporary tables in the transaction of one
//     run (adj_work holds the grids of the villages touched); run, which
//     carries out the operations in order, and op, which dispatches each
//     to its file: op_create.go, op_split.go, op_merge.go, op_reshape.go,
//     op_transfer.go, op_retire.go, op_rename.go, op_redraw.go.
//   - linework.go: faces and rebuild, which every geometric operation uses
//     (see below).
//   - edges.go: edge matching (neighbours across a container's edge take
//     the vertices an operation makes) and the village locks apply takes.
//   - moves.go: the households and units whose grid changes.
//   - checkwork.go: the checks of the after-state (validity, overlap,
//     inside the village, gaps, slivers, contiguity, sub-grids, household
//     balance, codes, records left without a grid, edges).
//   - operror.go: OpError, an operation that cannot be carried out, located
//     where a map can show it.
//   - stale.go: whether a proposal drawn on an older version still holds.
//   - preview.go: PreviewOps (the run rolled back) and the Preview it
//     answers; evaluate, the run both preview and apply make.
//   - apply.go: ApplyProposal and the writes of an apply.
//   - switch.go: SwitchDue, the effective-time switch of a proposal applied
//     ahead of time; cancel.go: CancelPending, before that time.
//   - historydb.go: the diff between two times, version times, lineage.
//
// adjusttest holds the test fixture (a small county) and helpers that the
// tests of adjust, api, live and store share.
//
// # One apply, from handler to database
//
// POST /proposals/{id}/apply reaches Engine.Apply (api/proposals.go),
// which loads the proposal, checks that the actor is an approver or admin
// of its county and that it is approved, and calls ApplyProposal. That
// first carries out any switch already due (SwitchDue), then, in one
// transaction on a connection with the work tables (beginWork):
//
//  1. locks the proposal row, then the villages the operations touch and
//     their neighbours (edge matching may change those), in code order,
//     so that two conflicting applies never interleave: the second waits
//     and then finds its base stale;
//  2. refuses the proposal as stale when a grid it names changed since its
//     base version (staleCheck);
//  3. evaluate: loads the villages' grids into adj_work (newWork), carries
//     out the operations (run → op → op_*.go, each rebuilding its
//     container from noded linework), edge matches the neighbours
//     (edgeMatch), computes the record moves (computeMoves) and runs every
//     check on the after-state (checkWork) — the same run a preview makes
//     and rolls back;
//  4. refuses it when it touches what a proposal applied ahead of time has
//     still to switch (pendingConflicts), or when a check finds an error
//     (ChecksError);
//  5. writes (work.write): closes the old grid versions and opens the new
//     ones at the effective time, retires codes, re-assigns the records
//     and their assignment history (or, for a future effective time, plans
//     them for the switch), adds the new vertices to the area boundaries,
//     writes lineage;
//  6. bumps the dataset version (bump_dataset_version, whose NOTIFY makes
//     every gridd reload), marks the proposal applied, writes the filing
//     record and the audit entry, and commits. Nothing is written unless
//     all of it commits.
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
// and each grid becomes the union of its faces (linework.go). A neighbour
// whose edge a cutting line meets picks up the node there; neighbours
// outside the container take it by edge matching (edges.go).
package adjust
