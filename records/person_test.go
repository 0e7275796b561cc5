package records_test

import (
	"errors"
	"strings"
	"testing"

	"gridmap/records"
)

func TestParseName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      error
	}{
		{"王小明", "王小明", nil},
		{"  王 小明 ", "王小明", nil},
		{"王\u3000小明", "王小明", nil},
		{"买买提 • 艾力", "买买提·艾力", nil},
		{"买买提・艾力", "买买提·艾力", nil},
		{"John  Smith", "John Smith", nil},
		{"Ｊｏｈｎ Smith", "John Smith", nil},
		{"J. Smith", "J. Smith", nil},
		{"", "", records.ErrNameEmpty},
		{" \t ", "", records.ErrNameEmpty},
		{"王2", "", records.ErrNameBad},
		{"王\x00五", "", records.ErrNameBad},
		{"王\xff", "", records.ErrNameBad},
		{strings.Repeat("王", 51), "", records.ErrNameBad},
	}
	for _, tt := range tests {
		got, err := records.ParseName(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseName(%q): %v, want %v", tt.in, err, tt.err)
			} else if len(tt.in) > 3 && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
				t.Errorf("ParseName(%q): the error repeats the name: %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParsePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		detail   string // part of the error, when invalid
	}{
		{"13912345678", "13912345678", ""},
		{" 139 1234 5678 ", "13912345678", ""},
		{"139-1234-5678", "13912345678", ""},
		{"+86 139 1234 5678", "13912345678", ""},
		{"0086 13912345678", "13912345678", ""},
		{"8613912345678", "13912345678", ""},
		{"１３９１２３４５６７８", "13912345678", ""},
		{"0515-88881234", "0515-88881234", ""},
		{"(0515)88881234", "0515-88881234", ""},
		{"0515 8888123", "0515-8888123", ""},
		{"010-12345678", "010-12345678", ""},
		{"025 8888 1234", "025-88881234", ""},
		{"", "", "empty"},
		{"1391234567", "", "has 10 digits; it needs 11"},
		{"12912345678", "", "no such network"},
		{"+1 415 555 0100", "", "country code other than +86"},
		{"0515-888812", "", "landline has 10 digits"},
		{"0515-08881234", "", "starts with 0"},
		{"88881234", "", "neither a mobile number"},
		{"139 1234 5678 转 8", "", "character other than digits"},
		{"无", "", "character other than digits"},
	}
	for _, tt := range tests {
		got, err := records.ParsePhone(tt.in)
		if tt.detail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("ParsePhone(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.detail)
			}
			if len(tt.in) > 6 && strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParsePhone(%q): the error repeats it: %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
