package events_test

import (
	"testing"
)

// BenchmarkUrgentToStream measures Art. 35's path end to end: an urgent
// report posted to one gridd (HTTP, lookup, deadline, insert, history,
// audit, NOTIFY at commit) until the town's stream on another gridd
// (LISTEN, read of the change, SSE) delivers it. ns/op is that latency.
func BenchmarkUrgentToStream(b *testing.B) {
	e := newEnv(b)
	other := e.server()
	s := e.stream(other.URL, e.op, "320902001")
	body := reportIn(1, "safety.gas", true)
	b.ResetTimer()
	for b.Loop() {
		id := e.report(e.worker, body)
		if c := s.next(b); c.ID != id {
			b.Fatalf("stream delivered %d, want %d", c.ID, id)
		}
	}
}

// BenchmarkReport measures POST /events alone (no stream open).
func BenchmarkReport(b *testing.B) {
	e := newEnv(b)
	body := reportIn(1, "safety.gas", false)
	for b.Loop() {
		e.report(e.worker, body)
	}
}
