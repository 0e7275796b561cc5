package store

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// WithPoolSize returns the database URL with the pool's pool_max_conns set
// to n, unless the URL sets it already: for callers that know how many
// connections they will hold at once (a load generator with a connection
// per client). Both URLs and key=value connection strings are accepted.
func WithPoolSize(dbURL string, n int) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// A key=value connection string: pgx reads the setting there too.
		if strings.Contains(dbURL, "pool_max_conns") {
			return dbURL, nil
		}
		if strings.Contains(dbURL, "://") {
			return "", fmt.Errorf("database URL: cannot read it to size the pool")
		}
		return dbURL + " pool_max_conns=" + strconv.Itoa(n), nil
	}
	q := u.Query()
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", strconv.Itoa(n))
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
