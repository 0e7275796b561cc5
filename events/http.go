package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/jsonhttp"
	prob "gridmap/problem"
	"gridmap/store"
)

// ActorFunc gives the caller of a request (api's authenticated
// principal); false when the request has no valid token.
type ActorFunc func(*http.Request) (Actor, bool)

// Handlers are the HTTP handlers of the package, for api/routes.go to
// mount. The catalog's list needs no token; every other route does (401
// without), and the service decides what the token's role and scope allow
// (403).
type Handlers struct {
	s     *Service
	log   *slog.Logger
	actor ActorFunc
}

// Handlers returns the handlers over s; actor reads the caller.
func (s *Service) Handlers(actor ActorFunc) Handlers {
	return Handlers{s: s, log: s.log, actor: actor}
}

// auth runs fn with the caller, or answers 401.
func (h Handlers) auth(fn func(http.ResponseWriter, *http.Request, Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := h.actor(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gridmap"`)
			prob.Status(w, r, http.StatusUnauthorized, `this route needs a token: send "Authorization: Bearer <token>"`)
			return
		}
		a.RequestID = prob.RequestID(r.Context())
		fn(w, r, a)
	})
}

// reply writes v as JSON with status, or the problem err maps to.
func (h Handlers) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := jsonhttp.Write(w, status, "", v); err != nil {
		w.Header().Del("Cache-Control")
		h.fail(w, r, err)
	}
}

// fail answers the problem of err.
func (h Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		prob.Unexpected(w, r, h.log, err, store.Unreachable(err))
		return
	}
	p := prob.Details{Status: e.status(), Detail: e.Error()}
	if e.Kind == KindBadRequest && len(e.Fields) > 0 {
		prob.Invalid(w, r, e.Fields)
		return
	}
	if e.Article != "" {
		p.Extra = map[string]any{"article": e.Article}
	}
	for name, detail := range e.Fields {
		p.Errors = append(p.Errors, prob.Field{Name: name, Detail: detail})
	}
	prob.Write(w, r, p)
}

// status is the HTTP status of a refusal.
func (e *Error) status() int {
	switch e.Kind {
	case KindBadRequest:
		return http.StatusBadRequest
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindForbidden:
		return http.StatusForbidden
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// jsonBody refuses a body that is not JSON (415).
func jsonBody(w http.ResponseWriter, r *http.Request) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		prob.Status(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/json", ct))
		return false
	}
	return true
}

// decode reads a JSON body into v (unknown fields refused).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return refuse(KindTooLarge, "request body is larger than the limit of %d bytes", tooBig.Limit)
		case errors.Is(err, io.EOF):
			return refuse(KindBadRequest, "request body is empty: send a JSON object")
		}
		return refuse(KindBadRequest, "request body: %v", err)
	}
	return nil
}

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n < 1 {
		prob.Invalid(w, r, map[string]string{name: "want a whole number from 1"})
		return 0, false
	}
	return n, true
}

// Types serves GET /event-types[?county=]: the catalogs of matters,
// public.
func (h Handlers) Types() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		county := r.URL.Query().Get("county")
		if county != "" {
			c, err := ParseCounty(county)
			if err != nil {
				prob.Invalid(w, r, map[string]string{"county": err.Error()})
				return
			}
			county = c
		}
		ts, err := h.s.Types(r.Context(), county)
		if err == nil && county != "" && len(ts) == 0 {
			err = refuse(KindNotFound, "county %s publishes no list of matters", county)
		}
		h.reply(w, r, http.StatusOK, ts, err)
	})
}

// CreateType serves POST /event-types: admin.
func (h Handlers) CreateType() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if !jsonBody(w, r) {
			return
		}
		var t Type
		t.GridMatter = true
		if err := decode(r, &t); err != nil {
			h.fail(w, r, err)
			return
		}
		t, err := h.s.CreateType(r.Context(), a, t)
		h.reply(w, r, http.StatusCreated, t, err)
	})
}

// Report serves POST /events: 201 with the event and its Location.
func (h Handlers) Report() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if !jsonBody(w, r) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxReportBytes)
		rep, err := ParseReport(r.Body, h.s.now())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ev, err := h.s.Report(r.Context(), a, rep)
		if err == nil {
			w.Header().Set("Location", fmt.Sprintf("/events/%d", ev.ID))
		}
		h.reply(w, r, http.StatusCreated, ev, err)
	})
}

// Event serves GET /events/{id}: the event with its history.
func (h Handlers) Event() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if id, ok := pathInt(w, r, "id"); ok {
			ev, err := h.s.Get(r.Context(), a, id)
			h.reply(w, r, http.StatusOK, ev, err)
		}
	})
}

// Photo serves GET /events/{id}/photos/{photo}: the image.
func (h Handlers) Photo() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathInt(w, r, "id")
		if !ok {
			return
		}
		photo, ok := pathInt(w, r, "photo")
		if !ok {
			return
		}
		ct, b, err := h.s.PhotoBytes(r.Context(), a, id, photo)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(b)
	})
}

// Transition serves POST /events/{id}/transitions.
func (h Handlers) Transition() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathInt(w, r, "id")
		if !ok || !jsonBody(w, r) {
			return
		}
		var t Transition
		if err := decode(r, &t); err != nil {
			h.fail(w, r, err)
			return
		}
		ev, err := h.s.Transition(r.Context(), a, id, t)
		h.reply(w, r, http.StatusOK, ev, err)
	})
}

// Calendar serves GET /admin/event-calendar: the calendar of deadlines in
// force, as CSV (date,kind,name).
func (h Handlers) Calendar() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if a.Role != roleAdmin {
			h.fail(w, r, refuse(KindForbidden, "the calendar of deadlines is an admin's; token is %s", a.Role))
			return
		}
		b, err := h.s.Calendar(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	})
}

// ReplaceCalendar serves PUT /admin/event-calendar: a CSV file
// (date,kind,name) replaces the calendar of deadlines.
func (h Handlers) ReplaceCalendar() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			prob.Status(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send text/csv (date,kind,name)", ct))
			return
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			h.fail(w, r, refuse(KindTooLarge, "the calendar is larger than 1 MiB"))
			return
		}
		n, err := h.s.ReplaceCalendar(r.Context(), a, b)
		h.reply(w, r, http.StatusOK, map[string]int{"days": n}, err)
	})
}

// List serves GET /events?area=CODE[&status=][&overdue=true][&after=][&limit=]:
// the events of an area, by id, without descriptions.
func (h Handlers) List() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		v := r.URL.Query()
		bad := map[string]string{}
		q := ListQuery{Status: v.Get("status")}
		area, err := geo.ParseCode(v.Get("area"))
		if err != nil {
			bad["area"] = "give a grid or area code (the city's 3209 for all): " + err.Error()
		}
		q.Area = area
		switch v.Get("overdue") {
		case "", "false":
		case "true":
			q.Overdue = true
		default:
			bad["overdue"] = "want true or false"
		}
		if s := v.Get("after"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				bad["after"] = "want the id of the last event of the previous page (a whole number from 0)"
			}
			q.After = n
		}
		if s := v.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > MaxList {
				bad["limit"] = fmt.Sprintf("want a whole number from 1 to %d", MaxList)
			}
			q.Limit = n
		}
		if len(bad) > 0 {
			prob.Invalid(w, r, bad)
			return
		}
		p, err := h.s.List(r.Context(), a, q)
		h.reply(w, r, http.StatusOK, p, err)
	})
}
