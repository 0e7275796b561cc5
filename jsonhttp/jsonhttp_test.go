package jsonhttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gridmap/jsonhttp"
)

type body struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (b body) Valid(context.Context) map[string]string {
	if b.Count < 0 {
		return map[string]string{"count": "give a count from 0"}
	}
	return nil
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		limit                   int64
		status                  int    // 0: decoded
		says                    string // in the problem's detail or fields
	}{
		{"good", "application/json", `{"name":"a","count":2}`, 0, 0, ""},
		{"charset", "application/json; charset=utf-8", `{"name":"a"}`, 0, 0, ""},
		{"no content type", "", `{"count":1}`, 0, 0, ""},
		{"other media type", "text/csv", `{"count":1}`, 0, 415, "send application/json"},
		{"look-alike media type", "application/jsonx", `{}`, 0, 415, "send application/json"},
		{"empty", "application/json", ``, 0, 400, "empty"},
		{"syntax", "application/json", `{"name":}`, 0, 400, "at byte 9"},
		{"wrong type", "application/json", `{"count":"x"}`, 0, 400, "want a JSON number, got a JSON string"},
		{"unknown field", "application/json", `{"nmae":"a"}`, 0, 400, "unknown field"},
		{"two values", "application/json", `{} {}`, 0, 400, "more than one JSON value"},
		{"too big", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, 50, 413, "limit of 50 bytes"},
		{"invalid", "application/json", `{"count":-1}`, 0, 400, "give a count from 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			if tc.limit > 0 {
				r.Body = http.MaxBytesReader(w, r.Body, tc.limit)
			}
			v, ok := jsonhttp.Decode[body](w, r)
			if tc.status == 0 {
				if !ok || w.Code != http.StatusOK || w.Body.Len() != 0 {
					t.Fatalf("refused a good body: %d %s", w.Code, w.Body)
				}
				var want body
				json.Unmarshal([]byte(tc.body), &want)
				if v != want {
					t.Errorf("decoded %+v; want %+v", v, want)
				}
				return
			}
			if ok || w.Code != tc.status {
				t.Fatalf("ok %v, status %d; want refused with %d", ok, w.Code, tc.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q; want application/problem+json", ct)
			}
			if !strings.Contains(w.Body.String(), tc.says) {
				t.Errorf("problem %s does not say %q", w.Body, tc.says)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	if err := jsonhttp.Write(w, http.StatusCreated, "", body{Name: "网格", Count: 3}); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != "{\"name\":\"网格\",\"count\":3}\n" {
		t.Errorf("wrote %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	w = httptest.NewRecorder()
	if err := jsonhttp.Write(w, http.StatusOK, "", func() {}); err == nil || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("an unencodable value: err %v, wrote %q %v; want an error and nothing written", err, w.Body, w.Header())
	}
}
