package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridmap/api/apitest"
	"gridmap/events"
)

// sse reads a Server-Sent Events stream: each change as it comes.
type sse struct {
	changes chan events.Change
	errs    chan error
}

func (e *env) stream(base, token, area string) *sse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events/stream?area="+area, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("stream: %d %s", res.StatusCode, res.Header)
	}
	apitest.CheckResponse(e.t, req, res.StatusCode, res.Header, nil)
	s := &sse{changes: make(chan events.Change, 100), errs: make(chan error, 1)}
	br := bufio.NewReader(res.Body)
	// The first comment says the stream listens.
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": events of town") {
		e.t.Fatalf("stream opening: %q %v", line, err)
	}
	go func() {
		defer res.Body.Close()
		var event, data, id string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				s.errs <- err
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case line == "" && data != "":
				var c events.Change
				if err := json.Unmarshal([]byte(data), &c); err != nil || event != "change" || id != fmt.Sprint(c.ChangeSeq) {
					s.errs <- fmt.Errorf("bad message %q %q %q: %v", event, id, data, err)
					return
				}
				s.changes <- c
				event, data, id = "", "", ""
			}
		}
	}()
	return s
}

// next waits for the next change (generously: the test asserts arrival
// and order, not time).
func (s *sse) next(t testing.TB) events.Change {
	t.Helper()
	select {
	case c := <-s.changes:
		return c
	case err := <-s.errs:
		t.Fatalf("stream: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no change on the stream in 30 s")
	}
	return events.Change{}
}

// TestStream: a report through one gridd reaches the stream of another
// (NOTIFY across processes): urgent reports and every later step, in
// order; not a routine report, nor another town's events.
func TestStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.server() // a second gridd over the same database
	s := e.stream(other.URL, e.op, "320902001")

	urgent := e.report(e.worker, reportIn(1, "safety.gas", true))
	c := s.next(t)
	if c.ID != urgent || c.Action != "report" || !c.Urgent || c.Status != "reported" || c.GridCode != "320902001001001" || c.TypeName != "燃气安全隐患" {
		t.Errorf("first change: %+v", c)
	}
	routine := e.report(e.op, reportIn(5, "env.garbage", false))
	if r := e.step(e.op, routine, map[string]any{"action": "accept"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := e.step(e.op, urgent, map[string]any{"action": "accept"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if c := s.next(t); c.ID != routine || c.Action != "accept" || c.Status != "accepted" {
		t.Errorf("second change: %+v (the routine report itself is not streamed; its acceptance is)", c)
	}
	if c = s.next(t); c.ID != urgent || c.Action != "accept" {
		t.Errorf("third change: %+v", c)
	}

	// Reconnecting with Last-Event-ID replays what was missed.
	req, _ := http.NewRequest("GET", other.URL+"/events/stream?area=320902001000", nil)
	req.Header.Set("Authorization", "Bearer "+e.op)
	req.Header.Set("Last-Event-ID", fmt.Sprint(c.ChangeSeq-1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(res.Body)
	var got []string
	for len(got) < 2 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "id: ") {
			got = append(got, strings.TrimSpace(line[4:]))
		}
		if len(got) == 1 && strings.HasPrefix(line, "data: ") {
			break
		}
	}
	res.Body.Close()
	if len(got) == 0 || got[0] != fmt.Sprint(c.ChangeSeq) {
		t.Errorf("replay after %d: ids %v", c.ChangeSeq-1, got)
	}

	// Who may follow a town, and how it is asked.
	for _, tc := range []struct {
		token, area string
		status      int
	}{
		{e.other, "320902001", 403},
		{e.worker, "320902001", 403},
		{e.viewer, "320902001", 403},
		{e.op, "", 400},
		{e.op, "320902", 400},
		{e.op, "32x", 400},
		{"", "320902001", 401},
	} {
		if r := e.doOn(other, "GET", "/events/stream?area="+tc.area, tc.token, nil); r.status != tc.status {
			t.Errorf("stream of %q with %q: %d, want %d", tc.area, tc.token, r.status, tc.status)
		}
	}
}
