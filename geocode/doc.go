// Package geocode turns an address as people type it into a standard
// address (标准地址) and, through it, exactly one grid — or says honestly
// that it cannot: a ticket sent to the wrong grid worker is worse than
// one marked "not found".
//
// A query is normalised (Normalizer: half-width, simplified, Arabic
// numbers before their markers, one marker per part, 3-2-501 written
// out), parsed into the parts of records.Address against a gazetteer of
// the real county, town and village names (Parse), and matched (Geocode)
// against an in-memory Index of the live standard addresses: (road, door
// number), (compound, building) and (village, door number) maps, with a
// per-rune posting list over the road, compound and village names for
// misspelt names (one typo in up to five characters, two beyond).
// Candidates must agree on every number the text gives — a door number,
// building, entrance or room is never "close enough" — and lie in every
// area it names. The answer is Matched (one address and its grid),
// AreaOnly (the deepest area told, no grid), Ambiguous (candidates, no
// grid) or Unmatched.
//
// Why a purpose-built index and not a search library: the question is
// not "which text is most like this one" but "which address has exactly
// these numbers on a road or compound spelt about so", and a ranked
// full-text search answers the first. Measured on the same generated
// addresses (see the README's geocoding note): pg_trgm's nearest text
// (gridd bench geocode) gives wrong grids with confidence on made-up and
// renumbered addresses and is slower by orders of magnitude; bleve (v2,
// CJK bigram analyzer, in-memory) returned top hits in ≈0.3 ms each but
// still ranks 12号 next to 21号 and needs the same number check after it,
// at many times the memory of these maps. The maps answer exact parts in
// one lookup each and only misspelt names pay for the posting lists.
//
// The Holder follows the live state (package live): after each swap to a
// newer dataset version it re-reads the addresses off the request path
// (or only re-tags its index when a fingerprint says they did not
// change), so an address committed with a version bump is geocoded within
// a second, and one answer or batch uses one Index, one version.
//
// It must never guess a grid: no grid without one standard address that
// agrees with every number written, and it never writes to the database.
package geocode
