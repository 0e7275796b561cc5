package lookup

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ParseFormat names the batch format: csv, json or geojson, or when name is
// empty the one path's extension says (.json, .geojson; csv otherwise).
func ParseFormat(name, path string) (Format, error) {
	if name == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json":
			name = "json"
		case ".geojson":
			name = "geojson"
		default:
			name = "csv"
		}
	}
	switch name {
	case "csv":
		return FormatCSV, nil
	case "json":
		return FormatJSON, nil
	case "geojson":
		return FormatGeoJSON, nil
	}
	return 0, fmt.Errorf("--format %q: want csv, json or geojson", name)
}
