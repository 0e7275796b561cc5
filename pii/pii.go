// Package pii protects the personal data gridmap keeps about people —
// residents' and grid workers' citizen ID numbers, phones and names — so
// that it is never in clear at rest and shown only masked unless revealed.
//
// It seals a value with AES-256-GCM under a data key that lives outside the
// database (the GRIDMAP_DATA_KEY environment variable, or a key file made
// once with mode 0600), puts a keyed hash (HMAC-SHA256) beside it so an
// exact value can be searched for without opening every row, and masks
// values for reads (王**, 320902********1234, 139****5678).
//
// It must never log, print or put into an error a clear value or the key:
// it has no logger, its errors name what failed and never the input, and a
// Key prints as its short identifier only. It never touches the database:
// callers store only what Seal and Hash return, and the key stays out of
// it (in the environment or the key file).
package pii

// Field says what a value is. It is bound into both the ciphertext (as
// associated data) and the keyed hash, so a value sealed as a phone does
// not open as an ID number, and the same digits hash differently as a
// phone and as an ID number.
type Field string

// The personal fields gridmap keeps.
const (
	FieldName     Field = "name"
	FieldIDNumber Field = "id_number"
	FieldPhone    Field = "phone"
)
