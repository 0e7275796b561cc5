// Package nomain asks for reference data without a TestMain calling
// refdata.Run: refdata's own test checks that this fails.
package nomain

import (
	"testing"

	"gridmap/refdata"
)

func TestNeedsOutlines(t *testing.T) {
	if _, ok := refdata.Path(t, "outlines.geojson"); !ok {
		return
	}
}
