package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gridmap/geo"
	prob "gridmap/problem"
)

// Heartbeat is how often an idle stream sends a comment, so proxies keep
// it open and a dead client is noticed.
const Heartbeat = 15 * time.Second

// Stream serves GET /events/stream?area=TOWN: Server-Sent Events of the
// town's urgent reports and of every step of its events, for the town's
// operator (or an admin), each as "event: change" with the change as
// JSON and its change_seq as the id. A client reconnecting with
// Last-Event-ID gets what it missed (up to 1000 changes) first.
func (h Handlers) Stream() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		area := r.URL.Query().Get("area")
		town, err := geo.ParseCode(area)
		switch {
		case area == "":
			prob.Invalid(w, r, map[string]string{"area": "give the town whose events to follow (9 digits)"})
			return
		case err != nil:
			prob.Invalid(w, r, map[string]string{"area": err.Error()})
			return
		case town.Level() != geo.LevelTown:
			prob.Invalid(w, r, map[string]string{"area": fmt.Sprintf("%s is not a town code (9 digits)", area)})
			return
		}
		if a.Role != roleAdmin && !(a.Role == roleOperator && a.covers(town)) {
			h.fail(w, r, refuse(KindForbidden, "the stream of town %s is its operators' (or an admin's); token is %s %s", town.Short(), a.Role, scopeText(a.Area)))
			return
		}
		var after int64
		if v := r.Header.Get("Last-Event-ID"); v != "" {
			if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
				prob.Invalid(w, r, map[string]string{"Last-Event-ID": "want the change_seq of the last change received"})
				return
			}
		}
		// A stream outlives the server's write timeout.
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(time.Time{})
		ctx := r.Context()
		sub, err := h.s.hub.subscribe(ctx, town.Short())
		if errors.Is(err, errNotListening) {
			h.log.Warn("event stream: database unreachable", "err", err)
			prob.DatabaseUnreachable(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		defer h.s.hub.unsubscribe(sub)
		var missed []Change
		if after > 0 {
			if missed, err = readChanges(ctx, h.s.st, after, town.Short(), 1000); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, ": events of town %s\nretry: 2000\n\n", town.Short())
		seen := after
		send := func(c Change) bool {
			if c.ChangeSeq <= seen || !c.sent() {
				return true
			}
			seen = c.ChangeSeq
			b, _ := json.Marshal(c)
			_, err := fmt.Fprintf(w, "id: %d\nevent: change\ndata: %s\n\n", c.ChangeSeq, b)
			return err == nil
		}
		for _, c := range missed {
			if !send(c) {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
		tick := time.NewTicker(Heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case c, ok := <-sub.ch:
				if !ok || !send(c) {
					return
				}
			case <-tick.C:
				if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
					return
				}
			}
			if rc.Flush() != nil {
				return
			}
		}
	})
}
