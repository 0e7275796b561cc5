package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeySize is the size of a data key in bytes (AES-256).
const KeySize = 32

// KeyEnv is the environment variable that holds the data key, in base64 or
// hex. When it is set the key file is not used.
const KeyEnv = "GRIDMAP_DATA_KEY"

// The HKDF info strings. The sealing key, the hashing key and the key's
// identifier are derived from the data key separately, so none of them
// tells anything about another.
const (
	infoSeal  = "gridmap pii aes-256-gcm v1"
	infoHash  = "gridmap pii hmac-sha256 v1"
	infoKeyID = "gridmap pii key id v1"
)

// Key is a data key ready to seal, open and hash. It is safe for concurrent
// use. It prints (with any fmt verb, and in slog) as "pii.Key(" + its ID +
// ")", never its bytes.
type Key struct {
	id   [4]byte
	aead cipher.AEAD
	mac  []byte
}

// NewKey makes a Key from 32 bytes of key material. It keeps no reference
// to raw.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("data key: %d bytes, want %d", len(raw), KeySize)
	}
	sealKey, err := hkdf.Key(sha256.New, raw, nil, infoSeal, KeySize)
	if err != nil {
		return nil, fmt.Errorf("data key: derive sealing key: %w", err)
	}
	macKey, err := hkdf.Key(sha256.New, raw, nil, infoHash, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("data key: derive hashing key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, raw, nil, infoKeyID, 4)
	if err != nil {
		return nil, fmt.Errorf("data key: derive key id: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	k := &Key{aead: aead, mac: macKey}
	copy(k.id[:], id)
	return k, nil
}

// ParseKey reads a data key written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not) of 32 bytes; surrounding space
// is ignored. Its errors never repeat the text.
func ParseKey(text string) (*Key, error) {
	raw, err := decodeKey(text)
	if err != nil {
		return nil, err
	}
	return NewKey(raw)
}

func decodeKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, errors.New("data key is empty")
	}
	if len(s) == 2*KeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return raw, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			if len(raw) != KeySize {
				return nil, fmt.Errorf("data key: base64 of %d bytes, want %d (make one with: head -c 32 /dev/urandom | base64)", len(raw), KeySize)
			}
			return raw, nil
		}
	}
	return nil, fmt.Errorf("data key: %d characters that are neither 64 hex digits nor base64 of 32 bytes (make one with: head -c 32 /dev/urandom | base64)", len(s))
}

// ID is the key's short identifier: 8 hex digits derived from the key (it
// tells nothing about the key). Every sealed value carries it, so a value
// sealed under another key is told apart from a tampered one.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// String returns "pii.Key(" + ID + ")".
func (k *Key) String() string { return "pii.Key(" + k.ID() + ")" }

// Format prints the key as String does, whatever the verb, so that no fmt
// call can print the key material.
func (k *Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue logs the key as String does.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }
