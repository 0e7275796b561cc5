package pii_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gridmap/pii"
)

// testKey returns a key made from 32 bytes of b.
func testKey(t testing.TB, b byte) (*pii.Key, []byte) {
	t.Helper()
	raw := bytes.Repeat([]byte{b}, pii.KeySize)
	raw[0] ^= 0x5a
	k, err := pii.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k, raw
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, _ := testKey(t, 1)
	tests := []struct {
		field pii.Field
		clear string
	}{
		{pii.FieldIDNumber, "32090219900101123X"},
		{pii.FieldPhone, "13912345678"},
		{pii.FieldName, "王小明"},
		{pii.FieldName, ""},
		{pii.FieldName, strings.Repeat("欧阳", 500)},
		{pii.FieldPhone, "\x00\xff not UTF-8 \xc3"},
	}
	for _, tt := range tests {
		t.Run(string(tt.field)+"/"+fmt.Sprint(len(tt.clear)), func(t *testing.T) {
			t.Parallel()
			s1 := k.Seal(tt.field, tt.clear)
			s2 := k.Seal(tt.field, tt.clear)
			if bytes.Equal(s1, s2) {
				t.Error("sealing twice gave the same bytes: the nonce is not fresh")
			}
			if len(s1) != len(tt.clear)+pii.SealedOverhead {
				t.Errorf("sealed length %d, want %d", len(s1), len(tt.clear)+pii.SealedOverhead)
			}
			if len(tt.clear) >= 4 && bytes.Contains(s1, []byte(tt.clear)) {
				t.Error("the sealed bytes hold the clear value")
			}
			for _, s := range [][]byte{s1, s2} {
				got, err := k.Open(tt.field, s)
				if err != nil || got != tt.clear {
					t.Errorf("Open = %q, %v; want the clear value", got, err)
				}
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	k, _ := testKey(t, 1)
	other, _ := testKey(t, 2)
	const clear = "320902199001011234"
	sealed := k.Seal(pii.FieldIDNumber, clear)
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		key    *pii.Key
		field  pii.Field
		sealed []byte
		want   error
	}{
		{"wrong key", other, pii.FieldIDNumber, sealed, pii.ErrOtherKey},
		{"sealed as another field", k, pii.FieldPhone, sealed, pii.ErrTampered},
		{"format version changed", k, pii.FieldIDNumber, flip(0), pii.ErrSealedFormat},
		{"key id changed", k, pii.FieldIDNumber, flip(1), pii.ErrOtherKey},
		{"nonce changed", k, pii.FieldIDNumber, flip(7), pii.ErrTampered},
		{"ciphertext changed", k, pii.FieldIDNumber, flip(20), pii.ErrTampered},
		{"tag changed", k, pii.FieldIDNumber, flip(len(sealed) - 1), pii.ErrTampered},
		{"last byte cut", k, pii.FieldIDNumber, sealed[:len(sealed)-1], pii.ErrTampered},
		{"byte added", k, pii.FieldIDNumber, append(bytes.Clone(sealed), 0), pii.ErrTampered},
		{"truncated to the header", k, pii.FieldIDNumber, sealed[:pii.SealedOverhead-1], pii.ErrSealedFormat},
		{"empty", k, pii.FieldIDNumber, nil, pii.ErrSealedFormat},
		{"clear text stored by mistake", k, pii.FieldIDNumber, []byte(clear + "0123456789012345"), pii.ErrSealedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.key.Open(tt.field, tt.sealed)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open: %v, want %v", err, tt.want)
			}
			if got != "" {
				t.Fatalf("Open returned %q beside its error", got)
			}
			if strings.Contains(err.Error(), clear) {
				t.Fatalf("the error holds the clear value: %v", err)
			}
		})
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	k, _ := testKey(t, 1)
	k2, _ := testKey(t, 1) // the same key material
	other, _ := testKey(t, 2)
	h := k.Hash(pii.FieldIDNumber, "320902199001011234")
	if len(h) != pii.HashSize {
		t.Fatalf("hash of %d bytes, want %d", len(h), pii.HashSize)
	}
	tests := []struct {
		name string
		got  []byte
		same bool
	}{
		{"same value, same key", k.Hash(pii.FieldIDNumber, "320902199001011234"), true},
		{"same value, same key material", k2.Hash(pii.FieldIDNumber, "320902199001011234"), true},
		{"another value", k.Hash(pii.FieldIDNumber, "320902199001011235"), false},
		{"same digits as a phone", k.Hash(pii.FieldPhone, "320902199001011234"), false},
		{"another key", other.Hash(pii.FieldIDNumber, "320902199001011234"), false},
		{"field and value not run together", k.Hash(pii.Field("id_numbe"), "r320902199001011234"), false},
	}
	for _, tt := range tests {
		if bytes.Equal(tt.got, h) != tt.same {
			t.Errorf("%s: equal = %v, want %v", tt.name, !tt.same, tt.same)
		}
	}
	if bytes.Equal(h[:16], []byte("3209021990010112")) {
		t.Error("the hash holds the value")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	_, raw := testKey(t, 7)
	want, _ := pii.NewKey(raw)
	tests := []struct {
		name, text string
		wantErr    string // empty: parses to want
	}{
		{"hex", hex.EncodeToString(raw), ""},
		{"hex upper case with newline", strings.ToUpper(hex.EncodeToString(raw)) + "\n", ""},
		{"base64", base64.StdEncoding.EncodeToString(raw), ""},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(raw), ""},
		{"base64 URL alphabet", base64.URLEncoding.EncodeToString(raw), ""},
		{"base64 with spaces around", "  " + base64.StdEncoding.EncodeToString(raw) + " \n", ""},
		{"empty", "  ", "empty"},
		{"16 bytes", base64.StdEncoding.EncodeToString(raw[:16]), "16 bytes, want 32"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 1)), "33 bytes, want 32"},
		{"62 hex digits", hex.EncodeToString(raw[:31]), "base64"},
		{"a passphrase", "correct horse battery staple", "neither 64 hex digits nor base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := pii.ParseKey(tt.text)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if k.ID() != want.ID() {
					t.Fatalf("key %s, want %s", k.ID(), want.ID())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
			}
			if s := strings.TrimSpace(tt.text); len(s) > 3 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error repeats the key text: %v", err)
			}
		})
	}
	if _, err := pii.NewKey(raw[:31]); err == nil {
		t.Error("NewKey took 31 bytes")
	}
}

// TestKeyNeverPrints: whatever a caller does with a Key (any fmt verb, a
// structured log, an error wrapping it), its material does not come out.
func TestKeyNeverPrints(t *testing.T) {
	t.Parallel()
	k, raw := testKey(t, 9)
	want := "pii.Key(" + k.ID() + ")"
	if len(k.ID()) != 8 {
		t.Fatalf("ID %q, want 8 hex digits", k.ID())
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "key", k)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("loaded", "key", k)
	outs := []string{
		fmt.Sprint(k), fmt.Sprintf("%v|%+v|%#v|%s|%x|%X|%q|%d", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v", struct{ K *pii.Key }{k}), fmt.Errorf("with %v", k).Error(),
		logged.String(),
	}
	secrets := []string{hex.EncodeToString(raw), hex.EncodeToString(raw[:8]), base64.StdEncoding.EncodeToString(raw)[:12], string(raw[:8])}
	for _, out := range outs {
		if !strings.Contains(out, want) {
			t.Errorf("%q does not show %s", out, want)
		}
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(out), strings.ToLower(s)) {
				t.Errorf("%q shows key material", out)
			}
		}
	}
}
