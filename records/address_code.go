package records

import (
	"fmt"
	"strconv"

	"gridmap/geo"
)

// AddressCode is the code of a standard address: 19 digits, the 12-digit
// code of the village (community) the address was registered in, then a
// 7-digit sequence (0000001-9999999) from that village's counter, e.g.
// 3209020010010000012 for the 12th address registered in village
// 320902001001.
//
// A code is given once and never again: the counter (address_seq) only
// grows, and a standard address is retired, never deleted, so its code
// stays taken. The village part tells where the address was registered,
// not where it is now: a later change of the division or of the grids does
// not change the code, as an ID number keeps the region it was issued in.
// 19 digits are never confused with a 12-digit area, 15- or 17-digit grid,
// or 18-character ID number.
type AddressCode string

// AddressSeqMax is the largest sequence of an address code.
const AddressSeqMax = 9_999_999

// NewAddressCode makes the code of the seq-th address of village.
func NewAddressCode(village geo.Code, seq int) (AddressCode, error) {
	if village.Level() != geo.LevelVillage {
		return "", fmt.Errorf("address code: %s is not a village code", village)
	}
	if seq < 1 || seq > AddressSeqMax {
		return "", fmt.Errorf("address code: sequence %d outside 1-%d", seq, AddressSeqMax)
	}
	return AddressCode(fmt.Sprintf("%s%07d", village, seq)), nil
}

// ParseAddressCode validates an address code.
func ParseAddressCode(s string) (AddressCode, error) {
	if len(s) != 19 || !allDigits(s) {
		return "", fmt.Errorf("address code %q: want 19 digits (12-digit village code and 7-digit sequence)", s)
	}
	v, err := geo.ParseCode(s[:12])
	if err != nil || v.Level() != geo.LevelVillage {
		return "", fmt.Errorf("address code %q: digits 1-12 are not a village code", s)
	}
	if s[12:] == "0000000" {
		return "", fmt.Errorf("address code %q: sequence (digits 13-19) is 0000000; sequences start at 0000001", s)
	}
	return AddressCode(s), nil
}

// Village is the village the address was registered in.
func (c AddressCode) Village() geo.Code { return geo.Code(c[:12]) }

// Seq is the address's sequence in its village.
func (c AddressCode) Seq() int {
	n, _ := strconv.Atoi(string(c[12:]))
	return n
}
