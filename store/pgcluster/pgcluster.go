// Package pgcluster runs throwaway PostgreSQL clusters for tests that must
// stop, start or replicate a real server: a primary made with initdb on a
// free port under the temporary directory, and hot standbys made from it
// with pg_basebackup -R (streaming replication). Each cluster is stopped
// and removed when its test ends. It is test support: production code must
// never import it.
//
// initdb refuses to run as root, so as root every server program runs as
// the postgres user (runuser), as ./dev does; any other user runs them
// directly. PostgreSQL and PostGIS come from Debian's packages (./dev
// installs them).
package pgcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is one running (or stopped) PostgreSQL server of a test's own.
type Cluster struct {
	bin  string // PostgreSQL's bin directory
	dir  string // holds data/ and server.log; removed at cleanup
	data string
	// Port is the TCP port the server listens on, on 127.0.0.1.
	Port int
}

// bindir returns the bin directory of the newest installed PostgreSQL.
func bindir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server programs in /usr/lib/postgresql/*/bin: install them with ./dev db or apt-get install postgresql postgresql-15-postgis-3")
}

func version(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// New creates a primary cluster (wal_level replica, ready to feed
// standbys), starts it and returns it. It fails the test when PostgreSQL
// is missing.
func New(t testing.TB) *Cluster {
	t.Helper()
	c := newDir(t)
	c.run(t, filepath.Join(c.bin, "initdb"), "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	c.configure(t)
	c.Start(t)
	return c
}

// Standby makes a hot standby of c with pg_basebackup -R (it streams
// from c and replays its WAL), starts it and returns it.
func (c *Cluster) Standby(t testing.TB) *Cluster {
	t.Helper()
	s := newDir(t)
	if err := os.Remove(s.data); err != nil {
		t.Fatal(err)
	}
	s.run(t, filepath.Join(s.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres",
		"-D", s.data, "-R", "-X", "stream", "--checkpoint=fast")
	s.configure(t)
	s.Start(t)
	return s
}

func newDir(t testing.TB) *Cluster {
	t.Helper()
	bin, err := bindir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "gridmap-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), Port: freePort(t)}
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, the clusters run as the postgres user, which does not exist (%v): run ./dev db once, or useradd --system postgres", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, c.data} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(func() {
		// Stop it quickly whatever state it is in, then remove it.
		c.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	return c
}

// configure appends the test settings to postgresql.conf: its own port and
// socket directory, speed over durability, and replication.
func (c *Cluster) configure(t testing.TB) {
	t.Helper()
	conf := fmt.Sprintf(`
# gridmap test cluster
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 60
shared_buffers = 32MB
fsync = off
synchronous_commit = on  # WAL reaches a standby at commit, not up to 200 ms later
full_page_writes = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
wal_receiver_status_interval = 1s
`, c.Port, c.dir)
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		t.Fatal(err)
	}
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if out, err := c.ctl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log")); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		t.Fatalf("start PostgreSQL on port %d: %v\n%s\n%s", c.Port, err, out, log)
	}
}

// Stop stops the server (fast shutdown: sessions are ended).
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if out, err := c.ctl("stop", "-w", "-m", "fast"); err != nil {
		t.Fatalf("stop PostgreSQL on port %d: %v\n%s", c.Port, err, out)
	}
}

func (c *Cluster) ctl(args ...string) ([]byte, error) {
	return c.command(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.data}, args...)...).CombinedOutput()
}

func (c *Cluster) run(t testing.TB, prog string, args ...string) {
	t.Helper()
	if out, err := c.command(prog, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
}

// command runs a server program as the cluster's owner.
func (c *Cluster) command(prog string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

// URL is the connection URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// CreateDatabase creates database name on the cluster and returns its URL.
func (c *Cluster) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	c.Exec(t, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return c.URL(name)
}

// Exec runs sql on database db of the cluster.
func (c *Cluster) Exec(t testing.TB, db, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		t.Fatalf("connect to the test cluster on port %d: %v", c.Port, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
