package store_test

import (
	"strings"
	"testing"

	"gridmap/store"
)

func TestWithPoolSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{"postgres://u@h:5432/db", "postgres://u@h:5432/db?pool_max_conns=5", ""},
		{"postgresql://u@h/db?sslmode=disable", "postgresql://u@h/db?pool_max_conns=5&sslmode=disable", ""},
		{"postgres://u@h/db?pool_max_conns=2", "postgres://u@h/db?pool_max_conns=2", ""},
		{"host=h dbname=db", "host=h dbname=db pool_max_conns=5", ""},
		{"host=h pool_max_conns=2", "host=h pool_max_conns=2", ""},
		{"mysql://h/db", "", "cannot read it"},
	}
	for _, tt := range tests {
		got, err := store.WithPoolSize(tt.in, 5)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("WithPoolSize(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("WithPoolSize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
