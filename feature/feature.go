// Package feature reads and writes GeoJSON FeatureCollections as streams:
// one feature in memory at a time, however large the file. It is the file
// format of gridd import and export, and of their HTTP equivalents.
//
// It is pure: no SQL and no knowledge of areas or grids. It checks only
// what belongs to the format (JSON syntax, FeatureCollection structure, the
// declared CRS, geometry types, size); the domain checks are geo's and
// store's.
package feature

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
)

// Feature is one feature of a collection.
type Feature struct {
	// Index is the feature's 0-based position in the collection.
	Index int
	// ID is the GeoJSON "id" member, nil when absent.
	ID any
	// Properties are the feature's properties. Numbers are json.Number, so
	// a code written as a number keeps all its digits.
	Properties map[string]any
	// Geometry is a Polygon or MultiPolygon, nil when the feature has
	// none or when it could not be read (see Problems).
	Geometry orb.Geometry
	// Problems lists what is wrong with this feature as a GeoJSON feature.
	// Reading goes on after a feature with problems so that a report can
	// name every bad feature, not only the first.
	Problems []Problem
}

// Problem is something wrong with one feature as GeoJSON.
type Problem struct {
	// Code is a stable identifier: "not-a-feature", "missing-geometry",
	// "unsupported-geometry", "bad-geometry", "bad-properties".
	Code string `json:"code"`
	// Message says what is wrong and what to do about it.
	Message string `json:"message"`
}

// The codes of Problem and Error.
const (
	CodeNotAFeature         = "not-a-feature"
	CodeMissingGeometry     = "missing-geometry"
	CodeUnsupportedGeometry = "unsupported-geometry"
	CodeBadGeometry         = "bad-geometry"
	CodeBadProperties       = "bad-properties"

	CodeNotJSON              = "not-json"
	CodeNotFeatureCollection = "not-feature-collection"
	CodeWrongSRID            = "wrong-srid"
	CodeTooLarge             = "too-large"
)

// Error is a problem with the file as a whole; reading stops at it.
type Error struct {
	// Code is a stable identifier: "not-json", "not-feature-collection",
	// "wrong-srid" or "too-large".
	Code string
	// Message says what is wrong and what to do about it.
	Message string
	// Offset is the byte offset in the input where it was found.
	Offset int64
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (at byte %d)", e.Message, e.Offset)
}

// StringProperty returns the property as a string: strings as they are,
// JSON numbers by their literal text (so 320902 reads as "320902"), and
// false when the property is absent, null, or of another type.
func (f *Feature) StringProperty(name string) (string, bool) {
	switch v := f.Properties[name].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}
