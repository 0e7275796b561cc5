package pii_test

import (
	"testing"

	"gridmap/pii"
)

func TestRandomKey(t *testing.T) {
	t.Parallel()
	a, b := pii.RandomKey(), pii.RandomKey()
	if a.ID() == b.ID() {
		t.Errorf("two random keys share the id %s", a.ID())
	}
	sealed := a.Seal(pii.FieldName, "张三")
	if got, err := a.Open(pii.FieldName, sealed); err != nil || got != "张三" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(pii.FieldName, sealed); err == nil {
		t.Error("another random key opened the value")
	}
}
