package api

import (
	"log/slog"
	"net/http/httptest"
	"testing"
)

func TestAccessLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		status       int
		want         slog.Level
	}{
		{"GET", "/lookup", 200, slog.LevelDebug},
		{"GET", "/lookup", 400, slog.LevelInfo},
		{"POST", "/lookup", 200, slog.LevelInfo},
		{"GET", "/tiles/12/1/2.mvt", 204, slog.LevelDebug},
		{"GET", "/tiles/12/1/2.mvt", 304, slog.LevelDebug},
		{"GET", "/tiles/99/1/2.mvt", 404, slog.LevelInfo},
		{"GET", "/tiles.json", 200, slog.LevelInfo},
		{"GET", "/grids/320902001001001", 200, slog.LevelInfo},
		{"POST", "/admin/tokens", 201, slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := accessLevel(httptest.NewRequest(tt.method, tt.path, nil), tt.status); got != tt.want {
			t.Errorf("%s %s %d: level %v, want %v", tt.method, tt.path, tt.status, got, tt.want)
		}
	}
}
