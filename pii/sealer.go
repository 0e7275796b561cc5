package pii

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
)

// A Sealer seals and hashes values under one key like Key.Seal and
// Key.Hash, for bulk writers: it keeps its HMAC state between values
// (Key.Hash derives it again for every value, which is a quarter of the
// CPU of sealing millions of residents) and appends to the caller's
// buffer instead of allocating. Its output is exactly Seal's and Hash's
// (Open opens what it seals). A Sealer is for one goroutine at a time:
// give each worker its own.
type Sealer struct {
	k       *Key
	mac     hash.Hash
	scratch []byte
}

// Sealer makes a Sealer for k.
func (k *Key) Sealer() *Sealer {
	return &Sealer{k: k, mac: hmac.New(sha256.New, k.mac)}
}

// AppendSeal appends clear sealed as field f (Key.Seal's format, with a
// fresh random nonce) to dst.
func (s *Sealer) AppendSeal(dst []byte, f Field, clear string) []byte {
	start := len(dst)
	dst = append(dst, formatV1)
	dst = append(dst, s.k.id[:]...)
	dst = append(dst, make([]byte, nonceSize)...)
	rand.Read(dst[start+5 : start+headerSize])
	// The associated data (header and field) and the clear value go
	// through the scratch buffer: neither allocates.
	s.scratch = append(append(s.scratch[:0], dst[start:start+5]...), f...)
	ad := len(s.scratch)
	s.scratch = append(s.scratch, clear...)
	return s.k.aead.Seal(dst, dst[start+5:start+headerSize], s.scratch[ad:], s.scratch[:ad])
}

// AppendHash appends the keyed hash of clear as field f (Key.Hash's) to
// dst.
func (s *Sealer) AppendHash(dst []byte, f Field, clear string) []byte {
	s.mac.Reset()
	s.scratch = append(append(append(s.scratch[:0], f...), 0), clear...)
	s.mac.Write(s.scratch)
	return s.mac.Sum(dst)
}
