package workers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/jsonhttp"
	prob "gridmap/problem"
	"gridmap/store"
	"gridmap/web/i18n"
)

// ActorFunc gives the caller of a request (api's authenticated
// principal); false when the request has no valid token.
type ActorFunc func(*http.Request) (Actor, bool)

// Handlers are the HTTP handlers of the package, for api/routes.go to
// mount. Every write needs a token (401 without); the service decides
// what its role and scope allow (403).
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

// reply writes v with status, or the problem err maps to.
func (h Handlers) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := jsonhttp.Write(w, status, "", v); err != nil {
		h.fail(w, r, err)
	}
}

var errAnswered = errors.New("answered")

func (h Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errAnswered) {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		prob.Unexpected(w, r, h.log, err, store.Unreachable(err))
		return
	}
	switch e.Kind {
	case KindBadRequest:
		prob.Invalid(w, r, map[string]string{e.Field: e.Msg})
	case KindInvalid:
		p := prob.Details{Status: http.StatusUnprocessableEntity, Detail: e.Error()}
		if e.Article != "" {
			p.Extra = map[string]any{"article": e.Article}
		}
		prob.Write(w, r, p)
	case KindNotFound:
		prob.Status(w, r, http.StatusNotFound, e.Msg)
	case KindForbidden:
		prob.Status(w, r, http.StatusForbidden, e.Msg)
	case KindConflict:
		prob.Status(w, r, http.StatusConflict, e.Msg)
	default:
		prob.Status(w, r, http.StatusServiceUnavailable, e.Msg)
	}
}

// decode reads a JSON body into v (jsonhttp.DecodeInto), answering 400,
// 413 or 415 itself.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if !jsonhttp.DecodeInto(w, r, v) {
		return errAnswered
	}
	return nil
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || n < 1 {
		prob.Invalid(w, r, map[string]string{"id": "want a whole number from 1"})
		return 0, false
	}
	return n, true
}

func pathCode(w http.ResponseWriter, r *http.Request, grid bool) (geo.Code, bool) {
	c, err := geo.ParseCode(chi.URLParam(r, "code"))
	switch {
	case err != nil:
		prob.Invalid(w, r, map[string]string{"code": err.Error()})
		return "", false
	case grid && !c.IsGrid():
		prob.Invalid(w, r, map[string]string{"code": fmt.Sprintf("%s is not a grid code (15 or 17 digits)", c)})
		return "", false
	case !grid && c.Level() != geo.LevelTown:
		prob.Invalid(w, r, map[string]string{"code": fmt.Sprintf("%s is not a town code (9 digits, or 12 ending in 000)", c)})
		return "", false
	}
	return c, true
}

// CreateWorker serves POST /workers.
func (h Handlers) CreateWorker() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		var nw NewWorker
		if err := decode(w, r, &nw); err != nil {
			return
		}
		f, err := h.s.CreateWorker(r.Context(), a, nw)
		h.reply(w, r, http.StatusCreated, f, err)
	})
}

// Worker serves GET /workers/{id}: the worker's file.
func (h Handlers) Worker() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		if id, ok := pathID(w, r); ok {
			f, err := h.s.File(r.Context(), a, id)
			h.reply(w, r, http.StatusOK, f, err)
		}
	})
}

// AddReview serves POST /workers/{id}/reviews.
func (h Handlers) AddReview() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body struct {
			Year   int   `json:"year"`
			Passed *bool `json:"passed"`
		}
		if err := decode(w, r, &body); err != nil {
			return
		}
		if body.Passed == nil {
			prob.Invalid(w, r, map[string]string{"passed": "give true or false"})
			return
		}
		rev, err := h.s.AddReview(r.Context(), a, id, body.Year, *body.Passed)
		h.reply(w, r, http.StatusCreated, rev, err)
	})
}

// AddTraining serves POST /workers/{id}/trainings.
func (h Handlers) AddTraining() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body Training
		if err := decode(w, r, &body); err != nil {
			return
		}
		tr, err := h.s.AddTraining(r.Context(), a, id, body.On, body.Course)
		h.reply(w, r, http.StatusCreated, tr, err)
	})
}

// Appoint serves POST /grids/{code}/appointments.
func (h Handlers) Appoint() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		code, ok := pathCode(w, r, true)
		if !ok {
			return
		}
		var body struct {
			Worker int64  `json:"worker"`
			Role   Role   `json:"role"`
			From   string `json:"from"`
		}
		if err := decode(w, r, &body); err != nil {
			return
		}
		from, err := ParseDate("from", body.From)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ap, err := h.s.Appoint(r.Context(), a, code, body.Worker, body.Role, from)
		h.reply(w, r, http.StatusCreated, ap, err)
	})
}

// optionalDate reads query parameter name as a date, nil when absent.
func optionalDate(w http.ResponseWriter, r *http.Request, name string) (*time.Time, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, true
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		prob.Invalid(w, r, map[string]string{name: fmt.Sprintf("%q is not a date: give YYYY-MM-DD", v)})
		return nil, false
	}
	return &t, true
}

// GridAppointments serves GET /grids/{code}/appointments[?on=DATE].
func (h Handlers) GridAppointments() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		code, ok := pathCode(w, r, true)
		if !ok {
			return
		}
		on, ok := optionalDate(w, r, "on")
		if !ok {
			return
		}
		aps, err := h.s.GridAppointments(r.Context(), a, code, on)
		h.reply(w, r, http.StatusOK, map[string]any{"grid": code, "appointments": aps}, err)
	})
}

// endBody is the body of the end routes.
type endBody struct {
	To string `json:"to"`
}

// EndAppointment serves POST /appointments/{id}/end.
func (h Handlers) EndAppointment() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body endBody
		if err := decode(w, r, &body); err != nil {
			return
		}
		to, err := ParseDate("to", body.To)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ap, err := h.s.EndAppointment(r.Context(), a, id, to)
		h.reply(w, r, http.StatusOK, ap, err)
	})
}

// AddSeatOperator serves POST /towns/{code}/operators.
func (h Handlers) AddSeatOperator() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		code, ok := pathCode(w, r, false)
		if !ok {
			return
		}
		var body struct {
			Worker int64  `json:"worker"`
			From   string `json:"from"`
		}
		if err := decode(w, r, &body); err != nil {
			return
		}
		from, err := ParseDate("from", body.From)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		st, err := h.s.AddSeatOperator(r.Context(), a, code, body.Worker, from)
		h.reply(w, r, http.StatusCreated, st, err)
	})
}

// TownSeatOperators serves GET /towns/{code}/operators[?on=DATE].
func (h Handlers) TownSeatOperators() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		code, ok := pathCode(w, r, false)
		if !ok {
			return
		}
		on, ok := optionalDate(w, r, "on")
		if !ok {
			return
		}
		seats, err := h.s.TownSeatOperators(r.Context(), a, code, on)
		h.reply(w, r, http.StatusOK, map[string]any{"town": code, "operators": seats}, err)
	})
}

// EndSeatOperator serves POST /operators/{id}/end.
func (h Handlers) EndSeatOperator() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var body endBody
		if err := decode(w, r, &body); err != nil {
			return
		}
		to, err := ParseDate("to", body.To)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		st, err := h.s.EndSeatOperator(r.Context(), a, id, to)
		h.reply(w, r, http.StatusOK, st, err)
	})
}

// Board serves GET /grids/{code}/board without a token: HTML (Chinese by
// default, English on request) or JSON, by Accept. It is never cached
// (it follows a change at once).
func (h Handlers) Board() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, ok := pathCode(w, r, true)
		if !ok {
			return
		}
		b, err := h.s.Board(r.Context(), code)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Add("Vary", "Accept, Accept-Language, Cookie")
		if wantsHTML(r.Header.Get("Accept")) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := b.WriteHTML(w, i18n.FromRequest(r)); err != nil {
				h.log.Warn("write board", "err", err)
			}
			return
		}
		h.reply(w, r, http.StatusOK, b, nil)
	})
}

// wantsHTML reports whether an Accept header prefers HTML to JSON: a
// browser's does; no header, or one naming JSON first, gets JSON.
func wantsHTML(accept string) bool {
	h, j := strings.Index(accept, "text/html"), strings.Index(accept, "json")
	return h >= 0 && (j < 0 || h < j)
}

// CheckIn serves POST /patrols/checkins with a worker's token.
func (h Handlers) CheckIn() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		var body struct {
			Lon       *float64 `json:"lon"`
			Lat       *float64 `json:"lat"`
			AccuracyM *float64 `json:"accuracy_m"`
			CRS       CRS      `json:"crs"`
		}
		if err := decode(w, r, &body); err != nil {
			return
		}
		if body.Lon == nil || body.Lat == nil {
			prob.Invalid(w, r, map[string]string{"lon": "give lon and lat", "lat": "give lon and lat"})
			return
		}
		if body.CRS == "" {
			body.CRS = CRSWGS84
		}
		c, err := h.s.CheckIn(r.Context(), a, *body.Lon, *body.Lat, body.AccuracyM, body.CRS)
		h.reply(w, r, http.StatusCreated, c, err)
	})
}

// GridPatrols serves GET /grids/{code}/patrols?from=&to= for the town.
func (h Handlers) GridPatrols() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		code, ok := pathCode(w, r, true)
		if !ok {
			return
		}
		from, ok := optionalDate(w, r, "from")
		if !ok {
			return
		}
		to, ok := optionalDate(w, r, "to")
		if !ok {
			return
		}
		today := h.s.today()
		if to == nil {
			to = &today
		}
		if from == nil {
			f := to.AddDate(0, 0, -29)
			from = &f
		}
		p, err := h.s.GridPatrols(r.Context(), a, code, *from, *to)
		h.reply(w, r, http.StatusOK, p, err)
	})
}

// Checks serves GET /checks[?area=CODE]: the staffing findings (Art. 6,
// 15, 17) of the area, for its operator or an admin.
func (h Handlers) Checks() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, a Actor) {
		var area geo.Code
		if v := r.URL.Query().Get("area"); v != "" {
			c, err := geo.ParseCode(v)
			if err != nil || c.IsGrid() {
				prob.Invalid(w, r, map[string]string{"area": fmt.Sprintf("%q is not an area code (a town: 9 digits)", v)})
				return
			}
			area = c
		}
		rep, err := h.s.Checks(r.Context(), a, area)
		h.reply(w, r, http.StatusOK, rep, err)
	})
}
