package api_test

import (
	"strings"
	"testing"
	"time"

	"gridmap/api"
	"gridmap/geo"
	"gridmap/store"
)

func TestWriteTokenTable(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 11, 4, 5, 0, time.FixedZone("CST", 8*3600))
	var b strings.Builder
	err := api.WriteTokenTable(&b, []store.Token{
		{ID: 1, Role: "admin", Name: "ops", CreatedAt: created},
		{ID: 12, Role: "planner", Area: geo.MustParseCode("320902"), Name: "tinghu", CreatedAt: created, RevokedAt: created.Add(time.Hour)},
	})
	want := "ID  ROLE     AREA    NAME    CREATED               REVOKED\n" +
		"1   admin    city    ops     2026-01-02T03:04:05Z  -\n" +
		"12  planner  320902  tinghu  2026-01-02T03:04:05Z  2026-01-02T04:04:05Z\n"
	if err != nil || b.String() != want {
		t.Errorf("WriteTokenTable wrote\n%s(%v)\nwant\n%s", b.String(), err, want)
	}
}
