// Package suggest suggests a division of a village's comprehensive grids
// into grids of about the target number of households (Art. 7: about 300
// in a town; issue 20), as a draft proposal of the adjustment engine (a
// redraw of the village's comprehensive grids, with the Art. 8 reason 2
// and a text saying it was suggested) that the planner previews, edits,
// submits and has approved and applied like one drawn by hand.
//
// # What is divided
//
// The atoms of a division are what must stay whole: the addresses of one
// building (same road, door number, compound and building), and of one
// compound where it holds no more households than a grid may and lies
// within compoundRadius; an address on its own otherwise, and a piece of a
// grid without any address (a river, a park). Addresses of one building
// whose points lie wider apart than buildingRadius are placed by their
// points: the map cannot keep together what the records put all over a
// road (the demo's buildings are such: their addresses are random points
// of their grid).
//
// The geometry comes first (sql.go): inside every current comprehensive
// grid, the Voronoi edges of its sites (records at one point) are noded
// with the boundaries of all the village's comprehensive grids and
// polygonized into faces, each in one grid and one site's cell. Exclusive
// grids and their sub-grids are never touched: their area is not a face.
// The atom graph joins two atoms whose faces share an edge, weighted by
// the edge's length. A suggested grid is the union of the faces of its
// atoms, so every edge is an edge of a current grid or of a Voronoi cell
// between two addresses, and a current grid whose atoms stay together
// keeps its boundary vertex for vertex.
//
// # How: local search from the current grids (divide.go)
//
// Of the districting methods — region growing from seeds, recursive
// bisection, ReCom's spanning-tree splits, and local search (flips of
// boundary units, as in Ricca and Simeone's and GerryChain's flip
// chains) — local search from the current grids fits best, and is what
// Divide does:
//
//  1. Start from the current grids (the "reuse edges that fit" rule:
//     a grid that already fits stays as it is).
//  2. Reach the count of grids the households ask for (Grids: the count
//     whose mean is nearest the target): merge the smallest grid into its
//     smallest neighbour (the larger keeps its code), or bisect the
//     largest by growing a region from its farthest atom, nearest atoms
//     first, to half its households (recursive bisection, one cut at a
//     time; the new grid takes a new code).
//  3. Balance: move one atom at a time across a border from the grid of
//     more households to the neighbour of fewer, while that lowers the
//     sum of squared deviations, most unequal pair first, and of its moves
//     the one that lengthens the borders least (which keeps grids
//     compact), never one that cuts the giving grid in two. Imbalance
//     flows through chains of neighbours. Grids within 4% of the mean are
//     left alone, so few households move.
//  4. Compact: an atom on a border moves to the neighbour it shares more
//     border with than with its own grid (bumps smoothed away) while both
//     grids stay within CompactBand of the tolerance (or no further than
//     they were), every move shortening the borders.
//  5. Polish (polish.go): an atom on a border moves to a neighbour when
//     that raises the two grids' summed Polsby-Popper score, within the
//     same band.
//
// ReCom redraws pairs of districts from scratch (a random spanning tree
// of their union, cut where it balances); it samples the space of plans
// well but moves most households, and a planner wants the current grids
// kept where they fit. Region growing and bisection from scratch share
// that flaw; bisection is kept for the one case that needs new grids.
// Moves keep atoms whole, so a village whose atoms cannot be balanced (one
// building of 900 households) gets the most balanced division they allow,
// with findings saying why; an atom too large for any grid counts as a
// grid of its own when the number of grids is chosen.
//
// Divide also draws the village fresh (ModeFresh, power.go): k-means of
// the atoms, weighted by households, from farthest-point seeds, then a
// power diagram of the cluster centres whose weights are tuned until the
// clusters balance (capacity-constrained Voronoi cells: every cell is
// convex, and the clusters come out within a few households of the
// mean), the centres following their cells' area centroids; each cluster
// made connected, balanced, compacted and polished as above; codes go to
// the clusters sharing most households with a current grid. It draws
// freshTries times from other first seeds and keeps the most compact
// drawing within the tolerance. ModeAuto keeps the fresh grids unless
// they are clearly less compact than the rebalanced ones (FreshSlack),
// beyond the tolerance (and worse than the rebalanced ones), or move
// more than FreshMoves of the households; a village whose current grids
// already fit keeps them.
//
// # Straight cuts (straight.go, tune.go)
//
// A fresh drawing's grids are then cut straight along a power diagram
// instead of along the atoms' faces: every fresh try offers its balanced
// diagram and a loosely balanced one (looseDiagram: weights move only
// for cells beyond looseBand of the mean, so the cells stay near a
// centroidal Voronoi diagram). A diagram qualifies when its cells,
// counting households by site, are all within the tolerance and move no
// more than FreshMoves; the sites of a building a line cuts are bumped
// to the cell of most of its households (their faces go with them).
// The qualifying diagrams are measured in Go — each cell clipped to the
// village's outline, area and perimeter by Green's theorem over its
// boundary (the same figures PostGIS gives, tested) — and the best is
// tuned by a local search (one centre or weight moved at a time, kept
// when the mean Polsby-Popper rises and every cell stays within the
// tolerance less tuneMargin, by site; fixed seed). PostGIS then cuts the
// village's grids along the tuned diagram's lines (sqlStraight: the
// grids' edges noded with the lines, faces labelled by power cell or
// bump; each line ends at the nearer vertex of the village's edge
// segment it crosses, as the engine asks), crumbs go to neighbours,
// households are counted by point, and
// the cut is kept when every grid is within the tolerance and every
// building whole; else the next diagram by score is cut (straightTries
// at most). A fresh drawing with such a cut is never unioned from its
// faces; rebalanced grids are, and a straight cut replaces them only
// when it is more compact on the map. Every border between two grids of
// a straight cut is one straight line, except round a bumped building.
//
// On the 104 urban villages of one demo county (320902 at full scale)
// straight cuts whose lines crossed the village's edge wherever they met
// it gave every grid within ±15% and a mean Polsby-Popper of 0.754
// (k-means/Voronoi cells of the benchmark: 0.748, half the grids outside
// ±15%), but such a node can lie a rounding error outside the village,
// which the engine rejects. Ending each line at a vertex of the edge
// moves it, on the demo's villages, whose edges have few vertices, far
// enough that many cuts leave the tolerance and the fresh grids are
// unioned from their faces instead: mean Polsby-Popper 0.720 (0.717
// without straight cuts), every grid within ±15%, 26% of households
// moved. The rebalanced grids keep the current edges where they fit and
// move about 7%.
//
// # Borders
//
// Without a straight cut (rebalanced grids; a fresh drawing no diagram
// of which qualifies) a new border runs along the Voronoi edges between
// the addresses on its two sides, a zigzag. smooth.go straightens each
// chain of it (between junctions), from each vertex the longest shortcut
// past which no address changes side (and none lies within clearance of
// it), so the grids' households are exactly the division's; borders
// along current grids' edges never move, except in a fresh drawing,
// which keeps no current grid: there they are straightened like the
// others, and the current edges inside a fresh grid end no chain. The
// grids are rebuilt in PostGIS from the faces' own edges and the
// straightened chains (vertex for vertex where they meet), any crumb a
// crossing cuts off goes to the neighbour it shares most border with, and
// households are counted again by point: what the answer reports is what
// the map holds, and what the preview of the proposal finds.
//
// Rural villages whose villager groups are known (every household's
// address names its group) get one grid per group (Art. 7) instead: each
// group's atoms form its grid, which keeps the code of the current grid
// that held most of the group.
//
// # Files
//
//   - divide.go: Divide, the algorithm, on Input (atoms, links) — pure.
//   - plan.go: Suggest, which reads a village and builds its Input, its
//     faces and their repair, and answers a Plan; the default targets.
//   - power.go: the fresh drawing's balanced power diagram, and the
//     loosely balanced one.
//   - straight.go: straight cuts along a power diagram's lines.
//   - tune.go: a cut measured on the village's outline in Go, and tuned.
//   - polish.go: border moves that raise the grids' Polsby-Popper score.
//   - smooth.go: the linework of a division, its new borders straightened.
//   - sql.go: the SQL: the village, its records, the faces, the unions.
//   - service.go, http.go: the draft proposal and POST
//     /villages/{code}/suggest-division.
package suggest
