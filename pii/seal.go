package pii

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// The sealed format, version 1:
//
//	byte 0       format version (1: AES-256-GCM, 12-byte random nonce)
//	bytes 1-4    the key's ID (see Key.ID)
//	bytes 5-16   nonce
//	bytes 17-    ciphertext and 16-byte tag
//
// The associated data is bytes 0-4 and the field name, so neither the
// header nor the field can be changed without Open failing. Random 96-bit
// nonces are safe for about 2^32 values under one key; a city of 7 million
// people with three sealed fields each is well below that.
const (
	formatV1   = 1
	nonceSize  = 12
	headerSize = 1 + 4 + nonceSize
	tagSize    = 16
)

// SealedOverhead is how many bytes Seal adds to a value.
const SealedOverhead = headerSize + tagSize

// HashSize is the size of a keyed hash in bytes.
const HashSize = sha256.Size

// Errors of Open. None of them carries the value.
var (
	ErrSealedFormat = errors.New("sealed value: unknown format or truncated")
	ErrOtherKey     = errors.New("sealed value: sealed under another data key")
	ErrTampered     = errors.New("sealed value: does not authenticate (altered, or sealed as another field)")
)

// Seal encrypts clear as field f. Every call uses a fresh random nonce, so
// sealing a value twice gives different bytes; search uses Hash instead.
func (k *Key) Seal(f Field, clear string) []byte {
	out := make([]byte, headerSize, headerSize+len(clear)+tagSize)
	out[0] = formatV1
	copy(out[1:5], k.id[:])
	rand.Read(out[5:headerSize])
	return k.aead.Seal(out, out[5:headerSize], []byte(clear), associated(out[:5], f))
}

// Open decrypts a value sealed as field f.
func (k *Key) Open(f Field, sealed []byte) (string, error) {
	if len(sealed) < headerSize+tagSize || sealed[0] != formatV1 {
		return "", ErrSealedFormat
	}
	if !hmac.Equal(sealed[1:5], k.id[:]) {
		return "", ErrOtherKey
	}
	clear, err := k.aead.Open(nil, sealed[5:headerSize], sealed[headerSize:], associated(sealed[:5], f))
	if err != nil {
		return "", ErrTampered
	}
	return string(clear), nil
}

func associated(header []byte, f Field) []byte {
	return append(append([]byte(nil), header...), f...)
}

// Hash is the keyed hash of clear as field f (HMAC-SHA256 under a key
// derived from the data key), stored beside the sealed value so that "who
// has this ID number" is an index lookup. Values with few possibilities
// (phones, ID numbers) are only as safe as the key: without it the hash
// cannot be checked against guesses. Callers normalise values (the same
// person's ID number must hash the same) before they seal and hash.
func (k *Key) Hash(f Field, clear string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(f))
	m.Write([]byte{0})
	m.Write([]byte(clear))
	return m.Sum(nil)
}
