package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gridmap/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server's log and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe starts gridd serve on a free port, reads /readyz, and stops it
// by cancelling the context: it must shut down cleanly.
func TestServe(t *testing.T) {
	t.Parallel()
	url := storetest.NewURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": url, "GRIDD_ADDR": "127.0.0.1:0"}[k]
	}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, strings.NewReader(""), io.Discard, &logs) }()

	addrRe := regexp.MustCompile(`addr=(http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; {
		if m := addrRe.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	res, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/readyz: %d", res.StatusCode)
	}
	// The events are wired: the public catalog answers from the seed.
	res, err = http.Get(base + "/event-types?county=320902")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"code":"safety.gas"`) {
		t.Errorf("/event-types: %d %.300s", res.StatusCode, b)
	}
	for _, path := range []string{"/tiles.json", "/tiles/0/0/0.mvt"} {
		if res, err := http.Get(base + path); err != nil {
			t.Fatal(err)
		} else {
			res.Body.Close()
		}
	}
	res, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "go_goroutines") || !strings.Contains(string(b), `gridd_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Errorf("/metrics lacks Go or HTTP metrics:\n%.500s", b)
	}
	if !strings.Contains(string(b), "gridd_tile_cache_misses_total 1") || !strings.Contains(string(b), `route="/tiles.json",status="200"} 1`) {
		t.Errorf("/metrics lacks the tile cache's miss or the TileJSON route:\n%s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestServeBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"serve", "extra"}, "no arguments"},
		{[]string{"serve", "--shutdown-timeout", "0s"}, "positive duration"},
	} {
		_, _, err := gridd(t, "postgres://nobody@127.0.0.1:1/x", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("gridd %v: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
}
