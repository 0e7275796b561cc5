package demo

import (
	"testing"

	"gridmap/pii"
)

// BenchmarkResidents measures drawing, sealing and encoding residents
// (the Go side of the demo's residents stage), per household.
func BenchmarkResidents(b *testing.B) {
	key, err := pii.NewKey([]byte("gridmap demo bench data key 32b!"))
	if err != nil {
		b.Fatal(err)
	}
	gen := newPeople(1, DefaultValidFrom)
	h := demoHousehold{id: 1, address: 1, house: 1, persons: 3, county: "320902"}
	s := key.Sealer()
	var buf []byte
	b.ResetTimer()
	for i := range b.N {
		h.id = int64(i)
		ps, err := gen.household(&h, nil)
		if err != nil {
			b.Fatal(err)
		}
		buf = encodeResidents(s, ps, buf[:0])
	}
}
