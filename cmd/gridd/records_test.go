package main

import (
	"testing"

	"gridmap/pii"
)

// testDataKey is the fixed data key of the tests.
func testDataKey(t testing.TB) *pii.Key {
	t.Helper()
	k, err := pii.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
