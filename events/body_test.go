package events_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"gridmap/events"
)

// FuzzEventBody: whatever the bytes, ParseReport never panics, and either
// refuses them with a refusal of the service (a 400 or 413 saying what
// to fix) or returns a report whose every field is within its limits.
func FuzzEventBody(f *testing.F) {
	for _, s := range []string{
		`{"type":"safety.gas","description":"煤气味","lon":120.005,"lat":33.005}`,
		`{"type":"safety.gas","description":"x","lon":120,"lat":33,"urgent":true,"reported_at":"2026-03-06T17:00:00+08:00"}`,
		`{"type":"safety.gas","description":"x","lon":120,"lat":33,"photos":["` + png + `"]}`,
		`{"type":"","description":"","lon":null,"lat":1e400}`,
		`{"type":"a","description":"\u0000","lon":-181,"lat":NaN}`,
		`{"photos":["%%%"]}`, `[]`, `null`, `{}{}`, ``, `{"type":1}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := events.ParseReport(bytes.NewReader(body), now)
		if err != nil {
			var e *events.Error
			if !errors.As(err, &e) || (e.Kind != events.KindBadRequest && e.Kind != events.KindTooLarge) || e.Error() == "" {
				t.Fatalf("ParseReport(%q): %v is not a 400 or 413 refusal", body, err)
			}
			return
		}
		if rep.Lon == nil || rep.Lat == nil || *rep.Lon < -180 || *rep.Lon > 180 || *rep.Lat < -90 || *rep.Lat > 90 {
			t.Fatalf("ParseReport(%q) accepted coordinates %v %v", body, rep.Lon, rep.Lat)
		}
		if rep.Type == "" || strings.TrimSpace(rep.Description) == "" || len([]rune(rep.Description)) > events.MaxDescription || len(rep.Photos) > events.MaxPhotos {
			t.Fatalf("ParseReport(%q) accepted %+v", body, rep)
		}
	})
}
