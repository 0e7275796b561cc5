package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store/storetest"
)

// nginxConf is a shared HTTP cache in front of gridd: Debian's nginx with
// proxy_cache, as the README's deployment section has it. %[1]s is the
// directory of everything nginx writes, %[2]s the upstream servers, %[3]d
// the port, %[4]s the user line.
const nginxConf = `%[4]s
worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  proxy_cache_path %[1]s/cache levels=1:2 keys_zone=tiles:16m max_size=1g inactive=7d use_temp_path=off;
  upstream gridd {
%[2]s    keepalive 16;
  }
  server {
    listen 127.0.0.1:%[3]d;
    location / {
      proxy_pass http://gridd;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_cache tiles;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      add_header X-Cache-Status $upstream_cache_status always;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`

// startNginx runs nginx with nginxConf in front of upstreams until the
// test ends and returns its base URL. It fails the test when nginx is
// missing, saying how to install it.
func startNginx(t *testing.T, upstreams ...string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			t.Fatalf("nginx is missing (it is the HTTP cache this test puts in front of gridd): install Debian's with apt-get install nginx, or run ./dev test, which does")
		}
		bin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers write the cache in the test's directory
	}
	var ups strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&ups, "    server %s;\n", strings.TrimPrefix(u, "http://"))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(nginxConf, dir, ups.String(), port, user)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", base[len("http://"):]); err == nil {
			c.Close()
			return base
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start: %s\n%s", out.String(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tileList is every tile of the TileJSON's bounds from z to maxZ, at
// most limit of them, in its URL template.
func tileList(template string, bounds [4]float64, minZ, maxZ, limit int) []string {
	var out []string
	for z := minZ; z <= maxZ; z++ {
		n := math.Exp2(float64(z))
		x0, x1 := int((bounds[0]+180)/360*n), int((bounds[2]+180)/360*n)
		merc := func(lat float64) int {
			r := lat * math.Pi / 180
			return int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
		}
		y0, y1 := merc(bounds[3]), merc(bounds[1])
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				if len(out) == limit {
					return out
				}
				out = append(out, strings.NewReplacer("{z}", fmt.Sprint(z), "{x}", fmt.Sprint(x), "{y}", fmt.Sprint(y)).Replace(template))
			}
		}
	}
	return out
}

// TestNginxCache puts Debian's nginx (proxy_cache) in front of two gridd
// serving the development zone and reads a tile list twice through it:
// the versioned tile URLs of TileJSON are immutable, so the second pass
// must be at least 95% cache hits; unversioned tiles revalidate.
func TestNginxCache(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st := storetest.NewDemo(t, demo.Options{Scale: 1, Seed: 1, County: geo.MustParseCode("320971")})
	var servers []string
	for range 2 {
		e := &env{getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
		h, err := newHandler(ctx, e, st, testDataKey(t))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		servers = append(servers, srv.URL)
	}
	base := startNginx(t, servers...)

	var doc struct {
		Tiles   []string   `json:"tiles"`
		Bounds  [4]float64 `json:"bounds"`
		MinZoom int        `json:"minzoom"`
	}
	a := get(t, base+"/tiles.json")
	if err := json.Unmarshal(a.body, &doc); err != nil || len(doc.Tiles) != 1 || !strings.HasPrefix(doc.Tiles[0], base) {
		t.Fatalf("TileJSON through nginx: %d %s", a.status, a.body)
	}
	list := tileList(doc.Tiles[0], doc.Bounds, max(doc.MinZoom, 8), 16, 1000)
	client := &http.Client{}
	pass := func() (hits int, statuses map[string]int, upstreams map[string]int) {
		statuses, upstreams = map[string]int{}, map[string]int{}
		for _, u := range list {
			res, err := client.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 && res.StatusCode != 204 {
				t.Fatalf("%s through nginx: %d", u, res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Fatalf("%s: Cache-Control %q, want immutable", u, cc)
			}
			s := res.Header.Get("X-Cache-Status")
			statuses[fmt.Sprintf("%d %s", res.StatusCode, s)]++
			if s == "HIT" {
				hits++
			}
			upstreams[res.Header.Get("X-Upstream")]++
		}
		return hits, statuses, upstreams
	}
	_, first, ups := pass()
	hits, second, _ := pass()
	ratio := float64(hits) / float64(len(list))
	t.Logf("%d tiles z%d-16 through nginx in front of 2 gridd: first pass %v (upstreams %v); second pass %v: %.1f%% hits",
		len(list), max(doc.MinZoom, 8), first, ups, second, 100*ratio)
	if ratio < 0.95 {
		t.Errorf("second pass: %.1f%% cache hits, want ≥ 95%%", 100*ratio)
	}
	if len(ups) < 2 {
		t.Errorf("the first pass reached %v, want both gridd", ups)
	}

	// An unversioned tile may be kept a minute, then revalidated.
	unversioned := list[len(list)/2][:strings.Index(list[len(list)/2], "?")]
	a = get(t, unversioned)
	if cc := a.header.Get("Cache-Control"); !strings.Contains(cc, "must-revalidate") || strings.Contains(cc, "immutable") {
		t.Errorf("unversioned tile: Cache-Control %q, want it to revalidate", cc)
	}
}
