package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gridmap/store"
)

// handleHealthz serves /healthz: the process is alive.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, jsonType, map[string]string{"status": "ok"})
	})
}

// handleReadyz serves /readyz: 200 when the database answers and has
// every migration (and so does the standby read, when there is one), else
// 503 saying what is wrong. Lookups and tiles answer from memory even
// then; a load balancer takes a 503 as "send new traffic elsewhere".
func handleReadyz(log *slog.Logger, st, read *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if st == nil {
			problem(w, r, http.StatusServiceUnavailable, "not ready: no database configured")
			return
		}
		if err := st.Ready(ctx); err != nil {
			log.Warn("not ready", "id", RequestID(r.Context()), "err", err)
			problem(w, r, http.StatusServiceUnavailable, "not ready: the database is unreachable or not migrated (see the server log, request id "+RequestID(r.Context())+")")
			return
		}
		if read != nil && read != st {
			if err := read.Ready(ctx); err != nil {
				log.Warn("not ready: standby", "id", RequestID(r.Context()), "err", err)
				problem(w, r, http.StatusServiceUnavailable, "not ready: the standby this server reads from (DATABASE_READ_URL) is unreachable or not migrated; "+
					"lookups and tiles answer from the last version loaded (see the server log, request id "+RequestID(r.Context())+")")
				return
			}
		}
		encode(w, http.StatusOK, jsonType, map[string]string{"status": "ready"})
	})
}
