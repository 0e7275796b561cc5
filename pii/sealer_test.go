package pii_test

import (
	"bytes"
	"testing"

	"gridmap/pii"
)

// TestSealer checks that a Sealer gives what Key.Seal and Key.Hash give:
// its sealed values open with Key.Open, its hashes equal Key.Hash's, and
// both are appended after what the buffer already holds, value after
// value with one Sealer.
func TestSealer(t *testing.T) {
	key, err := pii.NewKey(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := key.Sealer()
	cases := []struct {
		f     pii.Field
		clear string
	}{
		{pii.FieldName, "王小明"},
		{pii.FieldIDNumber, "32090219800101123X"},
		{pii.FieldPhone, "13912345678"},
		{pii.FieldName, ""},
		{pii.FieldPhone, "13912345678"},
	}
	for _, c := range cases {
		prefix := []byte("prefix")
		buf := s.AppendSeal(append([]byte(nil), prefix...), c.f, c.clear)
		if !bytes.HasPrefix(buf, prefix) {
			t.Fatalf("%s %q: AppendSeal changed what the buffer held", c.f, c.clear)
		}
		sealed := buf[len(prefix):]
		if len(sealed) != len(c.clear)+pii.SealedOverhead {
			t.Errorf("%s %q: sealed to %d bytes, want %d", c.f, c.clear, len(sealed), len(c.clear)+pii.SealedOverhead)
		}
		got, err := key.Open(c.f, sealed)
		if err != nil || got != c.clear {
			t.Errorf("%s %q: Open(AppendSeal) = %q, %v", c.f, c.clear, got, err)
		}
		if _, err := key.Open(pii.FieldPhone+"x", sealed); err == nil {
			t.Errorf("%s %q: opened as another field", c.f, c.clear)
		}
		h := s.AppendHash(append([]byte(nil), prefix...), c.f, c.clear)
		if want := key.Hash(c.f, c.clear); !bytes.Equal(h[len(prefix):], want) || !bytes.HasPrefix(h, prefix) {
			t.Errorf("%s %q: AppendHash = %x, want %x after the prefix", c.f, c.clear, h, want)
		}
	}
	if bytes.Equal(s.AppendSeal(nil, pii.FieldName, "王"), s.AppendSeal(nil, pii.FieldName, "王")) {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
}
