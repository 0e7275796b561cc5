package pii

import "crypto/rand"

// RandomKey returns a fresh random key that no file holds: for handlers
// that never open a sealed value (benchmarks of lookups and tiles), never
// for data that is kept.
func RandomKey() *Key {
	raw := make([]byte, KeySize)
	rand.Read(raw) // never fails (crypto/rand)
	k, err := NewKey(raw)
	if err != nil {
		panic(err) // KeySize bytes are always a key
	}
	return k
}
