package records

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"gridmap/geo"
	"gridmap/jsonhttp"
	prob "gridmap/problem"
	"gridmap/store"
)

// HTTP serves the records routes. Every route needs a token (Caller
// gives the request's caller, false without a valid token: 401); what
// the caller's role and area allow is decided here, against the grid of
// the records asked for (403).
type HTTP struct {
	svc       *Service
	log       *slog.Logger
	caller    func(*http.Request) (Caller, bool)
	maxImport int64
}

// NewHTTP returns the records handlers. caller reads the request's
// caller (the API's token authentication); maxImportBytes bounds an
// imported file.
func NewHTTP(svc *Service, log *slog.Logger, caller func(*http.Request) (Caller, bool), maxImportBytes int64) *HTTP {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &HTTP{svc: svc, log: log, caller: caller, maxImport: maxImportBytes}
}

// DefaultGridPage and MaxGridPage bound GET /grids/{code}/residents.
const (
	DefaultGridPage = 100
	MaxGridPage     = 1000
)

func (h *HTTP) auth(fn func(w http.ResponseWriter, r *http.Request, c Caller)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := h.caller(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gridmap"`)
			prob.Status(w, r, http.StatusUnauthorized, `this route needs a token: send "Authorization: Bearer <token>" (an admin creates one with gridd token create)`)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fn(w, r, c)
	})
}

// fail answers an error: a refusal with its status, anything else 500
// (503 with Retry-After when the database could not be reached).
func (h *HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		prob.Unexpected(w, r, h.log, fmt.Errorf("records: %w", err), store.Unreachable(err))
		return
	}
	status := map[ErrorKind]int{KindForbidden: http.StatusForbidden, KindNotFound: http.StatusNotFound,
		KindInvalid: http.StatusBadRequest, KindRejected: http.StatusUnprocessableEntity}[e.Kind]
	prob.Status(w, r, status, e.Msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	jsonhttp.Write(w, status, "", v)
}

// Import serves POST /records/import?kind=…[&partial=true][&charset=gbk]:
// the body is a CSV or XLSX file. 200 with the result when it was
// written (all rows, or the good ones with partial=true); 422 with the
// same errors when any row is bad and nothing was written.
func (h *HTTP) Import() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, c Caller) {
		q := r.URL.Query()
		bad := map[string]string{}
		kind, err := ParseKind(q.Get("kind"))
		if err != nil {
			bad["kind"] = "give kind=addresses, houses, residents or units"
		}
		partial := false
		if v := q.Get("partial"); v != "" {
			if partial, err = strconv.ParseBool(v); err != nil {
				bad["partial"] = "give partial=true or partial=false"
			}
		}
		charset := q.Get("charset")
		switch charset {
		case "", "utf-8", "utf8", "gbk", "gb2312", "gb18030", "cp936":
		default:
			bad["charset"] = "give charset=utf-8 or charset=gbk (or leave it out to detect it)"
		}
		if len(bad) > 0 {
			prob.Invalid(w, r, bad)
			return
		}
		body := http.MaxBytesReader(w, r.Body, h.maxImport)
		res, err := h.svc.Import(r.Context(), kind, body, ImportOptions{Caller: c, Partial: partial, Charset: charset})
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			prob.Status(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is over %d bytes: split it", h.maxImport))
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !res.Written {
			prob.Write(w, r, prob.Details{Status: http.StatusUnprocessableEntity,
				Detail: fmt.Sprintf("%d of %d rows are bad, so nothing was written: fix the rows listed in errors (or send partial=true to write the good rows)", res.Rejected, res.Rows),
				Extra: map[string]any{"kind": res.Kind, "rows": res.Rows, "accepted": 0, "rejected": res.Rejected,
					"errors": res.Errors, "errors_truncated": res.Truncated}})
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

// GridResidents serves GET /grids/{code}/residents[?after=ID&limit=N].
func (h *HTTP) GridResidents() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, c Caller) {
		code, err := geo.ParseCode(chi.URLParam(r, "code"))
		bad := map[string]string{}
		if err != nil || code.Level() != geo.LevelGrid {
			bad["code"] = "give a 15-digit grid code"
		}
		q := r.URL.Query()
		after, limit := int64(0), DefaultGridPage
		if v := q.Get("after"); v != "" {
			if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
				bad["after"] = "give the next value of the previous page"
			}
		}
		if v := q.Get("limit"); v != "" {
			if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxGridPage {
				bad["limit"] = fmt.Sprintf("give a number from 1 to %d", MaxGridPage)
			}
		}
		if len(bad) > 0 {
			prob.Invalid(w, r, bad)
			return
		}
		p, err := h.svc.GridResidents(r.Context(), c, code, after, limit)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
}

// Address serves GET /addresses/{id}.
func (h *HTTP) Address() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, c Caller) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil || id <= 0 {
			prob.Invalid(w, r, map[string]string{"id": "give the number of a standard address"})
			return
		}
		d, err := h.svc.AddressByID(r.Context(), c, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
}

// Residents serves GET /residents?id_number=….
func (h *HTTP) Residents() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, c Caller) {
		v := r.URL.Query().Get("id_number")
		if v == "" {
			prob.Invalid(w, r, map[string]string{"id_number": "give the 18-character ID number to search for"})
			return
		}
		rs, err := h.svc.FindByIDNumber(r.Context(), c, v)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"residents": rs})
	})
}

// Reveal serves POST /residents/{id}/reveal {"reason": "…"}.
func (h *HTTP) Reveal() http.Handler {
	return h.auth(func(w http.ResponseWriter, r *http.Request, c Caller) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil || id <= 0 {
			prob.Invalid(w, r, map[string]string{"id": "give the number of a resident"})
			return
		}
		var body struct {
			Reason string `json:"reason"`
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if !jsonhttp.DecodeInto(w, r, &body) {
			return
		}
		res, err := h.svc.Reveal(r.Context(), c, id, body.Reason, prob.RequestID(r.Context()))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}
