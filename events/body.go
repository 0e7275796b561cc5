package events

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The limits of a report.
const (
	// MaxDescription is the longest description, in characters.
	MaxDescription = 2000
	// MaxPhotos is how many photos a report may carry.
	MaxPhotos = 3
	// MaxPhotoBytes is the largest photo, decoded.
	MaxPhotoBytes = 1 << 20
	// MaxReportBytes is the body limit of POST /events: three photos in
	// base64 and the rest.
	MaxReportBytes = 4*MaxPhotoBytes + 64<<10
)

// PhotoTypes are the media types a photo may have (sniffed from its
// bytes, not taken from the client).
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// Report is a report as POST /events takes it, checked by ParseReport.
type Report struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Lon         *float64 `json:"lon"`
	Lat         *float64 `json:"lat"`
	Urgent      bool     `json:"urgent"`
	// ReportedAt is when the matter was reported (RFC 3339); absent means
	// now. A worker may enter a report made earlier on paper, up to
	// MaxBackdate before.
	ReportedAt string `json:"reported_at,omitempty"`
	// Photos are base64 images (JPEG, PNG or WebP), at most MaxPhotos of
	// MaxPhotoBytes each.
	Photos []string `json:"photos,omitempty"`

	// Set by ParseReport.
	at     time.Time
	photos []photo
	// reporter's name and phone (Open311), sealed before they are stored
	name, phone string
}

type photo struct {
	contentType string
	bytes       []byte
}

// MaxBackdate is how far before now reported_at may lie.
const MaxBackdate = 30 * 24 * time.Hour

// ParseReport reads and checks a report body (JSON, unknown fields
// refused): every bad field is listed in the returned *Error (a 400 with
// a message per field saying what to fix), a body over its limit is a
// 413. now is the clock reported_at is checked against. It never panics,
// whatever the bytes (FuzzEventBody).
func ParseReport(r io.Reader, now time.Time) (Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return Report{}, refuse(KindTooLarge, "the report is larger than %d bytes: send at most %d photos of %d KiB", tooBig.Limit, MaxPhotos, MaxPhotoBytes>>10)
		case errors.Is(err, io.EOF):
			return Report{}, refuse(KindBadRequest, "the body is empty: send a JSON object {type, description, lon, lat, urgent?, reported_at?, photos?}")
		}
		return Report{}, refuse(KindBadRequest, "the body is not a report: %v", err)
	}
	if dec.More() {
		return Report{}, refuse(KindBadRequest, "the body holds more than one JSON value: send one report")
	}
	return rep, rep.check(now)
}

// check fills in the parsed fields, or lists what is wrong.
func (rep *Report) check(now time.Time) error {
	bad := map[string]string{}
	rep.Type = strings.TrimSpace(rep.Type)
	if rep.Type == "" {
		bad["type"] = "give the code of a matter of the county's list (GET /event-types?county=)"
	} else if !typeCodeRE.MatchString(rep.Type) {
		bad["type"] = fmt.Sprintf("%.60q is not a matter's code: see GET /event-types?county=", rep.Type)
	}
	rep.Description = strings.TrimSpace(rep.Description)
	switch n := utf8.RuneCountInString(rep.Description); {
	case !plainText(rep.Description):
		bad["description"] = "is not text: invalid UTF-8 or a NUL character"
	case n == 0:
		bad["description"] = "say what is the matter"
	case n > MaxDescription:
		bad["description"] = fmt.Sprintf("is %d characters long; at most %d", n, MaxDescription)
	}
	switch {
	case rep.Lon == nil:
		bad["lon"] = "give the longitude (WGS 84 degrees)"
	case math.IsNaN(*rep.Lon) || *rep.Lon < -180 || *rep.Lon > 180:
		bad["lon"] = "want a longitude from -180 to 180"
	}
	switch {
	case rep.Lat == nil:
		bad["lat"] = "give the latitude (WGS 84 degrees)"
	case math.IsNaN(*rep.Lat) || *rep.Lat < -90 || *rep.Lat > 90:
		bad["lat"] = "want a latitude from -90 to 90"
	}
	rep.at = now
	if rep.ReportedAt != "" {
		t, err := time.Parse(time.RFC3339, rep.ReportedAt)
		switch {
		case err != nil:
			bad["reported_at"] = fmt.Sprintf("%.40q is not a time: give RFC 3339 (2026-03-06T17:00:00+08:00)", rep.ReportedAt)
		case t.After(now.Add(2 * time.Minute)):
			bad["reported_at"] = "lies in the future"
		case t.Before(now.Add(-MaxBackdate)):
			bad["reported_at"] = fmt.Sprintf("is more than %d days ago", int(MaxBackdate.Hours()/24))
		default:
			rep.at = t
		}
	}
	if len(rep.Photos) > MaxPhotos {
		bad["photos"] = fmt.Sprintf("%d photos; at most %d", len(rep.Photos), MaxPhotos)
	} else {
		rep.photos = nil
		for i, p := range rep.Photos {
			name := fmt.Sprintf("photos[%d]", i)
			if base64.StdEncoding.DecodedLen(len(p)) > MaxPhotoBytes+3 {
				bad[name] = fmt.Sprintf("is larger than %d KiB", MaxPhotoBytes>>10)
				continue
			}
			b, err := base64.StdEncoding.DecodeString(p)
			switch {
			case err != nil:
				bad[name] = "is not base64 (RFC 4648, with padding)"
			case len(b) == 0:
				bad[name] = "is empty"
			case len(b) > MaxPhotoBytes:
				bad[name] = fmt.Sprintf("is larger than %d KiB", MaxPhotoBytes>>10)
			default:
				ct := http.DetectContentType(b)
				if !slices.Contains(PhotoTypes, ct) {
					bad[name] = fmt.Sprintf("is %s: send a JPEG, PNG or WebP image", ct)
					continue
				}
				rep.photos = append(rep.photos, photo{ct, bytes.Clone(b)})
			}
		}
	}
	return badFields(bad)
}

// plainText reports whether s can be stored as text: valid UTF-8 without
// NUL (PostgreSQL refuses it).
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
