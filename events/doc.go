// Package events carries the grid matters of Art. 31-35 from report to
// close: the counties' catalogs of matters (Art. 11, 12, 19), reports tied
// to the grid the lookup gives, the flow by role (accept, dispatch,
// respond, verify, close; return, reject) with its history and audit,
// deadlines in working hours (package events/workhours), the town centre's
// live stream of urgent events and status changes (Art. 35, PostgreSQL
// NOTIFY on gridmap_events across gridd processes), and an Open311
// GeoReport v2 facade. It owns the tables of migration 007.
//
// The statuses and who moves an event between them:
//
//	reported  --accept (operator)-->          accepted
//	accepted  --dispatch (operator)-->        dispatched   (names a department)
//	returned  --dispatch (operator)-->        dispatched
//	dispatched --respond (the department)-->  responded
//	dispatched --return (the department)-->   returned     (not ours)
//	responded --verify (the grid's worker)--> verified
//	responded --return (worker or operator)-> returned     (the answer does not hold)
//	verified  --close (operator)-->           closed
//	responded --close (operator)-->           closed       (a matter no worker verifies, Art. 19)
//	reported, accepted, returned --reject (operator)--> rejected
//
// An operator acts on the events of its town (an admin on all); a
// department on the events of its county dispatched to it; a worker on
// the events of its grid.
package events
