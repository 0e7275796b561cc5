package problem

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(w http.ResponseWriter, r *http.Request)
		want  map[string]any
	}{
		{"status", func(w http.ResponseWriter, r *http.Request) { Status(w, r, 404, "no grid 320902001001001") },
			map[string]any{"status": 404.0, "title": "Not Found", "detail": "no grid 320902001001001", "instance": "/x", "requestId": "rid", "type": "about:blank"}},
		{"invalid", func(w http.ResponseWriter, r *http.Request) {
			Invalid(w, r, map[string]string{"lon": "want a number", "lat": "out of range"})
		}, map[string]any{"status": 400.0, "detail": "2 parameters are invalid; see errors"}},
		{"extra", func(w http.ResponseWriter, r *http.Request) {
			Write(w, r, Details{Status: 409, Detail: "stale", Extra: map[string]any{"changed": []string{"a"}, "status": "ignored"}})
		}, map[string]any{"status": 409.0, "changed": []any{"a"}}},
		{"internal", func(w http.ResponseWriter, r *http.Request) { Internal(w, r) },
			map[string]any{"status": 500.0, "detail": "internal error (request id rid)"}},
		{"database unreachable", func(w http.ResponseWriter, r *http.Request) { DatabaseUnreachable(w, r) },
			map[string]any{"status": 503.0, "code": "unavailable",
				"detail": "the database is unreachable; retry in 5 seconds (lookups and tiles still answer from memory; request id rid)"}},
		// Every problem carries a code: its own, or the status's.
		{"code from status", func(w http.ResponseWriter, r *http.Request) { Status(w, r, 404, "no grid") },
			map[string]any{"code": "not-found"}},
		{"code of invalid", func(w http.ResponseWriter, r *http.Request) { Invalid(w, r, map[string]string{"lon": "x"}) },
			map[string]any{"code": "invalid-parameters"}},
		{"own code", func(w http.ResponseWriter, r *http.Request) {
			Write(w, r, Details{Status: 409, Code: CodeStale, Detail: "stale"})
		}, map[string]any{"status": 409.0, "code": "stale"}},
		{"unlisted status", func(w http.ResponseWriter, r *http.Request) { Status(w, r, 418, "teapot") },
			map[string]any{"code": "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/x", nil)
			r = r.WithContext(WithRequestID(r.Context(), "rid"))
			tt.write(rec, r)
			if ct := rec.Header().Get("Content-Type"); ct != ContentType {
				t.Fatalf("Content-Type %q", ct)
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if int(got["status"].(float64)) != rec.Code {
				t.Fatalf("body status %v, code %d", got["status"], rec.Code)
			}
			if ra := rec.Header().Get("Retry-After"); (rec.Code == http.StatusServiceUnavailable) != (ra != "") {
				t.Errorf("status %d with Retry-After %q", rec.Code, ra)
			}
			for k, v := range tt.want {
				gb, _ := json.Marshal(got[k])
				wb, _ := json.Marshal(v)
				if string(gb) != string(wb) {
					t.Errorf("%s = %s, want %s", k, gb, wb)
				}
			}
		})
	}
}

// TestCodeFor checks every status's code is one of Codes, and the codes
// are distinct.
func TestCodeFor(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, c := range Codes() {
		if known[c] {
			t.Errorf("code %q listed twice", c)
		}
		known[c] = true
	}
	for status := 400; status < 600; status++ {
		if c := CodeFor(status); !known[c] {
			t.Errorf("CodeFor(%d) = %q, not in Codes", status, c)
		}
	}
}
